import { OFFLINE_BATCH } from '../../../src/application';
import type { ReceivedGroupMessage, UserRef } from '../../../src/domain';
import { makeFixture, unwrap } from '../../support/use-case-fixtures';

/**
 * "Team": alice (admin) and bob are members, both logged in. carol and dave are
 * registered and offline, not members yet.
 */
async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.registerAndLogin('alice');
  const bob = await fx.registerAndLogin('bob');
  const carol = await fx.register('carol');
  const dave = await fx.register('dave');
  const groupId = await fx.createGroup(alice.user, 'Team');
  await fx.addMembers(groupId, alice.user, bob.user);
  const sut = fx.useCases.getOfflineGroupMessages;
  /** Sends and waits until every push has settled. */
  const send = async (sender: UserRef, content: string, toGroup = groupId) => {
    const { delivered } = unwrap(await fx.useCases.sendGroupMessage.execute({ sender, groupId: toGroup, content }));
    await delivered;
  };
  const join = (user: UserRef) => fx.addMembers(groupId, alice.user, user);
  const fetch = (user: UserRef) => sut.execute({ userId: user.id });
  const contents = (batch: readonly ReceivedGroupMessage[]) => batch.map((m) => m.content);
  return { sut, fx, alice, bob, carol, dave, groupId, send, join, fetch, contents };
}

describe('GetOfflineGroupMessages', () => {
  it('returns nothing when nothing is waiting', async () => {
    const { carol, fetch } = await makeSut();

    expect(await fetch(carol)).toEqual([]);
  });

  it('gives a member exactly the messages sent while they were away, oldest first, with group and sender names', async () => {
    const { fx, alice, bob, carol, groupId, send, join, fetch } = await makeSut();
    await send(alice.user, 'before carol joined');
    fx.clock.advance(1_000);
    await join(carol);
    const start = fx.clock.now();
    await send(alice.user, 'one');
    fx.clock.advance(1_000);
    await send(bob.user, 'two');
    fx.clock.advance(1_000);
    await send(alice.user, 'three');
    await fx.logIn('carol');

    const batch = await fetch(carol);

    expect(batch.map(({ groupId, groupName, senderId, senderUsername, content, sentAt }) => ({ groupId, groupName, senderId, senderUsername, content, sentAt }))).toEqual([
      { groupId, groupName: 'Team', senderId: alice.user.id, senderUsername: 'alice', content: 'one', sentAt: start },
      { groupId, groupName: 'Team', senderId: bob.user.id, senderUsername: 'bob', content: 'two', sentAt: start + 1_000 },
      { groupId, groupName: 'Team', senderId: alice.user.id, senderUsername: 'alice', content: 'three', sentAt: start + 2_000 },
    ]);
    expect(new Set(batch.map((m) => m.id)).size).toBe(3);
  });

  it('marks the returned messages delivered, so the next call returns nothing', async () => {
    const { alice, carol, send, join, fetch, contents } = await makeSut();
    await join(carol);
    await send(alice.user, 'once');

    expect(contents(await fetch(carol))).toEqual(['once']);
    expect(await fetch(carol)).toEqual([]);
  });

  it('does not return the messages that reached one of the member’s connections live', async () => {
    const { fx, alice, carol, send, join, fetch, contents } = await makeSut();
    await join(carol);
    const online = await fx.logIn('carol');
    await send(alice.user, 'seen live');
    await fx.endSession(online);
    await send(alice.user, 'sent while away');

    expect(online.connection.eventsOf('group-message').map((e) => e.content)).toEqual(['seen live']);
    expect(contents(await fetch(carol))).toEqual(['sent while away']);
  });

  it('returns later a message whose push failed on every connection of the member', async () => {
    const { alice, bob, send, fetch, contents } = await makeSut();
    bob.connection.failDeliveries();

    await send(alice.user, 'lost on the wire');

    expect(bob.connection.eventsOf('group-message')).toEqual([]);
    expect(contents(await fetch(bob.user))).toEqual(['lost on the wire']);
  });

  it('returns later a message whose connection closed before the write completed', async () => {
    const { fx, alice, bob, groupId, fetch, contents } = await makeSut();
    bob.connection.holdDeliveries();
    const { delivered } = unwrap(
      await fx.useCases.sendGroupMessage.execute({ sender: alice.user, groupId, content: 'in flight' }),
    );

    bob.connection.close('socket closed');

    expect(await delivered).toBe(0);
    expect(contents(await fetch(bob.user))).toEqual(['in flight']);
  });

  it("marks a message delivered only for the caller: other members still get it", async () => {
    const { alice, carol, dave, send, join, fetch, contents } = await makeSut();
    await join(carol);
    await join(dave);
    await send(alice.user, 'for both');

    expect(contents(await fetch(carol))).toEqual(['for both']);
    expect(contents(await fetch(dave))).toEqual(['for both']);
    expect(await fetch(carol)).toEqual([]);
  });

  it("never returns the caller's own messages", async () => {
    const { alice, carol, send, join, fetch } = await makeSut();
    await join(carol);

    await send(carol, 'from carol herself');

    expect(await fetch(carol)).toEqual([]);
    expect(await fetch(alice.user)).toEqual([]);
  });

  it('returns messages of all the caller’s groups together, oldest first', async () => {
    const { fx, alice, bob, carol, send, join, fetch } = await makeSut();
    const other = await fx.createGroup(bob.user, 'Other');
    await fx.addMembers(other, bob.user, carol);
    await join(carol);

    await send(alice.user, 'team 1');
    await send(bob.user, 'other 1', other);
    await send(bob.user, 'team 2');

    expect((await fetch(carol)).map((m) => `${m.groupName}: ${m.content}`)).toEqual([
      'Team: team 1',
      'Other: other 1',
      'Team: team 2',
    ]);
  });

  it('returns no messages sent after the member was removed or had left', async () => {
    const { fx, alice, carol, dave, groupId, send, join, fetch } = await makeSut();
    await join(carol);
    await join(dave);
    unwrap(await fx.useCases.removeFromGroup.execute({ actorId: alice.user.id, groupId, userId: carol.id }));
    unwrap(await fx.useCases.leaveGroup.execute({ user: dave, groupId }));

    await send(alice.user, 'after they went');

    expect(await fetch(carol)).toEqual([]);
    expect(await fetch(dave)).toEqual([]);
  });

  it('keeps group messages and direct messages apart', async () => {
    const { fx, alice, carol, send, join, fetch, contents } = await makeSut();
    await join(carol);
    await send(alice.user, 'to the group');
    await unwrap(await fx.useCases.sendDirectMessage.execute({ sender: alice.user, receiverId: carol.id, content: 'to carol' }))
      .delivered;

    expect(contents(await fetch(carol))).toEqual(['to the group']);
    expect((await fx.useCases.getOfflineMessages.execute({ userId: carol.id })).map((m) => m.content)).toEqual([
      'to carol',
    ]);
  });

  it(`returns ${OFFLINE_BATCH} per call: 250 waiting come back as 100, 100, 50, then 0, in order`, async () => {
    const { alice, carol, send, join, fetch, contents } = await makeSut();
    await join(carol);
    const all = Array.from({ length: 250 }, (_, i) => `message ${i + 1}`);
    for (const content of all) await send(alice.user, content);

    const batches: string[][] = [];
    for (let i = 0; i < 4; i++) batches.push(contents(await fetch(carol)));

    expect(batches.map((b) => b.length)).toEqual([100, 100, 50, 0]);
    expect(batches.flat()).toEqual(all);
  });

  describe('fit (the reply size limit)', () => {
    async function makeFitSut(count: number) {
      const setup = await makeSut();
      await setup.join(setup.carol);
      for (let i = 1; i <= count; i++) await setup.send(setup.alice.user, `m${i}`);
      return setup;
    }

    it('is offered the whole batch and trims it; the rest comes next time', async () => {
      const { sut, carol, fetch, contents } = await makeFitSut(150);
      const offered: number[] = [];

      const trimmed = await sut.execute({
        userId: carol.id,
        fit: (batch) => {
          offered.push(batch.length);
          return 3;
        },
      });

      expect(offered).toEqual([100]);
      expect(contents(trimmed)).toEqual(['m1', 'm2', 'm3']);
      expect(contents(await fetch(carol))).toEqual(Array.from({ length: 100 }, (_, i) => `m${i + 4}`));
    });

    it('is offered the messages with their group and sender names, as they will be returned', async () => {
      const { sut, carol } = await makeFitSut(2);
      const offered: ReceivedGroupMessage[] = [];

      const batch = await sut.execute({
        userId: carol.id,
        fit: (waiting) => {
          offered.push(...waiting);
          return waiting.length;
        },
      });

      expect(offered).toEqual(batch);
      expect(offered.map((m) => [m.groupName, m.senderUsername])).toEqual([
        ['Team', 'alice'],
        ['Team', 'alice'],
      ]);
    });

    it('returns at least one message even when none fits', async () => {
      const { sut, carol, fetch, contents } = await makeFitSut(2);

      expect(contents(await sut.execute({ userId: carol.id, fit: () => 0 }))).toEqual(['m1']);
      expect(contents(await fetch(carol))).toEqual(['m2']);
    });

    it('returns no more than are waiting when more would fit', async () => {
      const { sut, carol, contents } = await makeFitSut(2);

      expect(contents(await sut.execute({ userId: carol.id, fit: () => 1_000 }))).toEqual(['m1', 'm2']);
    });

    it('is not a reason to return anything when nothing is waiting', async () => {
      const { sut, dave } = await makeSut();

      expect(await sut.execute({ userId: dave.id, fit: () => 0 })).toEqual([]);
    });
  });
});
