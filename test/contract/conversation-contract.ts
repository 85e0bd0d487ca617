import type { Repositories, Storage } from '../../src/application/ports';
import type { Account, ConversationSummary, Group, HistoryMessage, MessageId } from '../../src/domain';
import { stored } from '../support/stored-message';

/** Epoch milliseconds; every step of a test takes a later one (no two writes share a millisecond). */
const T0 = 1_764_892_800_000;
const at = (offset: number): number => T0 + offset;
/** Past every message id: "up to the newest". */
const NEWEST = Number.MAX_SAFE_INTEGER;

/**
 * History, read state and the inbox (PROTOCOL.md §9, the ConversationRepository port)
 * on every storage engine: each test runs on a fresh storage through the `Storage`
 * interface alone, so the in-memory fake and the database adapters cannot drift.
 */
export function describeConversationContract(engineName: string, openStorage: () => Promise<Storage>): void {
  describe(`conversation contract: ${engineName}`, () => {
    let storage: Storage;
    let repos: Repositories;
    /** The time of the next step: strictly increasing within a test. */
    let clock: number;
    const tick = (): number => at(++clock * 10);

    beforeEach(async () => {
      storage = await openStorage();
      repos = storage.repositories;
      clock = 0;
    });

    afterEach(async () => {
      await storage.close();
    });

    async function register(...usernames: string[]): Promise<Account[]> {
      const accounts: Account[] = [];
      for (const username of usernames) {
        const created = await repos.accounts.create({ username, passwordHash: 'h', createdAt: T0 });
        if (created === 'username-taken') throw new Error(`test setup: ${username} is taken`);
        accounts.push(created);
      }
      return accounts;
    }

    async function dm(from: Account, to: Account, content: string): Promise<MessageId> {
      return stored(await repos.messages.saveDirect({ senderId: from.id, receiverId: to.id, content, sentAt: tick() })).id;
    }

    /** A group message to every current member but the sender, as SEND_GROUP_MESSAGE stores it. */
    async function post(group: Group, from: Account, content: string): Promise<MessageId> {
      const recipients = (await repos.groups.listMembers(group.id)).map((m) => m.userId).filter((id) => id !== from.id);
      return (await repos.messages.saveGroup({ groupId: group.id, senderId: from.id, content, sentAt: tick() }, recipients)).id;
    }

    async function join(group: Group, user: Account): Promise<void> {
      await repos.groups.addMember({ groupId: group.id, userId: user.id, role: 'member', joinedAt: tick() });
    }

    async function team(admin: Account, ...members: Account[]): Promise<Group> {
      return named('Team', admin, ...members);
    }

    async function named(name: string, admin: Account, ...members: Account[]): Promise<Group> {
      const group = await repos.groups.create(name, admin.id, tick());
      for (const member of members) await join(group, member);
      return group;
    }

    const contents = (page: HistoryMessage[] | null): string[] => (page ?? []).map((m) => m.content);
    const reads = (page: HistoryMessage[] | null): Record<string, boolean> =>
      Object.fromEntries((page ?? []).map((m) => [m.content, m.read]));
    const inbox = async (user: Account, limit = 100): Promise<ConversationSummary[]> =>
      repos.conversations.listConversations(user.id, limit, null);
    const unread = async (user: Account): Promise<Record<string, number>> =>
      Object.fromEntries((await inbox(user)).map((c) => [c.name, c.unreadCount]));

    describe('direct history', () => {
      it('holds both directions of one conversation, newest first, with senders and times', async () => {
        const [alice, bob, carol] = await register('alice', 'Bob', 'carol');
        const first = await dm(alice!, bob!, 'a1');
        await dm(bob!, alice!, 'b1');
        await dm(alice!, carol!, 'not this one');
        await dm(carol!, bob!, 'nor this one');
        const last = await dm(alice!, bob!, 'a2 | 🎉');

        const page = await repos.conversations.directHistory(alice!.id, bob!.id, NEWEST, 10);

        expect(contents(page)).toEqual(['a2 | 🎉', 'b1', 'a1']);
        expect(page[0]).toEqual({
          kind: 'direct',
          id: last,
          senderId: alice!.id,
          senderUsername: 'alice',
          content: 'a2 | 🎉',
          sentAt: at(50),
          read: false,
        });
        expect(page[1]).toMatchObject({ senderId: bob!.id, senderUsername: 'Bob', sentAt: at(20) });
        expect(page[2]!.id).toBe(first);
        // The same conversation from the other side.
        expect(await repos.conversations.directHistory(bob!.id, alice!.id, NEWEST, 10)).toEqual(page);
        expect(await repos.conversations.directHistory(bob!.id, alice!.id + 1000, NEWEST, 10)).toEqual([]);
      });

      it('pages by `upToId` without repeating a message, down to the oldest', async () => {
        const [alice, bob] = await register('alice', 'bob');
        const sent: string[] = [];
        for (let i = 0; i < 7; i++) {
          const content = `m${i}`;
          await (i % 3 === 0 ? dm(bob!, alice!, content) : dm(alice!, bob!, content));
          sent.push(content);
        }

        const pages: string[][] = [];
        let upTo = NEWEST;
        for (;;) {
          const page = await repos.conversations.directHistory(bob!.id, alice!.id, upTo, 3);
          if (page.length === 0) break;
          pages.push(contents(page));
          upTo = page[page.length - 1]!.id - 1;
        }

        expect(pages).toEqual([
          ['m6', 'm5', 'm4'],
          ['m3', 'm2', 'm1'],
          ['m0'],
        ]);
      });

      it('includes the message `upToId` names, and nothing for a limit below 1', async () => {
        const [alice, bob] = await register('alice', 'bob');
        await dm(alice!, bob!, 'one');
        const two = await dm(bob!, alice!, 'two');
        await dm(alice!, bob!, 'three');

        expect(contents(await repos.conversations.directHistory(alice!.id, bob!.id, two, 10))).toEqual(['two', 'one']);
        expect(contents(await repos.conversations.directHistory(alice!.id, bob!.id, two, 1))).toEqual(['two']);
        expect(await repos.conversations.directHistory(alice!.id, bob!.id, NEWEST, 0)).toEqual([]);
      });

      it("shows each message read once its receiver marked it, whoever looks", async () => {
        const [alice, bob] = await register('alice', 'bob');
        await dm(alice!, bob!, 'a1');
        const a2 = await dm(alice!, bob!, 'a2');
        await dm(bob!, alice!, 'b1');
        await dm(alice!, bob!, 'a3');

        await repos.conversations.markDirectRead(bob!.id, alice!.id, a2);

        const expected = { a3: false, b1: false, a2: true, a1: true };
        expect(reads(await repos.conversations.directHistory(alice!.id, bob!.id, NEWEST, 10))).toEqual(expected);
        expect(reads(await repos.conversations.directHistory(bob!.id, alice!.id, NEWEST, 10))).toEqual(expected);

        await repos.conversations.markDirectRead(alice!.id, bob!.id, NEWEST);
        expect(reads(await repos.conversations.directHistory(bob!.id, alice!.id, NEWEST, 10))).toEqual({ ...expected, b1: true });
      });
    });

    describe('marking direct messages read', () => {
      it('counts what changed and names the newest message now read; again, nothing changes', async () => {
        const [alice, bob] = await register('alice', 'bob');
        const a1 = await dm(alice!, bob!, 'a1');
        const a2 = await dm(alice!, bob!, 'a2');
        const b1 = await dm(bob!, alice!, 'b1');
        const a3 = await dm(alice!, bob!, 'a3');

        expect(await repos.conversations.markDirectRead(bob!.id, alice!.id, a1)).toEqual({ changed: 1, upToId: a1 });
        // Up to a message of the other direction: alice's newest below it.
        expect(await repos.conversations.markDirectRead(bob!.id, alice!.id, b1)).toEqual({ changed: 1, upToId: a2 });
        expect(await repos.conversations.markDirectRead(bob!.id, alice!.id, b1)).toEqual({ changed: 0, upToId: 0 });
        expect(await repos.conversations.markDirectRead(bob!.id, alice!.id, a1)).toEqual({ changed: 0, upToId: 0 });
        expect(await repos.conversations.markDirectRead(bob!.id, alice!.id, NEWEST)).toEqual({ changed: 1, upToId: a3 });
        expect(await repos.conversations.markDirectRead(bob!.id, alice!.id, NEWEST)).toEqual({ changed: 0, upToId: 0 });
        // Alice's side is her own.
        expect(await repos.conversations.markDirectRead(alice!.id, bob!.id, NEWEST)).toEqual({ changed: 1, upToId: b1 });
      });

      it('marks everything with an id beyond the newest, and nothing where no message was sent', async () => {
        const [alice, bob, carol] = await register('alice', 'bob', 'carol');
        await dm(alice!, bob!, 'a1');
        const a2 = await dm(alice!, bob!, 'a2');

        expect(await repos.conversations.markDirectRead(bob!.id, alice!.id, a2 + 1000)).toEqual({ changed: 2, upToId: a2 });
        expect(await repos.conversations.markDirectRead(carol!.id, alice!.id, NEWEST)).toEqual({ changed: 0, upToId: 0 });
        expect(await repos.conversations.markDirectRead(alice!.id, bob!.id, NEWEST)).toEqual({ changed: 0, upToId: 0 });
      });

      it('counts a message sent after a mark as unread again', async () => {
        const [alice, bob] = await register('alice', 'bob');
        await dm(alice!, bob!, 'a1');
        await repos.conversations.markDirectRead(bob!.id, alice!.id, NEWEST);
        const a2 = await dm(alice!, bob!, 'a2');
        const a3 = await dm(alice!, bob!, 'a3');

        expect(await unread(bob!)).toEqual({ alice: 2 });
        expect(await repos.conversations.markDirectRead(bob!.id, alice!.id, a2)).toEqual({ changed: 1, upToId: a2 });
        expect(await unread(bob!)).toEqual({ alice: 1 });
        expect(await repos.conversations.markDirectRead(bob!.id, alice!.id, NEWEST)).toEqual({ changed: 1, upToId: a3 });
        expect(await unread(bob!)).toEqual({ alice: 0 });
      });

      it('marks the messages it reads delivered too, and only those', async () => {
        const [alice, bob, carol] = await register('alice', 'bob', 'carol');
        await dm(alice!, bob!, 'a1');
        const a2 = await dm(alice!, bob!, 'a2');
        await dm(alice!, bob!, 'a3');
        await dm(carol!, bob!, 'c1');
        await dm(bob!, alice!, 'b1');

        await repos.conversations.markDirectRead(bob!.id, alice!.id, a2);

        expect((await repos.messages.listUndeliveredDirect(bob!.id, 100)).map((m) => m.content)).toEqual(['a3', 'c1']);
        expect((await repos.messages.listUndeliveredDirect(alice!.id, 100)).map((m) => m.content)).toEqual(['b1']);
      });

      it('keeps a mark made in a unit of work that fails from being stored', async () => {
        const [alice, bob] = await register('alice', 'bob');
        await dm(alice!, bob!, 'a1');

        await expect(
          storage.unitOfWork.run(async (tx) => {
            expect((await tx.conversations.markDirectRead(bob!.id, alice!.id, NEWEST)).changed).toBe(1);
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');

        expect(await unread(bob!)).toEqual({ alice: 1 });
        expect(await repos.messages.listUndeliveredDirect(bob!.id, 100)).toHaveLength(1);
        expect(await repos.conversations.markDirectRead(bob!.id, alice!.id, NEWEST)).toMatchObject({ changed: 1 });
      });
    });

    describe('group history and read state', () => {
      it("shows a member the group's messages newest first, their own as read", async () => {
        const [alice, bob] = await register('alice', 'bob');
        const group = await team(alice!, bob!);
        await post(group, alice!, 'g1');
        const g2 = await post(group, bob!, 'g2 🎉');
        await post(group, alice!, 'g3');

        const page = await repos.conversations.groupHistory(bob!.id, group.id, NEWEST, 10);

        expect(contents(page)).toEqual(['g3', 'g2 🎉', 'g1']);
        expect(page![1]).toEqual({
          kind: 'group',
          id: g2,
          senderId: bob!.id,
          senderUsername: 'bob',
          content: 'g2 🎉',
          sentAt: expect.any(Number),
          read: true,
        });
        expect(reads(page)).toEqual({ g3: false, 'g2 🎉': true, g1: false });
        expect(reads(await repos.conversations.groupHistory(alice!.id, group.id, NEWEST, 10))).toEqual({
          g3: true,
          'g2 🎉': false,
          g1: true,
        });
      });

      it('pages by `upToId` without repeating a message, down to the oldest', async () => {
        const [alice, bob] = await register('alice', 'bob');
        const group = await team(alice!, bob!);
        for (let i = 0; i < 5; i++) await post(group, i % 2 === 0 ? alice! : bob!, `g${i}`);

        const pages: string[][] = [];
        let upTo = NEWEST;
        for (;;) {
          const page = await repos.conversations.groupHistory(bob!.id, group.id, upTo, 2);
          if (!page || page.length === 0) break;
          pages.push(contents(page));
          upTo = page[page.length - 1]!.id - 1;
        }

        expect(pages).toEqual([['g4', 'g3'], ['g2', 'g1'], ['g0']]);
      });

      it('shows a member only what was sent since they joined', async () => {
        const [alice, bob, carol] = await register('alice', 'bob', 'carol');
        const group = await team(alice!, bob!);
        await post(group, alice!, 'before');
        await join(group, carol!);
        await post(group, bob!, 'after');

        expect(contents(await repos.conversations.groupHistory(carol!.id, group.id, NEWEST, 10))).toEqual(['after']);
        expect(contents(await repos.conversations.groupHistory(bob!.id, group.id, NEWEST, 10))).toEqual(['after', 'before']);
      });

      it('answers null to a non-member, a removed member and for an unknown group', async () => {
        const [alice, bob, carol] = await register('alice', 'bob', 'carol');
        const group = await team(alice!, bob!);
        const g1 = await post(group, alice!, 'g1');
        await repos.groups.removeMember(group.id, bob!.id);

        for (const [user, groupId] of [
          [carol!, group.id],
          [bob!, group.id],
          [alice!, group.id + 1000],
        ] as const) {
          expect(await repos.conversations.groupHistory(user.id, groupId, NEWEST, 10)).toBeNull();
          expect(await repos.conversations.markGroupRead(user.id, groupId, g1)).toBeNull();
        }
        expect(await repos.conversations.groupHistory(alice!.id, group.id, NEWEST, 0)).toEqual([]);
      });

      it("counts only others' messages as read by a mark, naming the newest of them", async () => {
        const [alice, bob] = await register('alice', 'bob');
        const group = await team(alice!, bob!);
        const g1 = await post(group, alice!, 'g1');
        const g2 = await post(group, alice!, 'g2');
        const own = await post(group, bob!, 'own');
        const g4 = await post(group, alice!, 'g4');

        expect(await repos.conversations.markGroupRead(bob!.id, group.id, g1)).toEqual({ changed: 1, upToId: g1 });
        expect(await repos.conversations.markGroupRead(bob!.id, group.id, own)).toEqual({ changed: 1, upToId: g2 });
        expect(await repos.conversations.markGroupRead(bob!.id, group.id, own)).toEqual({ changed: 0, upToId: 0 });
        expect(await repos.conversations.markGroupRead(bob!.id, group.id, NEWEST)).toEqual({ changed: 1, upToId: g4 });
        expect(await repos.conversations.markGroupRead(bob!.id, group.id, NEWEST)).toEqual({ changed: 0, upToId: 0 });
        // Past only one's own messages, nothing changes.
        const mine = await post(group, bob!, 'mine');
        expect(await repos.conversations.markGroupRead(bob!.id, group.id, mine)).toEqual({ changed: 0, upToId: 0 });
        expect(reads(await repos.conversations.groupHistory(bob!.id, group.id, NEWEST, 10))).toEqual({
          mine: true,
          g4: true,
          own: true,
          g2: true,
          g1: true,
        });
      });

      it('keeps a read position per member', async () => {
        const [alice, bob, carol] = await register('alice', 'bob', 'carol');
        const group = await team(alice!, bob!, carol!);
        const g1 = await post(group, alice!, 'g1');
        await post(group, alice!, 'g2');

        expect(await repos.conversations.markGroupRead(bob!.id, group.id, g1)).toEqual({ changed: 1, upToId: g1 });

        expect(reads(await repos.conversations.groupHistory(bob!.id, group.id, NEWEST, 10))).toEqual({ g2: false, g1: true });
        expect(reads(await repos.conversations.groupHistory(carol!.id, group.id, NEWEST, 10))).toEqual({ g2: false, g1: false });
        expect(await repos.conversations.markGroupRead(carol!.id, group.id, NEWEST)).toEqual({ changed: 2, upToId: expect.any(Number) });
        expect(await unread(bob!)).toEqual({ Team: 1 });
        expect(await unread(carol!)).toEqual({ Team: 0 });
      });

      it('marks the messages it reads delivered to the reader, and to nobody else', async () => {
        const [alice, bob, carol] = await register('alice', 'bob', 'carol');
        const group = await team(alice!, bob!, carol!);
        const g1 = await post(group, alice!, 'g1');
        await post(group, alice!, 'g2');

        await repos.conversations.markGroupRead(bob!.id, group.id, g1);

        expect((await repos.messages.listUndeliveredGroup(bob!.id, 100)).map((m) => m.content)).toEqual(['g2']);
        expect((await repos.messages.listUndeliveredGroup(carol!.id, 100)).map((m) => m.content)).toEqual(['g1', 'g2']);
        await repos.conversations.markGroupRead(bob!.id, group.id, NEWEST);
        expect(await repos.messages.listUndeliveredGroup(bob!.id, 100)).toEqual([]);
      });

      it('starts a re-joined member afresh: only messages since the new join, none of them read', async () => {
        const [alice, bob] = await register('alice', 'bob');
        const group = await team(alice!, bob!);
        await post(group, alice!, 'first membership');
        await repos.conversations.markGroupRead(bob!.id, group.id, NEWEST);
        await repos.groups.removeMember(group.id, bob!.id);
        await post(group, alice!, 'while away');
        await join(group, bob!);

        expect(await repos.conversations.groupHistory(bob!.id, group.id, NEWEST, 10)).toEqual([]);
        expect(await inbox(bob!)).toEqual([]);
        const back = await post(group, alice!, 'back');
        expect(reads(await repos.conversations.groupHistory(bob!.id, group.id, NEWEST, 10))).toEqual({ back: false });
        expect(await unread(bob!)).toEqual({ Team: 1 });
        expect(await repos.conversations.markGroupRead(bob!.id, group.id, NEWEST)).toEqual({ changed: 1, upToId: back });
      });
    });

    describe('conversations', () => {
      it('lists direct peers and groups by newest activity first, with names and unread counts', async () => {
        const [alice, bob, carol, dave] = await register('alice', 'Bob', 'carol', 'dave');
        const group = await team(carol!, alice!, dave!);
        await dm(bob!, alice!, 'b1');
        await post(group, carol!, 'g1');
        const b2 = await dm(bob!, alice!, 'b2');
        const toDave = await dm(alice!, dave!, 'to dave');
        const g2 = await post(group, dave!, 'g2');
        await dm(carol!, bob!, 'not alice');

        expect(await inbox(alice!)).toEqual([
          { kind: 'group', peerId: group.id, name: 'Team', lastMessageId: g2, lastSentAt: at(80), unreadCount: 2 },
          { kind: 'direct', peerId: dave!.id, name: 'dave', lastMessageId: toDave, lastSentAt: at(70), unreadCount: 0 },
          { kind: 'direct', peerId: bob!.id, name: 'Bob', lastMessageId: b2, lastSentAt: at(60), unreadCount: 2 },
        ]);
        expect((await inbox(dave!)).map((c) => [c.name, c.unreadCount])).toEqual([
          ['Team', 1],
          ['alice', 1],
        ]);
        expect((await inbox(bob!)).map((c) => [c.name, c.unreadCount])).toEqual([
          ['carol', 1],
          ['alice', 0],
        ]);
      });

      it('brings a conversation to the top when a message arrives, and counts down as it is read', async () => {
        const [alice, bob, carol] = await register('alice', 'bob', 'carol');
        const group = await team(alice!, carol!);
        await dm(bob!, alice!, 'b1');
        await post(group, carol!, 'g1');
        expect((await inbox(alice!)).map((c) => c.name)).toEqual(['Team', 'bob']);

        await dm(bob!, alice!, 'b2');
        expect(await inbox(alice!)).toMatchObject([
          { name: 'bob', unreadCount: 2 },
          { name: 'Team', unreadCount: 1 },
        ]);

        await repos.conversations.markDirectRead(alice!.id, bob!.id, NEWEST);
        await repos.conversations.markGroupRead(alice!.id, group.id, NEWEST);
        expect(await unread(alice!)).toEqual({ bob: 0, Team: 0 });
        // A reply of one's own is activity too.
        await post(group, alice!, 'reply');
        expect((await inbox(alice!)).map((c) => [c.name, c.unreadCount])).toEqual([
          ['Team', 0],
          ['bob', 0],
        ]);
      });

      it("lists a group only while a member, once a message was sent since they joined", async () => {
        const [alice, bob] = await register('alice', 'bob');
        const group = await team(alice!);
        await post(group, alice!, 'before bob');
        expect((await inbox(alice!)).map((c) => c.name)).toEqual(['Team']);

        await join(group, bob!);
        expect(await inbox(bob!)).toEqual([]);
        await post(group, alice!, 'welcome');
        expect(await unread(bob!)).toEqual({ Team: 1 });

        await repos.groups.removeMember(group.id, bob!.id);
        expect(await inbox(bob!)).toEqual([]);
      });

      it('pages with `before` without repeating a conversation, down to the oldest', async () => {
        const [me, ...peers] = await register('me', 'p0', 'p1', 'p2', 'p3', 'p4');
        const groups: Group[] = [];
        for (let i = 0; i < 3; i++) groups.push(await named(`G${i}`, peers[i]!, me!));
        // Interleaved activity: direct and group conversations alternate in the order.
        for (let i = 0; i < 5; i++) {
          await (i % 2 === 0 ? dm(peers[i]!, me!, `d${i}`) : dm(me!, peers[i]!, `d${i}`));
          if (i < 3) await post(groups[i]!, peers[i]!, `g${i}`);
        }

        const seen: string[] = [];
        let before: ConversationSummary | undefined;
        for (;;) {
          const page = await repos.conversations.listConversations(
            me!.id,
            3,
            before ? { kind: before.kind, id: before.lastMessageId } : null,
          );
          if (page.length === 0) break;
          seen.push(...page.map((c) => `${c.kind}:${c.name}`));
          before = page[page.length - 1];
        }

        expect(seen).toEqual(['direct:p4', 'direct:p3', 'group:G2', 'direct:p2', 'group:G1', 'direct:p1', 'group:G0', 'direct:p0']);
        expect((await inbox(me!)).map((c) => `${c.kind}:${c.name}`)).toEqual(seen);
      });

      it('pages from any message the user can see, and answers none for a message that is not theirs', async () => {
        const [alice, bob, carol, dave] = await register('alice', 'bob', 'carol', 'dave');
        const club = await named('Club', carol!, alice!);
        const other = await named('Other', carol!, bob!);
        await post(club, carol!, 'c1');
        const d1 = await dm(bob!, alice!, 'd1');
        const o1 = await post(other, carol!, 'o1');
        const x1 = await dm(carol!, dave!, 'x1');
        const d2 = await dm(alice!, bob!, 'd2');
        const after = async (ref: { kind: 'direct' | 'group'; id: MessageId }): Promise<string[]> =>
          (await repos.conversations.listConversations(alice!.id, 10, ref)).map((c) => c.name);

        expect((await inbox(alice!)).map((c) => c.name)).toEqual(['bob', 'Club']);
        expect(await after({ kind: 'direct', id: d2 })).toEqual(['Club']);
        // An older message of a conversation pages from its own time.
        expect(await after({ kind: 'direct', id: d1 })).toEqual(['Club']);
        // Newer than Club's message, so these would list it if they were alice's.
        expect(await after({ kind: 'group', id: o1 })).toEqual([]);
        expect(await after({ kind: 'direct', id: x1 })).toEqual([]);
        expect(await after({ kind: 'direct', id: d2 + 1000 })).toEqual([]);
        expect(await repos.conversations.listConversations(alice!.id, 0, null)).toEqual([]);
        expect((await inbox(alice!, 1)).map((c) => c.name)).toEqual(['bob']);
      });
    });

    describe('operator statistics', () => {
      it('counts unread direct and group messages, and follows the marks', async () => {
        const [alice, bob, carol] = await register('alice', 'bob', 'carol');
        const group = await team(alice!, bob!, carol!);
        await dm(alice!, bob!, 'a1');
        await dm(alice!, bob!, 'a2');
        await dm(bob!, alice!, 'b1');
        await post(group, alice!, 'g1');
        await post(group, bob!, 'g2');

        // Direct: 2 to bob, 1 to alice. Group: g1 for bob and carol, g2 for alice and carol.
        expect(await repos.reports.stats()).toMatchObject({ unreadDirect: 3, unreadGroup: 4 });

        await repos.conversations.markDirectRead(bob!.id, alice!.id, NEWEST);
        await repos.conversations.markGroupRead(carol!.id, group.id, NEWEST);
        expect(await repos.reports.stats()).toMatchObject({ unreadDirect: 1, unreadGroup: 2 });

        await repos.groups.removeMember(group.id, bob!.id);
        expect(await repos.reports.stats()).toMatchObject({ unreadDirect: 1, unreadGroup: 1 });
      });
    });
  });
}
