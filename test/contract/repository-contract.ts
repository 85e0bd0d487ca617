import { createHash } from 'node:crypto';
import type { NewSessionToken, Repositories, Storage } from '../../src/application/ports';
import type { Account, MessageId, UserId } from '../../src/domain';
import { stored } from '../support/stored-message';

/** Epoch milliseconds; tests add small offsets so order by time is visible. */
const T0 = 1_764_201_600_000;
const at = (offset: number): number => T0 + offset;
/** A session token's hash as the store keeps it: SHA-256, lowercase hex. */
const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * One suite for every storage engine: each test runs on a fresh storage through
 * the `Storage` interface alone, so the in-memory fake and the real adapters
 * cannot drift apart.
 */
export function describeRepositoryContract(engineName: string, openStorage: () => Promise<Storage>): void {
  describe(`repository contract: ${engineName}`, () => {
    let storage: Storage;
    let repos: Repositories;

    beforeEach(async () => {
      storage = await openStorage();
      repos = storage.repositories;
    });

    afterEach(async () => {
      await storage.close();
    });

    async function register(username: string, createdAt = at(0)): Promise<Account> {
      const created = await repos.accounts.create({ username, passwordHash: `hash-of-${username}`, createdAt });
      if (created === 'username-taken') throw new Error(`test setup: ${username} is taken`);
      return created;
    }

    async function registerMany(...usernames: string[]): Promise<Account[]> {
      const accounts: Account[] = [];
      for (const username of usernames) accounts.push(await register(username));
      return accounts;
    }

    /** alice, and bob a member of her group Team. */
    async function aliceAndBobInATeam() {
      const [alice, bob] = await registerMany('alice', 'bob');
      const team = await repos.groups.create('Team', alice!.id, at(1));
      await repos.groups.addMember({ groupId: team.id, userId: bob!.id, role: 'member', joinedAt: at(2) });
      return { alice, bob, team };
    }

    /** The team above, and one undelivered direct and one group message from alice to bob. */
    async function aDirectAndAGroupMessageToBob() {
      const { alice, bob, team } = await aliceAndBobInATeam();
      const direct = stored(await repos.messages.saveDirect({ senderId: alice!.id, receiverId: bob!.id, content: 'd', sentAt: at(3) }));
      const group = await repos.messages.saveGroup({ groupId: team.id, senderId: alice!.id, content: 'g', sentAt: at(4) }, [bob!.id]);
      return { alice, bob, team, direct, group };
    }

    describe('accounts', () => {
      it('creates an account with a new id, active, as registered', async () => {
        const alice = await repos.accounts.create({ username: 'Alice', passwordHash: 'h1', createdAt: at(5) });
        const bob = await repos.accounts.create({ username: 'bob', passwordHash: 'h2', createdAt: at(6) });

        expect(alice).toMatchObject({ username: 'Alice', passwordHash: 'h1', status: 'active', createdAt: at(5) });
        expect(bob).toMatchObject({ username: 'bob', status: 'active' });
        if (alice === 'username-taken' || bob === 'username-taken') throw new Error('unexpected');
        expect(alice.id).toBeGreaterThan(0);
        expect(bob.id).not.toBe(alice.id);
        expect(alice.isBanned).toBe(false);
      });

      it('finds an account by id, and null for an unknown id', async () => {
        const alice = await register('Alice', at(7));

        expect(await repos.accounts.findById(alice.id)).toEqual(alice);
        expect(await repos.accounts.findById(alice.id + 1000)).toBeNull();
      });

      it('finds an account by username in any letter case, shown as registered', async () => {
        const alice = await register('Alice');

        expect(await repos.accounts.findByUsername('Alice')).toEqual(alice);
        expect(await repos.accounts.findByUsername('alice')).toEqual(alice);
        expect(await repos.accounts.findByUsername('ALICE')).toEqual(alice);
        expect((await repos.accounts.findByUsername('aLiCe'))?.username).toBe('Alice');
        expect(await repos.accounts.findByUsername('alicia')).toBeNull();
      });

      it("answers 'username-taken' for a name that exists in another letter case", async () => {
        await register('Alice');

        expect(await repos.accounts.create({ username: 'alice', passwordHash: 'h', createdAt: at(1) })).toBe(
          'username-taken',
        );
        expect(await repos.accounts.create({ username: 'Alice', passwordHash: 'h', createdAt: at(1) })).toBe(
          'username-taken',
        );
        expect((await repos.accounts.findByUsername('alice'))?.username).toBe('Alice');
      });

      it('bans and unbans an account', async () => {
        const alice = await register('alice');

        await repos.accounts.setStatus(alice.id, 'banned');
        const banned = await repos.accounts.findById(alice.id);
        expect(banned?.status).toBe('banned');
        expect(banned?.isBanned).toBe(true);

        await repos.accounts.setStatus(alice.id, 'active');
        expect((await repos.accounts.findByUsername('ALICE'))?.status).toBe('active');
      });

      it('filters the banned ones out of a list of users', async () => {
        const [a, b, c, d] = await registerMany('anna', 'bert', 'cleo', 'dora');
        await repos.accounts.setStatus(b!.id, 'banned');
        await repos.accounts.setStatus(d!.id, 'banned');

        const banned = await repos.accounts.filterBanned([a!.id, b!.id, c!.id, d!.id, d!.id + 1000]);
        expect([...banned].sort((x, y) => x - y)).toEqual([b!.id, d!.id]);
        expect(await repos.accounts.filterBanned([a!.id, c!.id])).toEqual([]);
        expect(await repos.accounts.filterBanned([])).toEqual([]);
      });

      it('lets exactly one of twenty parallel registrations of one name win', async () => {
        const attempts = Array.from({ length: 20 }, (_, i) =>
          repos.accounts.create({ username: i % 2 === 0 ? 'racer' : 'RACER', passwordHash: `h${i}`, createdAt: at(i) }),
        );
        const results = await Promise.all(attempts);

        const winners = results.filter((result): result is Account => result !== 'username-taken');
        expect(winners).toHaveLength(1);
        expect(results.filter((result) => result === 'username-taken')).toHaveLength(19);
        expect(await repos.accounts.findByUsername('racer')).toEqual(winners[0]);
      });
    });

    describe('friend requests', () => {
      it('stores a pending request', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');

        const request = await repos.friendRequests.createPending(alice!.id, bob!.id, at(10));

        expect(request).toMatchObject({
          senderId: alice!.id,
          receiverId: bob!.id,
          status: 'pending',
          createdAt: at(10),
        });
        if (request === 'already-pending') throw new Error('unexpected');
        expect(request.id).toBeGreaterThan(0);
      });

      it("answers 'already-pending' for a second request between the same two, either way", async () => {
        const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
        await repos.friendRequests.createPending(alice!.id, bob!.id, at(1));

        expect(await repos.friendRequests.createPending(alice!.id, bob!.id, at(2))).toBe('already-pending');
        expect(await repos.friendRequests.createPending(bob!.id, alice!.id, at(3))).toBe('already-pending');
        expect(await repos.friendRequests.createPending(carol!.id, bob!.id, at(4))).toMatchObject({
          status: 'pending',
        });
      });

      it('finds the pending request between two users in either order', async () => {
        const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
        const request = await repos.friendRequests.createPending(alice!.id, bob!.id, at(1));

        expect(await repos.friendRequests.findPendingBetween(alice!.id, bob!.id)).toEqual(request);
        expect(await repos.friendRequests.findPendingBetween(bob!.id, alice!.id)).toEqual(request);
        expect(await repos.friendRequests.findPendingBetween(alice!.id, carol!.id)).toBeNull();
      });

      it("lists the pending requests addressed to a user, oldest first, with the senders' names", async () => {
        const [alice, bob, carol, dave] = await registerMany('alice', 'Bob', 'carol', 'dave');
        const fromCarol = await repos.friendRequests.createPending(carol!.id, alice!.id, at(20));
        const fromBob = await repos.friendRequests.createPending(bob!.id, alice!.id, at(10));
        const toDave = await repos.friendRequests.createPending(alice!.id, dave!.id, at(5));
        const fromDaveToBob = await repos.friendRequests.createPending(dave!.id, bob!.id, at(1));
        if (fromCarol === 'already-pending' || fromBob === 'already-pending') throw new Error('unexpected');
        expect(toDave).not.toBe('already-pending');
        expect(fromDaveToBob).not.toBe('already-pending');

        expect(await repos.friendRequests.listPendingFor(alice!.id)).toEqual([
          { id: fromBob.id, senderId: bob!.id, senderUsername: 'Bob', createdAt: at(10) },
          { id: fromCarol.id, senderId: carol!.id, senderUsername: 'carol', createdAt: at(20) },
        ]);
        expect(await repos.friendRequests.listPendingFor(carol!.id)).toEqual([]);
      });

      it('orders requests sent at the same time by id', async () => {
        const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
        const first = await repos.friendRequests.createPending(carol!.id, alice!.id, at(10));
        const second = await repos.friendRequests.createPending(bob!.id, alice!.id, at(10));
        if (first === 'already-pending' || second === 'already-pending') throw new Error('unexpected');

        const listed = await repos.friendRequests.listPendingFor(alice!.id);
        expect(listed.map((request) => request.id)).toEqual([first.id, second.id]);
      });

      it('resolves a request only by its receiver, only once, returning it as it was', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        const request = await repos.friendRequests.createPending(alice!.id, bob!.id, at(1));
        if (request === 'already-pending') throw new Error('unexpected');

        expect(await repos.friendRequests.resolve(request.id, alice!.id, 'accepted', at(2))).toBeNull();
        expect(await repos.friendRequests.resolve(request.id, bob!.id, 'accepted', at(3))).toEqual({
          id: request.id,
          senderId: alice!.id,
          receiverId: bob!.id,
          status: 'pending',
          createdAt: at(1),
        });
        expect(await repos.friendRequests.resolve(request.id, bob!.id, 'accepted', at(4))).toBeNull();
        expect(await repos.friendRequests.resolve(request.id, bob!.id, 'rejected', at(5))).toBeNull();

        expect(await repos.friendRequests.findPendingBetween(alice!.id, bob!.id)).toBeNull();
        expect(await repos.friendRequests.listPendingFor(bob!.id)).toEqual([]);
      });

      it('resolves nothing for an unknown request', async () => {
        const [bob] = await registerMany('bob');

        expect(await repos.friendRequests.resolve(4242, bob!.id, 'rejected', at(1))).toBeNull();
      });

      it('allows a new request, either way, once the last one was rejected', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        const first = await repos.friendRequests.createPending(alice!.id, bob!.id, at(1));
        if (first === 'already-pending') throw new Error('unexpected');
        expect(await repos.friendRequests.resolve(first.id, bob!.id, 'rejected', at(2))).not.toBeNull();

        const again = await repos.friendRequests.createPending(alice!.id, bob!.id, at(3));
        expect(again).toMatchObject({ senderId: alice!.id, receiverId: bob!.id, status: 'pending' });
        if (again === 'already-pending') throw new Error('unexpected');
        expect(again.id).not.toBe(first.id);
        expect(await repos.friendRequests.resolve(again.id, bob!.id, 'rejected', at(4))).not.toBeNull();

        const reverse = await repos.friendRequests.createPending(bob!.id, alice!.id, at(5));
        expect(reverse).toMatchObject({ senderId: bob!.id, receiverId: alice!.id, status: 'pending' });
      });

      it('lets exactly one of two racing answers win', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        const request = await repos.friendRequests.createPending(alice!.id, bob!.id, at(1));
        if (request === 'already-pending') throw new Error('unexpected');

        const answers = await Promise.all([
          repos.friendRequests.resolve(request.id, bob!.id, 'accepted', at(2)),
          repos.friendRequests.resolve(request.id, bob!.id, 'rejected', at(2)),
          repos.friendRequests.resolve(request.id, bob!.id, 'accepted', at(3)),
        ]);

        expect(answers.filter((answer) => answer !== null)).toHaveLength(1);
      });
    });

    describe('friendships', () => {
      it('adds a friendship once per pair, whichever way round', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');

        expect(await repos.friendships.add(alice!.id, bob!.id, at(1))).toBe(true);
        expect(await repos.friendships.add(alice!.id, bob!.id, at(2))).toBe(false);
        expect(await repos.friendships.add(bob!.id, alice!.id, at(3))).toBe(false);
      });

      it('is symmetric: exists and remove work from both sides', async () => {
        const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
        await repos.friendships.add(bob!.id, alice!.id, at(1));

        expect(await repos.friendships.exists(alice!.id, bob!.id)).toBe(true);
        expect(await repos.friendships.exists(bob!.id, alice!.id)).toBe(true);
        expect(await repos.friendships.exists(alice!.id, carol!.id)).toBe(false);

        expect(await repos.friendships.remove(alice!.id, bob!.id)).toBe(true);
        expect(await repos.friendships.exists(bob!.id, alice!.id)).toBe(false);
        expect(await repos.friendships.remove(bob!.id, alice!.id)).toBe(false);
        expect(await repos.friendships.add(bob!.id, alice!.id, at(2))).toBe(true);
      });

      it("lists a user's friends by username case-insensitively, from both sides", async () => {
        const [me, dave, alice, carol, bob, stranger] = await registerMany(
          'me',
          'Dave',
          'alice',
          'Carol',
          'bob',
          'stranger',
        );
        await repos.friendships.add(me!.id, dave!.id, at(1));
        await repos.friendships.add(alice!.id, me!.id, at(2));
        await repos.friendships.add(me!.id, carol!.id, at(3));
        await repos.friendships.add(bob!.id, me!.id, at(4));
        await repos.friendships.add(stranger!.id, alice!.id, at(5));

        expect(await repos.friendships.listFriends(me!.id)).toEqual([
          { id: alice!.id, username: 'alice' },
          { id: bob!.id, username: 'bob' },
          { id: carol!.id, username: 'Carol' },
          { id: dave!.id, username: 'Dave' },
        ]);
        expect(await repos.friendships.listFriends(dave!.id)).toEqual([{ id: me!.id, username: 'me' }]);
        expect(await repos.friendships.listFriends(alice!.id)).toEqual([
          { id: me!.id, username: 'me' },
          { id: stranger!.id, username: 'stranger' },
        ]);
      });

      it('lists no friends for a user without any', async () => {
        const [loner] = await registerMany('loner');

        expect(await repos.friendships.listFriends(loner!.id)).toEqual([]);
      });
    });

    describe('groups', () => {
      it('creates a group with its creator as first admin', async () => {
        const [alice] = await registerMany('alice');

        const group = await repos.groups.create('Book club', alice!.id, at(30));

        expect(group).toMatchObject({ name: 'Book club', createdBy: alice!.id, createdAt: at(30) });
        expect(group.id).toBeGreaterThan(0);
        expect(await repos.groups.findById(group.id)).toEqual(group);
        expect(await repos.groups.findMember(group.id, alice!.id)).toEqual({
          groupId: group.id,
          userId: alice!.id,
          role: 'admin',
          joinedAt: at(30),
        });
        expect(await repos.groups.listMembers(group.id)).toHaveLength(1);
      });

      it('keeps names as given, emoji included', async () => {
        const [alice] = await registerMany('alice');

        const group = await repos.groups.create('Café 🎉 | club', alice!.id, at(1));

        expect((await repos.groups.findById(group.id))?.name).toBe('Café 🎉 | club');
      });

      it('finds no group for an unknown id and no membership for a non-member', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        const group = await repos.groups.create('g', alice!.id, at(1));

        expect(await repos.groups.findById(group.id + 1000)).toBeNull();
        expect(await repos.groups.findMember(group.id, bob!.id)).toBeNull();
      });

      it('adds a member once', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        const group = await repos.groups.create('g', alice!.id, at(1));
        const member = { groupId: group.id, userId: bob!.id, role: 'member', joinedAt: at(2) } as const;

        expect(await repos.groups.addMember(member)).toBe(true);
        expect(await repos.groups.addMember({ ...member, joinedAt: at(3) })).toBe(false);
        expect(await repos.groups.findMember(group.id, bob!.id)).toEqual(member);
      });

      it('removes a member, and answers false when they were not one', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        const group = await repos.groups.create('g', alice!.id, at(1));
        await repos.groups.addMember({ groupId: group.id, userId: bob!.id, role: 'member', joinedAt: at(2) });

        expect(await repos.groups.removeMember(group.id, bob!.id)).toBe(true);
        expect(await repos.groups.findMember(group.id, bob!.id)).toBeNull();
        expect(await repos.groups.removeMember(group.id, bob!.id)).toBe(false);
        expect(await repos.groups.findMember(group.id, alice!.id)).not.toBeNull();
      });

      it('lists members longest-standing first, ties by user id', async () => {
        const [alice, bob, carol, dave] = await registerMany('alice', 'bob', 'carol', 'dave');
        const group = await repos.groups.create('g', carol!.id, at(10));
        const other = await repos.groups.create('other', bob!.id, at(0));
        await repos.groups.addMember({ groupId: group.id, userId: dave!.id, role: 'member', joinedAt: at(20) });
        await repos.groups.addMember({ groupId: group.id, userId: bob!.id, role: 'member', joinedAt: at(20) });
        await repos.groups.addMember({ groupId: group.id, userId: alice!.id, role: 'member', joinedAt: at(30) });

        const members = await repos.groups.listMembers(group.id);

        expect(members.map((member) => member.userId)).toEqual([carol!.id, bob!.id, dave!.id, alice!.id]);
        expect(members[0]).toEqual({ groupId: group.id, userId: carol!.id, role: 'admin', joinedAt: at(10) });
        expect(members[1]).toEqual({ groupId: group.id, userId: bob!.id, role: 'member', joinedAt: at(20) });
        expect((await repos.groups.listMembers(other.id)).map((member) => member.userId)).toEqual([bob!.id]);
      });

      it("changes a member's role", async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        const group = await repos.groups.create('g', alice!.id, at(1));
        await repos.groups.addMember({ groupId: group.id, userId: bob!.id, role: 'member', joinedAt: at(2) });

        await repos.groups.setRole(group.id, bob!.id, 'admin');
        await repos.groups.setRole(group.id, alice!.id, 'member');

        expect((await repos.groups.findMember(group.id, bob!.id))?.role).toBe('admin');
        expect((await repos.groups.listMembers(group.id)).map((member) => member.role)).toEqual(['member', 'admin']);
      });

      it("lists a group's members with their names as registered and roles, by username case-insensitively", async () => {
        const [dave, carol, alice, bob, xray, xavier, eve] = await registerMany(
          'dave',
          'Carol',
          'alice',
          'Bob',
          'x_ray',
          'Xavier',
          'eve',
        );
        const group = await repos.groups.create('g', dave!.id, at(1));
        const other = await repos.groups.create('other', eve!.id, at(1));
        for (const [i, user] of [carol, xavier, alice, bob, xray].entries()) {
          await repos.groups.addMember({ groupId: group.id, userId: user!.id, role: 'member', joinedAt: at(2 + i) });
        }
        await repos.groups.addMember({ groupId: other.id, userId: alice!.id, role: 'member', joinedAt: at(9) });
        await repos.groups.setRole(group.id, bob!.id, 'admin');

        expect(await repos.groups.listMembersByName(group.id)).toEqual([
          { userId: alice!.id, username: 'alice', role: 'member' },
          { userId: bob!.id, username: 'Bob', role: 'admin' },
          { userId: carol!.id, username: 'Carol', role: 'member' },
          { userId: dave!.id, username: 'dave', role: 'admin' },
          { userId: xray!.id, username: 'x_ray', role: 'member' },
          { userId: xavier!.id, username: 'Xavier', role: 'member' },
        ]);
        expect(await repos.groups.listMembersByName(other.id)).toEqual([
          { userId: alice!.id, username: 'alice', role: 'member' },
          { userId: eve!.id, username: 'eve', role: 'admin' },
        ]);
      });

      it('lists members by name as they are now: without the removed, and none for an unknown group', async () => {
        const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
        const group = await repos.groups.create('g', alice!.id, at(1));
        await repos.groups.addMember({ groupId: group.id, userId: bob!.id, role: 'member', joinedAt: at(2) });
        await repos.groups.addMember({ groupId: group.id, userId: carol!.id, role: 'member', joinedAt: at(3) });

        await repos.groups.removeMember(group.id, bob!.id);

        expect((await repos.groups.listMembersByName(group.id)).map((member) => member.username)).toEqual([
          'alice',
          'carol',
        ]);
        expect(await repos.groups.listMembersByName(group.id + 1000)).toEqual([]);
      });

      it("lists a user's groups by group id, with the group's name, the user's role and the member count", async () => {
        const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
        const one = await repos.groups.create('One', bob!.id, at(1));
        const two = await repos.groups.create('Café 🎉 | two', alice!.id, at(2));
        const three = await repos.groups.create('Three', carol!.id, at(3));
        const carolsOwn = await repos.groups.create('Carol only', carol!.id, at(4));
        // alice joins three before one: the list follows the group id, not the joining order.
        await repos.groups.addMember({ groupId: three.id, userId: alice!.id, role: 'admin', joinedAt: at(5) });
        await repos.groups.addMember({ groupId: three.id, userId: bob!.id, role: 'member', joinedAt: at(6) });
        await repos.groups.addMember({ groupId: one.id, userId: alice!.id, role: 'member', joinedAt: at(7) });

        expect(await repos.groups.listMembershipsOf(alice!.id)).toEqual([
          { groupId: one.id, groupName: 'One', role: 'member', memberCount: 2 },
          { groupId: two.id, groupName: 'Café 🎉 | two', role: 'admin', memberCount: 1 },
          { groupId: three.id, groupName: 'Three', role: 'admin', memberCount: 3 },
        ]);
        expect(await repos.groups.listMembershipsOf(bob!.id)).toEqual([
          { groupId: one.id, groupName: 'One', role: 'admin', memberCount: 2 },
          { groupId: three.id, groupName: 'Three', role: 'member', memberCount: 3 },
        ]);
        expect((await repos.groups.listMembershipsOf(carol!.id)).map((m) => m.groupId)).toEqual([
          three.id,
          carolsOwn.id,
        ]);
      });

      it('lists memberships as they are now: counts and roles follow changes, a group left is gone', async () => {
        const [alice, bob, carol, loner] = await registerMany('alice', 'bob', 'carol', 'loner');
        const group = await repos.groups.create('g', alice!.id, at(1));
        await repos.groups.addMember({ groupId: group.id, userId: bob!.id, role: 'member', joinedAt: at(2) });
        await repos.groups.addMember({ groupId: group.id, userId: carol!.id, role: 'member', joinedAt: at(3) });

        await repos.groups.removeMember(group.id, alice!.id);
        await repos.groups.setRole(group.id, bob!.id, 'admin');

        expect(await repos.groups.listMembershipsOf(alice!.id)).toEqual([]);
        expect(await repos.groups.listMembershipsOf(bob!.id)).toEqual([
          { groupId: group.id, groupName: 'g', role: 'admin', memberCount: 2 },
        ]);
        expect(await repos.groups.listMembershipsOf(carol!.id)).toEqual([
          { groupId: group.id, groupName: 'g', role: 'member', memberCount: 2 },
        ]);
        expect(await repos.groups.listMembershipsOf(loner!.id)).toEqual([]);
      });
    });

    describe('messages', () => {
      it('stores a direct message undelivered', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');

        const message = stored(
          await repos.messages.saveDirect({
            senderId: alice!.id,
            receiverId: bob!.id,
            content: 'hi | there \\ 🎉',
            sentAt: at(40),
          }),
        );

        expect(message).toMatchObject({
          senderId: alice!.id,
          receiverId: bob!.id,
          content: 'hi | there \\ 🎉',
          sentAt: at(40),
        });
        expect(message.id).toBeGreaterThan(0);
        expect(await repos.messages.listUndeliveredDirect(bob!.id, 100)).toEqual([
          { ...message, senderUsername: 'alice' },
        ]);
      });

      it("lists a receiver's undelivered messages oldest first with senders' names, at most `limit`", async () => {
        const [alice, bob, carol] = await registerMany('Alice', 'bob', 'carol');
        const sent = [];
        for (let i = 0; i < 5; i++) {
          const sender = i % 2 === 0 ? alice! : carol!;
          sent.push(
            stored(await repos.messages.saveDirect({ senderId: sender.id, receiverId: bob!.id, content: `m${i}`, sentAt: at(i) })),
          );
        }
        await repos.messages.saveDirect({ senderId: bob!.id, receiverId: alice!.id, content: 'other', sentAt: at(9) });

        const all = await repos.messages.listUndeliveredDirect(bob!.id, 100);
        expect(all.map((message) => message.content)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
        expect(all.map((message) => message.senderUsername)).toEqual(['Alice', 'carol', 'Alice', 'carol', 'Alice']);
        expect(all[1]).toEqual({ ...sent[1], senderUsername: 'carol' });

        const firstTwo = await repos.messages.listUndeliveredDirect(bob!.id, 2);
        expect(firstTwo.map((message) => message.id)).toEqual([sent[0]!.id, sent[1]!.id]);
        expect(await repos.messages.listUndeliveredDirect(carol!.id, 100)).toEqual([]);
      });

      it('hides messages once marked delivered', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        const sent = [];
        for (let i = 0; i < 4; i++) {
          sent.push(
            stored(await repos.messages.saveDirect({ senderId: alice!.id, receiverId: bob!.id, content: `m${i}`, sentAt: at(i) })),
          );
        }

        await repos.messages.markDirectDelivered([sent[0]!.id, sent[2]!.id]);
        expect((await repos.messages.listUndeliveredDirect(bob!.id, 100)).map((message) => message.id)).toEqual([
          sent[1]!.id,
          sent[3]!.id,
        ]);

        await repos.messages.markDirectDelivered([]);
        await repos.messages.markDirectDelivered([sent[0]!.id, sent[1]!.id, sent[3]!.id]);
        expect(await repos.messages.listUndeliveredDirect(bob!.id, 100)).toEqual([]);
      });

      it('pages through undelivered messages: list, mark, list the next ones', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        for (let i = 0; i < 5; i++) {
          await repos.messages.saveDirect({ senderId: alice!.id, receiverId: bob!.id, content: `m${i}`, sentAt: at(i) });
        }

        const pages: string[][] = [];
        for (;;) {
          const page = await repos.messages.listUndeliveredDirect(bob!.id, 2);
          if (page.length === 0) break;
          pages.push(page.map((message) => message.content));
          await repos.messages.markDirectDelivered(page.map((message) => message.id));
        }

        expect(pages).toEqual([['m0', 'm1'], ['m2', 'm3'], ['m4']]);
      });

      it('lists only undelivered messages with ids above `afterId`, so a reader pages without marking', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        const sent: MessageId[] = [];
        for (let i = 0; i < 5; i++) {
          const message = stored(
            await repos.messages.saveDirect({
              senderId: alice!.id,
              receiverId: bob!.id,
              content: `m${i}`,
              sentAt: at(i),
            }),
          );
          sent.push(message.id);
        }
        await repos.messages.markDirectDelivered([sent[2]!]);
        const ids = async (limit: number, afterId?: MessageId): Promise<MessageId[]> =>
          (await repos.messages.listUndeliveredDirect(bob!.id, limit, afterId)).map((message) => message.id);

        expect(await ids(100)).toEqual([sent[0], sent[1], sent[3], sent[4]]);
        expect(await ids(100, 0)).toEqual([sent[0], sent[1], sent[3], sent[4]]);
        expect(await ids(2, sent[0])).toEqual([sent[1], sent[3]]);
        expect(await ids(2, sent[1])).toEqual([sent[3], sent[4]]);
        expect(await ids(100, sent[3])).toEqual([sent[4]]);
        expect(await ids(100, sent[4])).toEqual([]);
        expect((await repos.messages.listUndeliveredDirect(bob!.id, 1, sent[0]))[0]).toMatchObject({
          content: 'm1',
          senderUsername: 'alice',
        });
      });

      describe('acknowledgements', () => {
        it('marks delivered only undelivered direct messages addressed to the user, and counts them', async () => {
          const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
          const send = async (from: Account, to: Account, content: string): Promise<MessageId> =>
            stored(await repos.messages.saveDirect({ senderId: from.id, receiverId: to.id, content, sentAt: at(1) })).id;
          const toBob1 = await send(alice!, bob!, 'b1');
          const toBob2 = await send(carol!, bob!, 'b2');
          const toBobDelivered = await send(alice!, bob!, 'b3');
          const toBobLater = await send(alice!, bob!, 'b4');
          const toCarol = await send(alice!, carol!, 'c1');
          const fromBob = await send(bob!, alice!, 'a1');
          await repos.messages.markDirectDelivered([toBobDelivered]);

          const changed = await repos.messages.acknowledge(
            bob!.id,
            [toBob1, toBob2, toBobDelivered, toCarol, fromBob, toBobLater + 1_000_000],
            [],
          );

          expect(changed).toBe(2);
          expect((await repos.messages.listUndeliveredDirect(bob!.id, 100)).map((m) => m.id)).toEqual([toBobLater]);
          expect((await repos.messages.listUndeliveredDirect(carol!.id, 100)).map((m) => m.id)).toEqual([toCarol]);
          expect((await repos.messages.listUndeliveredDirect(alice!.id, 100)).map((m) => m.id)).toEqual([fromBob]);
          expect(await repos.messages.acknowledge(bob!.id, [toBob1, toBob2], [])).toBe(0);
          expect(await repos.messages.acknowledge(bob!.id, [toBobLater, toBobLater], [])).toBe(1);
          expect(await repos.messages.listUndeliveredDirect(bob!.id, 100)).toEqual([]);
        });

        it("marks delivered only the user's undelivered group messages, and counts them", async () => {
          const [alice, bob, carol, dave] = await registerMany('alice', 'bob', 'carol', 'dave');
          const team = await repos.groups.create('Team', alice!.id, at(1));
          await repos.groups.addMember({ groupId: team.id, userId: bob!.id, role: 'member', joinedAt: at(2) });
          await repos.groups.addMember({ groupId: team.id, userId: carol!.id, role: 'member', joinedAt: at(2) });
          await repos.groups.addMember({ groupId: team.id, userId: dave!.id, role: 'member', joinedAt: at(2) });
          const save = async (content: string, recipients: Account[]): Promise<MessageId> =>
            (
              await repos.messages.saveGroup(
                { groupId: team.id, senderId: alice!.id, content, sentAt: at(10) },
                recipients.map((account) => account.id),
              )
            ).id;
          const forBoth = await save('both', [bob!, carol!]);
          const forCarol = await save('carol only', [carol!]);
          const delivered = await save('delivered', [bob!]);
          const later = await save('later', [bob!]);
          await repos.messages.markGroupDeliveredTo(bob!.id, [delivered]);

          expect(await repos.messages.acknowledge(bob!.id, [], [forBoth, forCarol, delivered, later + 1_000_000])).toBe(1);

          expect((await repos.messages.listUndeliveredGroup(bob!.id, 100)).map((m) => m.id)).toEqual([later]);
          expect((await repos.messages.listUndeliveredGroup(carol!.id, 100)).map((m) => m.id)).toEqual([
            forBoth,
            forCarol,
          ]);
          // Dave is a member but was stored no delivery of these: nothing to acknowledge.
          expect(await repos.messages.acknowledge(dave!.id, [], [forBoth, later])).toBe(0);
          expect(await repos.messages.acknowledge(bob!.id, [], [forBoth])).toBe(0);
        });

        it('acknowledges direct and group messages in one call, and nothing for two empty lists', async () => {
          const { bob, direct, group } = await aDirectAndAGroupMessageToBob();

          expect(await repos.messages.acknowledge(bob!.id, [], [])).toBe(0);
          expect(await repos.messages.listUndeliveredDirect(bob!.id, 100)).toHaveLength(1);

          expect(await repos.messages.acknowledge(bob!.id, [direct.id], [group.id])).toBe(2);
          expect(await repos.messages.listUndeliveredDirect(bob!.id, 100)).toEqual([]);
          expect(await repos.messages.listUndeliveredGroup(bob!.id, 100)).toEqual([]);
        });

        it('takes 1000 ids in one call, more than one statement takes', async () => {
          const { alice, bob, team } = await aliceAndBobInATeam();
          const { directIds, groupIds } = await storage.unitOfWork.run(async (tx) => {
            const direct: MessageId[] = [];
            const group: MessageId[] = [];
            for (let i = 0; i < 700; i++) {
              const message = stored(
                await tx.messages.saveDirect({
                  senderId: alice!.id,
                  receiverId: bob!.id,
                  content: `d${i}`,
                  sentAt: at(10 + i),
                }),
              );
              direct.push(message.id);
            }
            for (let i = 0; i < 300; i++) {
              const message = await tx.messages.saveGroup(
                { groupId: team.id, senderId: alice!.id, content: `g${i}`, sentAt: at(10 + i) },
                [bob!.id],
              );
              group.push(message.id);
            }
            return { directIds: direct, groupIds: group };
          });

          expect(await repos.messages.acknowledge(bob!.id, directIds, groupIds)).toBe(1_000);
          expect(await repos.messages.listUndeliveredDirect(bob!.id, 100)).toEqual([]);
          expect(await repos.messages.listUndeliveredGroup(bob!.id, 100)).toEqual([]);
        });

        it('keeps acknowledgements made in a unit of work that fails from being stored', async () => {
          const { bob, direct, group } = await aDirectAndAGroupMessageToBob();

          await expect(
            storage.unitOfWork.run(async (tx) => {
              expect(await tx.messages.acknowledge(bob!.id, [direct.id], [group.id])).toBe(2);
              throw new Error('boom');
            }),
          ).rejects.toThrow('boom');

          expect((await repos.messages.listUndeliveredDirect(bob!.id, 100)).map((m) => m.id)).toEqual([direct.id]);
          expect((await repos.messages.listUndeliveredGroup(bob!.id, 100)).map((m) => m.id)).toEqual([group.id]);
        });
      });

      it('marks a group message delivered to several recipients at once, and only to them', async () => {
        const [alice, bob, carol, dave] = await registerMany('alice', 'bob', 'carol', 'dave');
        const group = await repos.groups.create('g', alice!.id, at(1));
        for (const member of [bob!, carol!, dave!]) {
          await repos.groups.addMember({ groupId: group.id, userId: member.id, role: 'member', joinedAt: at(2) });
        }
        const message = await repos.messages.saveGroup(
          { groupId: group.id, senderId: alice!.id, content: 'hi', sentAt: at(10) },
          [bob!.id, carol!.id, dave!.id],
        );

        await repos.messages.markGroupDelivered(message.id, [bob!.id, dave!.id]);
        await repos.messages.markGroupDelivered(message.id, []);

        expect(await repos.messages.listUndeliveredGroup(bob!.id, 10)).toEqual([]);
        expect(await repos.messages.listUndeliveredGroup(dave!.id, 10)).toEqual([]);
        expect((await repos.messages.listUndeliveredGroup(carol!.id, 10)).map((m) => m.id)).toEqual([message.id]);
      });

      it('stores a group message for its recipients and marks it delivered per recipient', async () => {
        const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
        const group = await repos.groups.create('g', alice!.id, at(1));
        await repos.groups.addMember({ groupId: group.id, userId: bob!.id, role: 'member', joinedAt: at(2) });
        await repos.groups.addMember({ groupId: group.id, userId: carol!.id, role: 'member', joinedAt: at(3) });

        const message = await repos.messages.saveGroup(
          { groupId: group.id, senderId: alice!.id, content: 'hello all', sentAt: at(50) },
          [bob!.id, carol!.id],
        );

        expect(message).toMatchObject({ groupId: group.id, senderId: alice!.id, content: 'hello all', sentAt: at(50) });
        expect(message.id).toBeGreaterThan(0);
        await expect(repos.messages.markGroupDelivered(message.id, [bob!.id])).resolves.toBeUndefined();
        await expect(repos.messages.markGroupDelivered(message.id, [bob!.id])).resolves.toBeUndefined();
        await expect(repos.messages.markGroupDelivered(message.id, [carol!.id])).resolves.toBeUndefined();

        const second = await repos.messages.saveGroup(
          { groupId: group.id, senderId: bob!.id, content: 'to nobody', sentAt: at(51) },
          [],
        );
        expect(second.id).not.toBe(message.id);
      });

      describe('group deliveries', () => {
        /** "Team" (Alice, bob, carol) and "Café 🎉" (carol, bob). */
        async function twoGroups() {
          const [alice, bob, carol, dave] = await registerMany('Alice', 'bob', 'carol', 'dave');
          const team = await repos.groups.create('Team', alice!.id, at(1));
          const cafe = await repos.groups.create('Café 🎉', carol!.id, at(1));
          await repos.groups.addMember({ groupId: team.id, userId: bob!.id, role: 'member', joinedAt: at(2) });
          await repos.groups.addMember({ groupId: team.id, userId: carol!.id, role: 'member', joinedAt: at(2) });
          await repos.groups.addMember({ groupId: cafe.id, userId: bob!.id, role: 'member', joinedAt: at(2) });
          return { alice: alice!, bob: bob!, carol: carol!, dave: dave!, team, cafe };
        }

        it("lists a member's undelivered group messages oldest first, with group and sender names, at most `limit`", async () => {
          const { alice, bob, carol, dave, team, cafe } = await twoGroups();
          const m0 = await repos.messages.saveGroup(
            { groupId: team.id, senderId: alice.id, content: 'hi | all \\ 🎉', sentAt: at(10) },
            [bob.id, carol.id],
          );
          const m1 = await repos.messages.saveGroup(
            { groupId: cafe.id, senderId: carol.id, content: 'coffee?', sentAt: at(11) },
            [bob.id],
          );
          const m2 = await repos.messages.saveGroup(
            { groupId: team.id, senderId: carol.id, content: 'me too', sentAt: at(12) },
            [alice.id, bob.id],
          );
          const m3 = await repos.messages.saveGroup(
            { groupId: team.id, senderId: alice.id, content: 'not for bob', sentAt: at(13) },
            [carol.id],
          );

          expect(await repos.messages.listUndeliveredGroup(bob.id, 100)).toEqual([
            { ...m0, groupName: 'Team', senderUsername: 'Alice' },
            { ...m1, groupName: 'Café 🎉', senderUsername: 'carol' },
            { ...m2, groupName: 'Team', senderUsername: 'carol' },
          ]);
          expect((await repos.messages.listUndeliveredGroup(bob.id, 2)).map((m) => m.id)).toEqual([m0.id, m1.id]);
          expect((await repos.messages.listUndeliveredGroup(bob.id, 1)).map((m) => m.id)).toEqual([m0.id]);
          expect((await repos.messages.listUndeliveredGroup(carol.id, 100)).map((m) => m.id)).toEqual([m0.id, m3.id]);
          expect((await repos.messages.listUndeliveredGroup(alice.id, 100)).map((m) => m.id)).toEqual([m2.id]);
          expect(await repos.messages.listUndeliveredGroup(dave.id, 100)).toEqual([]);
        });

        it('hides a message from a recipient once marked delivered to them, and only from them', async () => {
          const { alice, bob, carol, team } = await twoGroups();
          const message = await repos.messages.saveGroup(
            { groupId: team.id, senderId: alice.id, content: 'hello', sentAt: at(10) },
            [bob.id, carol.id],
          );

          await repos.messages.markGroupDelivered(message.id, [bob.id]);

          expect(await repos.messages.listUndeliveredGroup(bob.id, 100)).toEqual([]);
          expect((await repos.messages.listUndeliveredGroup(carol.id, 100)).map((m) => m.id)).toEqual([message.id]);
        });

        it("marks delivered only the given recipient's rows of the given messages", async () => {
          const { alice, bob, carol, team } = await twoGroups();
          const sent = [];
          for (let i = 0; i < 5; i++) {
            sent.push(
              await repos.messages.saveGroup(
                { groupId: team.id, senderId: alice.id, content: `m${i}`, sentAt: at(10 + i) },
                [bob.id, carol.id],
              ),
            );
          }
          const ids = sent.map((m) => m.id);

          await repos.messages.markGroupDeliveredTo(bob.id, [ids[0]!, ids[2]!, ids[4]!]);

          expect((await repos.messages.listUndeliveredGroup(bob.id, 100)).map((m) => m.id)).toEqual([ids[1], ids[3]]);
          expect((await repos.messages.listUndeliveredGroup(carol.id, 100)).map((m) => m.id)).toEqual(ids);
        });

        it('marks nothing for an empty list, and takes ids again, or ids not meant for the recipient, harmlessly', async () => {
          const { alice, bob, carol, team } = await twoGroups();
          const forBoth = await repos.messages.saveGroup(
            { groupId: team.id, senderId: alice.id, content: 'both', sentAt: at(10) },
            [bob.id, carol.id],
          );
          const forCarol = await repos.messages.saveGroup(
            { groupId: team.id, senderId: alice.id, content: 'carol', sentAt: at(11) },
            [carol.id],
          );

          await repos.messages.markGroupDeliveredTo(bob.id, []);
          expect((await repos.messages.listUndeliveredGroup(bob.id, 100)).map((m) => m.id)).toEqual([forBoth.id]);

          await repos.messages.markGroupDeliveredTo(bob.id, [forCarol.id, forCarol.id + 1000]);
          expect((await repos.messages.listUndeliveredGroup(bob.id, 100)).map((m) => m.id)).toEqual([forBoth.id]);
          expect((await repos.messages.listUndeliveredGroup(carol.id, 100)).map((m) => m.id)).toEqual([
            forBoth.id,
            forCarol.id,
          ]);

          await repos.messages.markGroupDeliveredTo(bob.id, [forBoth.id]);
          await repos.messages.markGroupDeliveredTo(bob.id, [forBoth.id]);
          expect(await repos.messages.listUndeliveredGroup(bob.id, 100)).toEqual([]);
          expect((await repos.messages.listUndeliveredGroup(carol.id, 100)).map((m) => m.id)).toEqual([
            forBoth.id,
            forCarol.id,
          ]);
        });

        it('pages through undelivered group messages: list, mark, list the next ones', async () => {
          const { alice, bob, team } = await twoGroups();
          for (let i = 0; i < 5; i++) {
            await repos.messages.saveGroup(
              { groupId: team.id, senderId: alice.id, content: `m${i}`, sentAt: at(10 + i) },
              [bob.id],
            );
          }

          const pages: string[][] = [];
          for (;;) {
            const page = await repos.messages.listUndeliveredGroup(bob.id, 2);
            if (page.length === 0) break;
            pages.push(page.map((message) => message.content));
            await repos.messages.markGroupDeliveredTo(bob.id, page.map((message) => message.id));
          }

          expect(pages).toEqual([['m0', 'm1'], ['m2', 'm3'], ['m4']]);
        });

        it('lists only undelivered group messages with ids above `afterId`', async () => {
          const { alice, bob, carol, team, cafe } = await twoGroups();
          const sent: MessageId[] = [];
          for (let i = 0; i < 5; i++) {
            const message = await repos.messages.saveGroup(
              { groupId: i % 2 === 0 ? team.id : cafe.id, senderId: i % 2 === 0 ? alice.id : carol.id, content: `m${i}`, sentAt: at(10 + i) },
              [bob.id],
            );
            sent.push(message.id);
          }
          await repos.messages.markGroupDeliveredTo(bob.id, [sent[2]!]);
          const ids = async (limit: number, afterId?: MessageId): Promise<MessageId[]> =>
            (await repos.messages.listUndeliveredGroup(bob.id, limit, afterId)).map((message) => message.id);

          expect(await ids(100)).toEqual([sent[0], sent[1], sent[3], sent[4]]);
          expect(await ids(100, 0)).toEqual([sent[0], sent[1], sent[3], sent[4]]);
          expect(await ids(2, sent[0])).toEqual([sent[1], sent[3]]);
          expect(await ids(2, sent[1])).toEqual([sent[3], sent[4]]);
          expect(await ids(100, sent[4])).toEqual([]);
          expect((await repos.messages.listUndeliveredGroup(bob.id, 1, sent[0]))[0]).toMatchObject({
            content: 'm1',
            groupName: 'Café 🎉',
            senderUsername: 'carol',
          });
        });

        it('marks more messages at once than one statement takes', async () => {
          const { alice, bob, carol, team } = await twoGroups();
          const ids = await storage.unitOfWork.run(async (tx) => {
            const saved = [];
            for (let i = 0; i < 1_100; i++) {
              const message = await tx.messages.saveGroup(
                { groupId: team.id, senderId: alice.id, content: `m${i}`, sentAt: at(10 + i) },
                [bob.id, carol.id],
              );
              saved.push(message.id);
            }
            return saved;
          });

          await repos.messages.markGroupDeliveredTo(bob.id, ids.slice(0, 1_099));

          expect((await repos.messages.listUndeliveredGroup(bob.id, 100)).map((m) => m.id)).toEqual([ids[1_099]]);
          expect(await repos.messages.listUndeliveredGroup(carol.id, 2_000)).toHaveLength(1_100);
        });

        it('keeps marks made in a unit of work that fails from being stored', async () => {
          const { alice, bob, team } = await twoGroups();
          const message = await repos.messages.saveGroup(
            { groupId: team.id, senderId: alice.id, content: 'still waiting', sentAt: at(10) },
            [bob.id],
          );

          await expect(
            storage.unitOfWork.run(async (tx) => {
              await tx.messages.markGroupDeliveredTo(bob.id, [message.id]);
              expect(await tx.messages.listUndeliveredGroup(bob.id, 100)).toEqual([]);
              throw new Error('boom');
            }),
          ).rejects.toThrow('boom');

          expect((await repos.messages.listUndeliveredGroup(bob.id, 100)).map((m) => m.content)).toEqual([
            'still waiting',
          ]);
        });
      });
    });

    describe('sessions', () => {
      it('opens sessions with distinct ids', async () => {
        const [alice] = await registerMany('alice');

        const first = await repos.sessions.open({ userId: alice!.id, connectionId: 'c1', nodeId: 'n1', createdAt: at(1) });
        const second = await repos.sessions.open({ userId: alice!.id, connectionId: 'c2', nodeId: 'n1', createdAt: at(2) });

        expect(first).not.toBe(second);
      });

      it("closes all of a node's sessions, returning only that node's users", async () => {
        const [alice, bob, carol, dave] = await registerMany('alice', 'bob', 'carol', 'dave');
        const open = (userId: UserId, connectionId: string, nodeId: string): Promise<number> =>
          repos.sessions.open({ userId, connectionId, nodeId, createdAt: at(1) });
        await open(alice!.id, 'c1', 'node-a');
        await open(alice!.id, 'c2', 'node-a');
        await open(bob!.id, 'c3', 'node-a');
        const carolsOnA = await open(carol!.id, 'c4', 'node-a');
        await open(dave!.id, 'c5', 'node-b');
        await repos.sessions.close(carolsOnA);

        const users = await repos.sessions.closeAllOfNode('node-a');

        expect([...new Set(users)].sort((x, y) => x - y)).toEqual([alice!.id, bob!.id].sort((x, y) => x - y));
        expect(await repos.sessions.closeAllOfNode('node-a')).toEqual([]);
        expect(await repos.sessions.closeAllOfNode('node-b')).toEqual([dave!.id]);
        expect(await repos.sessions.closeAllOfNode('node-c')).toEqual([]);
      });

      it('closing an unknown session is harmless', async () => {
        await expect(repos.sessions.close(4242)).resolves.toBeUndefined();
      });
    });

    describe('session tokens', () => {
      const DAY = 86_400_000;
      const token = (userId: UserId, name: string, createdAt: number, expiresAt = createdAt + DAY): NewSessionToken => ({
        userId,
        tokenHash: hashOf(name),
        createdAt,
        expiresAt,
      });
      /** The names (as hashed) of the user's live tokens, oldest first. */
      const liveOf = async (userId: UserId, now: number): Promise<string[]> =>
        (await repos.sessionTokens.listLive(userId, now)).map((t) => t.tokenHash);

      it('issues a token and finds it by its hash, expired or not', async () => {
        const [alice] = await registerMany('alice');

        const id = await repos.sessionTokens.issue(token(alice!.id, 'one', at(1), at(100)), 20, at(1));

        expect(id).toBeGreaterThan(0);
        expect(await repos.sessionTokens.findByHash(hashOf('one'))).toEqual({
          id,
          userId: alice!.id,
          tokenHash: hashOf('one'),
          createdAt: at(1),
          expiresAt: at(100),
        });
        expect(await repos.sessionTokens.findByHash(hashOf('two'))).toBeNull();
        // Finding does not judge expiry: the caller compares expiresAt with its clock.
        expect(await repos.sessionTokens.listLive(alice!.id, at(100))).toEqual([]);
        expect((await repos.sessionTokens.findByHash(hashOf('one')))?.id).toBe(id);
      });

      it("lists a user's tokens not expired yet, oldest first, ties by id", async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        const first = await repos.sessionTokens.issue(token(alice!.id, 'a1', at(5), at(1000)), 20, at(5));
        const second = await repos.sessionTokens.issue(token(alice!.id, 'a2', at(5), at(50)), 20, at(5));
        await repos.sessionTokens.issue(token(alice!.id, 'a3', at(3), at(1000)), 20, at(5));
        await repos.sessionTokens.issue(token(bob!.id, 'b1', at(1), at(1000)), 20, at(5));

        expect(second).toBeGreaterThan(first);
        expect(await liveOf(alice!.id, at(10))).toEqual([hashOf('a3'), hashOf('a1'), hashOf('a2')]);
        // Expired at `now` itself.
        expect(await liveOf(alice!.id, at(50))).toEqual([hashOf('a3'), hashOf('a1')]);
        expect(await liveOf(alice!.id, at(1000))).toEqual([]);
        expect(await liveOf(bob!.id, at(10))).toEqual([hashOf('b1')]);
        expect((await repos.sessionTokens.listLive(alice!.id, at(10)))[1]).toEqual({
          id: first,
          userId: alice!.id,
          tokenHash: hashOf('a1'),
          createdAt: at(5),
          expiresAt: at(1000),
        });
      });

      it("removes the user's expired tokens when issuing one, and only theirs", async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        await repos.sessionTokens.issue(token(alice!.id, 'old', at(1), at(10)), 20, at(1));
        await repos.sessionTokens.issue(token(alice!.id, 'kept', at(2), at(100)), 20, at(2));
        await repos.sessionTokens.issue(token(bob!.id, 'bobs', at(3), at(10)), 20, at(3));

        await repos.sessionTokens.issue(token(alice!.id, 'new', at(10), at(200)), 20, at(10));

        expect(await repos.sessionTokens.findByHash(hashOf('old'))).toBeNull();
        expect(await repos.sessionTokens.findByHash(hashOf('kept'))).not.toBeNull();
        expect(await repos.sessionTokens.findByHash(hashOf('bobs'))).not.toBeNull();
        expect(await liveOf(alice!.id, at(10))).toEqual([hashOf('kept'), hashOf('new')]);
      });

      it('keeps at most `maxLive` live tokens per user: the 21st evicts the oldest', async () => {
        const [alice] = await registerMany('alice');
        const ids: number[] = [];
        for (let i = 0; i < 20; i++) {
          ids.push(await repos.sessionTokens.issue(token(alice!.id, `t${i}`, at(i)), 20, at(i)));
        }
        expect(await liveOf(alice!.id, at(20))).toHaveLength(20);

        const newest = await repos.sessionTokens.issue(token(alice!.id, 't20', at(20)), 20, at(20));

        const live = await repos.sessionTokens.listLive(alice!.id, at(20));
        expect(live.map((t) => t.id)).toEqual([...ids.slice(1), newest]);
        expect(await repos.sessionTokens.findByHash(hashOf('t0'))).toBeNull();
        expect(await repos.sessionTokens.findByHash(hashOf('t1'))).not.toBeNull();
      });

      it('evicts by creation time, then by id, whatever order they were issued in', async () => {
        const [alice] = await registerMany('alice');
        await repos.sessionTokens.issue(token(alice!.id, 'late', at(9)), 3, at(9));
        await repos.sessionTokens.issue(token(alice!.id, 'tie-first', at(5)), 3, at(9));
        await repos.sessionTokens.issue(token(alice!.id, 'tie-second', at(5)), 3, at(9));

        await repos.sessionTokens.issue(token(alice!.id, 'newest', at(10)), 3, at(10));
        expect(await liveOf(alice!.id, at(10))).toEqual([hashOf('tie-second'), hashOf('late'), hashOf('newest')]);

        await repos.sessionTokens.issue(token(alice!.id, 'newer', at(11)), 2, at(11));
        expect(await liveOf(alice!.id, at(11))).toEqual([hashOf('newest'), hashOf('newer')]);
      });

      it("keeps each user's tokens apart: one user's cap and revocations leave the other's alone", async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        const bobs = await repos.sessionTokens.issue(token(bob!.id, 'bob-0', at(0)), 20, at(0));
        for (let i = 1; i <= 21; i++) {
          await repos.sessionTokens.issue(token(alice!.id, `alice-${i}`, at(i)), 20, at(i));
        }

        expect(await liveOf(alice!.id, at(30))).toHaveLength(20);
        expect((await repos.sessionTokens.listLive(bob!.id, at(30))).map((t) => t.id)).toEqual([bobs]);

        expect(await repos.sessionTokens.revokeAllOf(alice!.id)).toBe(20);
        expect(await repos.sessionTokens.listLive(alice!.id, at(30))).toEqual([]);
        expect(await repos.sessionTokens.findByHash(hashOf('alice-21'))).toBeNull();
        expect((await repos.sessionTokens.findByHash(hashOf('bob-0')))?.id).toBe(bobs);
        expect(await repos.sessionTokens.revokeAllOf(alice!.id)).toBe(0);
      });

      it('revokes tokens by id; ids already gone and an empty list are no error', async () => {
        const [alice] = await registerMany('alice');
        const one = await repos.sessionTokens.issue(token(alice!.id, 'one', at(1)), 20, at(1));
        const two = await repos.sessionTokens.issue(token(alice!.id, 'two', at(2)), 20, at(2));
        await repos.sessionTokens.issue(token(alice!.id, 'three', at(3)), 20, at(3));

        await repos.sessionTokens.revoke([one, two + 1_000_000]);
        await repos.sessionTokens.revoke([]);
        await repos.sessionTokens.revoke([one]);

        expect(await repos.sessionTokens.findByHash(hashOf('one'))).toBeNull();
        expect(await liveOf(alice!.id, at(3))).toEqual([hashOf('two'), hashOf('three')]);
        expect(await repos.sessionTokens.revokeAllOf(alice!.id)).toBe(2);
      });

      it('stores a hash once: a second token with the same hash is refused, and the first one stays', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        const first = await repos.sessionTokens.issue(token(alice!.id, 'same', at(1)), 20, at(1));

        await expect(repos.sessionTokens.issue(token(bob!.id, 'same', at(2)), 20, at(2))).rejects.toThrow();

        expect((await repos.sessionTokens.findByHash(hashOf('same')))?.userId).toBe(alice!.id);
        expect((await repos.sessionTokens.listLive(alice!.id, at(2))).map((t) => t.id)).toEqual([first]);
        expect(await repos.sessionTokens.listLive(bob!.id, at(2))).toEqual([]);
      });

      it('keeps what a unit of work that fails issued and revoked from being stored', async () => {
        const [alice] = await registerMany('alice');
        const kept = await repos.sessionTokens.issue(token(alice!.id, 'kept', at(1)), 1, at(1));

        await expect(
          storage.unitOfWork.run(async (tx) => {
            // Evicts 'kept' (cap 1), then revokes the new one.
            const inside = await tx.sessionTokens.issue(token(alice!.id, 'inside', at(2)), 1, at(2));
            expect(await tx.sessionTokens.findByHash(hashOf('kept'))).toBeNull();
            await tx.sessionTokens.revoke([inside]);
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');

        expect((await repos.sessionTokens.listLive(alice!.id, at(2))).map((t) => t.id)).toEqual([kept]);
        expect(await repos.sessionTokens.findByHash(hashOf('inside'))).toBeNull();
      });
    });

    describe('activity log', () => {
      it('records entries with and without a user', async () => {
        const [alice] = await registerMany('alice');

        await expect(
          repos.activity.record({ userId: alice!.id, action: 'login', detail: null, at: at(1) }),
        ).resolves.toBeUndefined();
        await expect(
          repos.activity.record({ userId: null, action: 'login_failed', detail: 'username=ghost', at: at(2) }),
        ).resolves.toBeUndefined();
        await expect(
          repos.activity.record({ userId: alice!.id, action: 'group_create', detail: '🐬'.repeat(300), at: at(3) }),
        ).resolves.toBeUndefined();

        const read = await repos.reports.listActivity({ limit: 10 });
        expect(read.map(({ userId, username, action, detail, at: when }) => ({ userId, username, action, detail, when }))).toEqual([
          // A detail longer than the store keeps is cut to 255 characters, not refused.
          { userId: alice!.id, username: 'alice', action: 'group_create', detail: '🐬'.repeat(255), when: at(3) },
          { userId: null, username: null, action: 'login_failed', detail: 'username=ghost', when: at(2) },
          { userId: alice!.id, username: 'alice', action: 'login', detail: null, when: at(1) },
        ]);
      });
    });

    describe('unit of work', () => {
      it("refuses the storage's own repositories inside a unit of work, and changes nothing", async () => {
        const [alice] = await registerMany('alice');

        const misuse = storage.unitOfWork.run(async (tx) => {
          await tx.accounts.setStatus(alice!.id, 'banned');
          return repos.accounts.findById(alice!.id);
        });

        await expect(misuse).rejects.toThrow(/use the repositories the unit of work hands over/);
        expect((await repos.accounts.findById(alice!.id))?.status).toBe('active');
      });

      it('lets work a unit of work left running use the storage once the unit is over', async () => {
        let later: Promise<unknown> | undefined;
        let release!: () => void;
        const unitOver = new Promise<void>((resolve) => (release = resolve));

        await storage.unitOfWork.run(async (tx) => {
          await tx.accounts.create({ username: 'alice', passwordHash: 'h', createdAt: at(1) });
          later = unitOver.then(() => repos.accounts.findByUsername('alice'));
        });
        release();

        await expect(later).resolves.toMatchObject({ username: 'alice' });
      });

      it('refuses the repositories of a unit of work once it is over', async () => {
        let kept: Repositories | undefined;
        await storage.unitOfWork.run(async (tx) => {
          kept = tx;
        });
        await expect(kept!.accounts.findByUsername('alice')).rejects.toThrow(/after the unit of work ended/);
      });

      it("stores every write of work that succeeds and returns the work's value", async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        const request = await repos.friendRequests.createPending(alice!.id, bob!.id, at(1));
        if (request === 'already-pending') throw new Error('unexpected');

        const result = await storage.unitOfWork.run(async (tx) => {
          const answered = await tx.friendRequests.resolve(request.id, bob!.id, 'accepted', at(2));
          if (!answered) return 'lost';
          await tx.friendships.add(answered.senderId, answered.receiverId, at(2));
          return 'accepted';
        });

        expect(result).toBe('accepted');
        expect(await repos.friendships.exists(alice!.id, bob!.id)).toBe(true);
        expect(await repos.friendRequests.findPendingBetween(alice!.id, bob!.id)).toBeNull();
      });

      it('rolls back every write of work that throws, and rethrows', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        const request = await repos.friendRequests.createPending(alice!.id, bob!.id, at(1));
        if (request === 'already-pending') throw new Error('unexpected');
        const group = await repos.groups.create('g', alice!.id, at(1));
        const failure = new Error('boom');
        let otherGroupId = 0;

        await expect(
          storage.unitOfWork.run(async (tx) => {
            await tx.friendRequests.resolve(request.id, bob!.id, 'accepted', at(2));
            await tx.friendships.add(alice!.id, bob!.id, at(2));
            await tx.accounts.create({ username: 'carol', passwordHash: 'h', createdAt: at(2) });
            await tx.accounts.setStatus(alice!.id, 'banned');
            await tx.groups.addMember({ groupId: group.id, userId: bob!.id, role: 'member', joinedAt: at(2) });
            await tx.groups.setRole(group.id, alice!.id, 'member');
            await tx.messages.saveDirect({ senderId: alice!.id, receiverId: bob!.id, content: 'x', sentAt: at(2) });
            await tx.sessions.open({ userId: bob!.id, connectionId: 'c', nodeId: 'n', createdAt: at(2) });
            const other = await tx.groups.create('other', bob!.id, at(2));
            otherGroupId = other.id;
            await tx.messages.saveGroup({ groupId: group.id, senderId: alice!.id, content: 'y', sentAt: at(2) }, [
              bob!.id,
            ]);
            expect(await tx.groups.findById(other.id)).toEqual(other);
            throw failure;
          }),
        ).rejects.toBe(failure);

        expect(await repos.friendRequests.findPendingBetween(alice!.id, bob!.id)).toEqual(request);
        expect(await repos.friendships.exists(alice!.id, bob!.id)).toBe(false);
        expect(await repos.accounts.findByUsername('carol')).toBeNull();
        expect((await repos.accounts.findById(alice!.id))?.status).toBe('active');
        expect(await repos.groups.findMember(group.id, bob!.id)).toBeNull();
        expect((await repos.groups.findMember(group.id, alice!.id))?.role).toBe('admin');
        expect(await repos.messages.listUndeliveredDirect(bob!.id, 100)).toEqual([]);
        expect(await repos.sessions.closeAllOfNode('n')).toEqual([]);
        expect(await repos.groups.findById(otherGroupId)).toBeNull();
      });

      it("sees its own writes before it commits", async () => {
        const seen = await storage.unitOfWork.run(async (tx) => {
          await tx.accounts.create({ username: 'Inside', passwordHash: 'h', createdAt: at(1) });
          return tx.accounts.findByUsername('inside');
        });

        expect(seen?.username).toBe('Inside');
      });

      it('does not roll back a write made outside it while it was open', async () => {
        let reachedMiddle = (): void => undefined;
        const middle = new Promise<void>((resolve) => {
          reachedMiddle = resolve;
        });

        const work = storage.unitOfWork.run(async (tx) => {
          await tx.accounts.create({ username: 'inside', passwordHash: 'h', createdAt: at(1) });
          reachedMiddle();
          // Give the other caller's write every chance to run before this work fails.
          for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
          throw new Error('boom');
        });
        await middle;
        // Another caller (another connection's request) writes while the unit of work is open.
        const outside = repos.accounts.create({ username: 'outside', passwordHash: 'h', createdAt: at(2) });

        await expect(work).rejects.toThrow('boom');
        await expect(outside).resolves.toMatchObject({ username: 'outside' });
        expect(await repos.accounts.findByUsername('outside')).not.toBeNull();
        expect(await repos.accounts.findByUsername('inside')).toBeNull();
      });

      it('runs one unit of work after another', async () => {
        const names = ['one', 'two', 'three'];

        await Promise.all(
          names.map((username, i) =>
            storage.unitOfWork.run(async (tx) => {
              await tx.accounts.create({ username, passwordHash: 'h', createdAt: at(i) });
              if (username === 'two') throw new Error('only two fails');
            }).catch((error: unknown) => error),
          ),
        );

        expect(await repos.accounts.findByUsername('one')).not.toBeNull();
        expect(await repos.accounts.findByUsername('two')).toBeNull();
        expect(await repos.accounts.findByUsername('three')).not.toBeNull();
      });
    });

    describe('operator reports', () => {
      it('lists no accounts, no activity and zero counts in an empty store', async () => {
        expect(await repos.reports.listAccounts()).toEqual([]);
        expect(await repos.reports.listActivity({ limit: 50 })).toEqual([]);
        expect(await repos.reports.stats()).toEqual({
          accounts: 0,
          bannedAccounts: 0,
          reports: 0,
          onlineUsers: 0,
          directMessagesStored: 0,
          groupMessagesStored: 0,
          pendingOfflineDirect: 0,
          pendingOfflineGroup: 0,
          unreadDirect: 0,
          unreadGroup: 0,
        });
      });

      it('lists every account by id, online while it has a session on any node', async () => {
        const bob = await register('Bob', at(30));
        const alice = await register('alice', at(10));
        const carol = await register('carol', at(20));
        await repos.accounts.setStatus(carol.id, 'banned');
        const onA = await repos.sessions.open({ userId: alice.id, connectionId: 'c1', nodeId: 'node-a', createdAt: at(40) });
        await repos.sessions.open({ userId: alice.id, connectionId: 'c2', nodeId: 'node-b', createdAt: at(41) });
        await repos.sessions.open({ userId: carol.id, connectionId: 'c3', nodeId: 'node-b', createdAt: at(42) });

        expect(await repos.reports.listAccounts()).toEqual([
          { id: bob.id, username: 'Bob', status: 'active', online: false, createdAt: at(30) },
          { id: alice.id, username: 'alice', status: 'active', online: true, createdAt: at(10) },
          { id: carol.id, username: 'carol', status: 'banned', online: true, createdAt: at(20) },
        ]);

        await repos.sessions.close(onA);
        await repos.sessions.closeAllOfNode('node-b');
        expect((await repos.reports.listAccounts()).map((account) => account.online)).toEqual([false, false, false]);
      });

      it('lists activity newest first, with the current names, and null for entries without a user', async () => {
        const [alice, bob] = await registerMany('alice', 'Bob');
        await repos.activity.record({ userId: alice!.id, action: 'register', detail: null, at: at(1) });
        await repos.activity.record({ userId: null, action: 'login_failed', detail: 'username=ghost', at: at(2) });
        await repos.activity.record({ userId: bob!.id, action: 'login', detail: 'from=127.0.0.1', at: at(3) });
        await repos.activity.record({ userId: alice!.id, action: 'group_create', detail: 'Café 🎉 | x', at: at(3) });

        const entries = await repos.reports.listActivity({ limit: 50 });

        expect(entries.map(({ id: _id, ...entry }) => entry)).toEqual([
          { userId: alice!.id, username: 'alice', action: 'group_create', detail: 'Café 🎉 | x', at: at(3) },
          { userId: bob!.id, username: 'Bob', action: 'login', detail: 'from=127.0.0.1', at: at(3) },
          { userId: null, username: null, action: 'login_failed', detail: 'username=ghost', at: at(2) },
          { userId: alice!.id, username: 'alice', action: 'register', detail: null, at: at(1) },
        ]);
        const ids = entries.map((entry) => entry.id);
        expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
        expect([...ids].sort((x, y) => y - x)).toEqual(ids);
        expect(new Set(ids).size).toBe(ids.length);
      });

      it("filters activity by user, by time (inclusive) and by count, alone and together", async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        for (let i = 0; i < 6; i++) {
          await repos.activity.record({ userId: alice!.id, action: 'login', detail: `a${i}`, at: at(10 * i) });
          await repos.activity.record({ userId: bob!.id, action: 'login', detail: `b${i}`, at: at(10 * i + 5) });
        }
        const details = async (filter: Parameters<Repositories['reports']['listActivity']>[0]): Promise<(string | null)[]> =>
          (await repos.reports.listActivity(filter)).map((entry) => entry.detail);

        expect(await details({ userId: bob!.id, limit: 50 })).toEqual(['b5', 'b4', 'b3', 'b2', 'b1', 'b0']);
        expect(await details({ since: at(40), limit: 50 })).toEqual(['b5', 'a5', 'b4', 'a4']);
        expect(await details({ since: at(41), limit: 50 })).toEqual(['b5', 'a5', 'b4']);
        expect(await details({ limit: 3 })).toEqual(['b5', 'a5', 'b4']);
        expect(await details({ userId: alice!.id, since: at(20), limit: 2 })).toEqual(['a5', 'a4']);
        expect(await details({ userId: alice!.id, since: at(51), limit: 50 })).toEqual([]);
        expect(await details({ userId: alice!.id + 1000, limit: 50 })).toEqual([]);
      });

      it('counts accounts, distinct users online, messages stored and messages waiting', async () => {
        const [alice, bob, carol, dave] = await registerMany('alice', 'bob', 'carol', 'dave');
        await repos.accounts.setStatus(dave!.id, 'banned');
        await repos.sessions.open({ userId: alice!.id, connectionId: 'c1', nodeId: 'node-a', createdAt: at(1) });
        await repos.sessions.open({ userId: alice!.id, connectionId: 'c2', nodeId: 'node-b', createdAt: at(1) });
        await repos.sessions.open({ userId: bob!.id, connectionId: 'c3', nodeId: 'node-a', createdAt: at(1) });
        const sent = [];
        for (let i = 0; i < 4; i++) {
          sent.push(stored(await repos.messages.saveDirect({ senderId: alice!.id, receiverId: carol!.id, content: `d${i}`, sentAt: at(i) })));
        }
        await repos.messages.markDirectDelivered([sent[0]!.id, sent[2]!.id]);
        const team = await repos.groups.create('Team', alice!.id, at(1));
        await repos.groups.addMember({ groupId: team.id, userId: bob!.id, role: 'member', joinedAt: at(2) });
        await repos.groups.addMember({ groupId: team.id, userId: carol!.id, role: 'member', joinedAt: at(2) });
        const first = await repos.messages.saveGroup({ groupId: team.id, senderId: alice!.id, content: 'g1', sentAt: at(10) }, [
          bob!.id,
          carol!.id,
        ]);
        await repos.messages.saveGroup({ groupId: team.id, senderId: bob!.id, content: 'g2', sentAt: at(11) }, [
          alice!.id,
          carol!.id,
        ]);
        await repos.messages.markGroupDelivered(first.id, [bob!.id]);

        expect(await repos.reports.stats()).toEqual({
          accounts: 4,
          bannedAccounts: 1,
          reports: 0,
          onlineUsers: 2,
          directMessagesStored: 4,
          groupMessagesStored: 2,
          pendingOfflineDirect: 2,
          pendingOfflineGroup: 3,
          // Delivered is not read: all four direct messages; g1 for bob and carol, g2 for alice and carol.
          unreadDirect: 4,
          unreadGroup: 4,
        });
      });

      it("counts a group message as waiting only for a member who can still get it", async () => {
        const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
        const team = await repos.groups.create('Team', alice!.id, at(1));
        await repos.groups.addMember({ groupId: team.id, userId: bob!.id, role: 'member', joinedAt: at(2) });
        await repos.groups.addMember({ groupId: team.id, userId: carol!.id, role: 'member', joinedAt: at(2) });
        await repos.messages.saveGroup({ groupId: team.id, senderId: alice!.id, content: 'g', sentAt: at(10) }, [
          bob!.id,
          carol!.id,
        ]);
        expect((await repos.reports.stats()).pendingOfflineGroup).toBe(2);

        // Bob was removed; Carol left and came back after the message was sent.
        await repos.groups.removeMember(team.id, bob!.id);
        await repos.groups.removeMember(team.id, carol!.id);
        await repos.groups.addMember({ groupId: team.id, userId: carol!.id, role: 'member', joinedAt: at(20) });

        expect(await repos.reports.stats()).toMatchObject({ groupMessagesStored: 1, pendingOfflineGroup: 0 });
      });
    });
  });
}
