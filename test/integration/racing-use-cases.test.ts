import { TEST_SCRYPT_COST } from '../../src/adapters/crypto/scrypt-password-hasher';
import type { Storage } from '../../src/application/ports';
import { createCore, type ChatCore } from '../../src/bootstrap/create-core';
import type { Account, GroupId, UserRef } from '../../src/domain';
import { silentLogger } from '../support/e2e-server';
import { availableEngines, freshStorage } from '../support/engines';

const T0 = 1_764_201_600_000;

/**
 * The races the protocol must win, run through the use-cases on every engine
 * (MySQL/MariaDB when CHAT_TEST_MYSQL_URL is set): on SQLite transactions take
 * turns, on MySQL they really run side by side, and the database's locks and
 * unique indexes decide.
 */
describe.each(availableEngines())('use-cases racing on %s', (engine) => {
  let storage: Storage;
  let core: ChatCore;

  beforeEach(async () => {
    storage = await freshStorage(engine);
    core = await createCore({ storage, passwordCost: TEST_SCRYPT_COST, banCheckMs: 0, logger: silentLogger });
  });

  afterEach(async () => {
    await core.close();
  });

  async function account(username: string, joinedOffset = 0): Promise<Account> {
    const created = await storage.repositories.accounts.create({ username, passwordHash: 'h', createdAt: T0 + joinedOffset });
    if (created === 'username-taken') throw new Error(`test setup: ${username} is taken`);
    return created;
  }

  const ref = (user: Account): UserRef => ({ id: user.id, username: user.username });

  async function groupOf(admin: Account, ...members: Account[]): Promise<GroupId> {
    const created = await core.useCases.createGroup.execute({ userId: admin.id, name: 'g' });
    if (!created.ok) throw new Error('test setup: no group');
    for (const member of members) {
      const added = await core.useCases.addToGroup.execute({ actorId: admin.id, groupId: created.value.groupId, userId: member.id });
      if (!added.ok) throw new Error('test setup: not added');
    }
    return created.value.groupId;
  }

  it('keeps exactly one admin, the longest-standing member, when the last admin and another member leave at once', async () => {
    const rounds = engine === 'in-memory' ? 3 : 12;
    for (let round = 0; round < rounds; round++) {
      const [admin, first, second, third] = await Promise.all(
        ['admin', 'first', 'second', 'third'].map((name) => account(`${name}${round}`)),
      );
      const groupId = await groupOf(admin!, first!, second!, third!);

      const [adminLeft, firstLeft] = await Promise.all([
        core.useCases.leaveGroup.execute({ user: ref(admin!), groupId }),
        core.useCases.leaveGroup.execute({ user: ref(first!), groupId }),
      ]);

      expect([adminLeft.ok, firstLeft.ok]).toEqual([true, true]);
      const members = await storage.repositories.groups.listMembers(groupId);
      expect(members.map((m) => m.userId).sort((a, b) => a - b)).toEqual([second!.id, third!.id].sort((a, b) => a - b));
      expect(members.filter((m) => m.role === 'admin').map((m) => m.userId)).toEqual([second!.id]);
    }
  });

  it('keeps an admin when every admin but one leaves while members leave too', async () => {
    const [admin, ...members] = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((name) => account(name)));
    const groupId = await groupOf(admin!, ...members);

    const leaving = [admin!, members[0]!, members[1]!, members[2]!];
    const results = await Promise.all(leaving.map((user) => core.useCases.leaveGroup.execute({ user: ref(user), groupId })));

    expect(results.every((result) => result.ok)).toBe(true);
    const remaining = await storage.repositories.groups.listMembers(groupId);
    expect(remaining).toHaveLength(2);
    expect(remaining.filter((m) => m.role === 'admin')).toHaveLength(1);
  });

  it('accepts one friend request answered from two connections at once exactly once', async () => {
    const alice = await account('alice');
    const bob = await account('bob');
    const sent = await core.useCases.sendFriendRequest.execute({ sender: ref(alice), targetUsername: 'bob' });
    if (!sent.ok) throw new Error('test setup: no request');
    const pending = await storage.repositories.friendRequests.findPendingBetween(alice.id, bob.id);

    const answers = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        core.useCases.answerFriendRequest.execute({ user: ref(bob), requestId: pending!.id, answer: i % 2 ? 'reject' : 'accept' }),
      ),
    );

    expect(answers.filter((answer) => answer.ok)).toHaveLength(1);
    const won = answers.find((answer) => answer.ok);
    const acceptedFirst = answers.indexOf(won!) % 2 === 0;
    expect(await storage.repositories.friendships.exists(alice.id, bob.id)).toBe(acceptedFirst);
    expect(await storage.repositories.friendRequests.findPendingBetween(alice.id, bob.id)).toBeNull();
  });

  it('registers one name raced twenty times exactly once', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        core.useCases.registerUser.execute({ username: i % 2 ? 'racer' : 'RACER', password: 'password123' }),
      ),
    );

    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.filter((result) => !result.ok && result.error.code === 'USERNAME_TAKEN')).toHaveLength(19);
  });

  it('sends one pending request when two users ask each other at once', async () => {
    const alice = await account('alice');
    const bob = await account('bob');

    const [fromAlice, fromBob] = await Promise.all([
      core.useCases.sendFriendRequest.execute({ sender: ref(alice), targetUsername: 'bob' }),
      core.useCases.sendFriendRequest.execute({ sender: ref(bob), targetUsername: 'alice' }),
    ]);

    expect([fromAlice.ok, fromBob.ok].filter(Boolean)).toHaveLength(1);
    const receiver = fromAlice.ok ? bob : alice;
    expect(await core.useCases.getFriendRequests.execute({ userId: receiver.id })).toHaveLength(1);
  });
});
