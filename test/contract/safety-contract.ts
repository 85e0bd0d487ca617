import type { NewDirectMessage, Repositories, Storage } from '../../src/application/ports';
import type { Account, UserId } from '../../src/domain';
import { stored } from '../support/stored-message';

/** Epoch milliseconds; tests add small offsets so order by time is visible. */
const T0 = 1_764_979_200_000;
const at = (offset: number): number => T0 + offset;
const DAY = 24 * 60 * 60 * 1000;

/**
 * Blocks, privacy and reports (PROTOCOL.md §10) on every storage engine: the
 * SafetyRepository itself, and what it changes in the message repository (which
 * direct messages are stored, which undelivered ones are handed out) and in the
 * operator's reports.
 */
export function describeSafetyContract(engineName: string, openStorage: () => Promise<Storage>): void {
  describe(`safety contract: ${engineName}`, () => {
    let storage: Storage;
    let repos: Repositories;

    beforeEach(async () => {
      storage = await openStorage();
      repos = storage.repositories;
    });

    afterEach(async () => {
      await storage.close();
    });

    async function registerMany(...usernames: string[]): Promise<Account[]> {
      const accounts: Account[] = [];
      for (const username of usernames) {
        const created = await repos.accounts.create({ username, passwordHash: 'h', createdAt: at(0) });
        if (created === 'username-taken') throw new Error(`test setup: ${username} is taken`);
        accounts.push(created);
      }
      return accounts;
    }

    const message = (from: Account, to: UserId, content = 'hi', sentAt = at(1)): NewDirectMessage => ({
      senderId: from.id,
      receiverId: to,
      content,
      sentAt,
    });

    const undeliveredContents = async (receiver: Account, afterId = 0): Promise<string[]> =>
      (await repos.messages.listUndeliveredDirect(receiver.id, 100, afterId)).map((m) => m.content);

    describe('blocks', () => {
      it('stores a block one way; blocking again changes nothing; unblocking lifts it once', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');

        expect(await repos.safety.block(alice!.id, bob!.id, at(1))).toBe(true);
        expect(await repos.safety.block(alice!.id, bob!.id, at(2))).toBe(false);
        expect(await repos.safety.listBlocked(alice!.id)).toEqual([{ id: bob!.id, username: 'bob' }]);
        expect(await repos.safety.listBlocked(bob!.id)).toEqual([]);

        expect(await repos.safety.unblock(bob!.id, alice!.id)).toBe(false);
        expect(await repos.safety.unblock(alice!.id, bob!.id)).toBe(true);
        expect(await repos.safety.unblock(alice!.id, bob!.id)).toBe(false);
        expect(await repos.safety.listBlocked(alice!.id)).toEqual([]);
      });

      it('tells whether either of two users blocks the other, whichever way they are asked', async () => {
        const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
        await repos.safety.block(bob!.id, alice!.id, at(1));

        expect(await repos.safety.isBlockedEitherWay(alice!.id, bob!.id)).toBe(true);
        expect(await repos.safety.isBlockedEitherWay(bob!.id, alice!.id)).toBe(true);
        expect(await repos.safety.isBlockedEitherWay(alice!.id, carol!.id)).toBe(false);
        expect(await repos.safety.isBlockedEitherWay(carol!.id, bob!.id)).toBe(false);

        await repos.safety.block(alice!.id, bob!.id, at(2));
        await repos.safety.unblock(bob!.id, alice!.id);
        // Alice's own block still stands.
        expect(await repos.safety.isBlockedEitherWay(bob!.id, alice!.id)).toBe(true);
      });

      it("lists the blocker's blocked users by username case-insensitively, ties by id", async () => {
        const [me, zed, anna, bert] = await registerMany('me', 'Zed', 'anna', 'Bert');
        for (const user of [zed!, bert!, anna!]) await repos.safety.block(me!.id, user.id, at(1));
        await repos.safety.block(zed!.id, me!.id, at(2));

        expect(await repos.safety.listBlocked(me!.id)).toEqual([
          { id: anna!.id, username: 'anna' },
          { id: bert!.id, username: 'Bert' },
          { id: zed!.id, username: 'Zed' },
        ]);
        expect(await repos.safety.listBlocked(zed!.id)).toEqual([{ id: me!.id, username: 'me' }]);
      });

      it('refuses a block of oneself or of an unknown user, as the database does', async () => {
        const [alice] = await registerMany('alice');

        await expect(repos.safety.block(alice!.id, alice!.id, at(1))).rejects.toThrow();
        await expect(repos.safety.block(alice!.id, alice!.id + 1000, at(1))).rejects.toThrow();
        expect(await repos.safety.listBlocked(alice!.id)).toEqual([]);
      });

      it('keeps a block made in a unit of work only if the unit succeeds', async () => {
        const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
        const failure = new Error('boom');

        await expect(
          storage.unitOfWork.run(async (tx) => {
            expect(await tx.safety.block(alice!.id, bob!.id, at(1))).toBe(true);
            expect(await tx.safety.isBlockedEitherWay(bob!.id, alice!.id)).toBe(true);
            throw failure;
          }),
        ).rejects.toBe(failure);
        await storage.unitOfWork.run(async (tx) => {
          await tx.safety.block(alice!.id, carol!.id, at(2));
          await tx.safety.unblock(alice!.id, bob!.id);
        });

        expect(await repos.safety.listBlocked(alice!.id)).toEqual([{ id: carol!.id, username: 'carol' }]);
      });
    });

    describe('privacy', () => {
      it('is everyone by default, changes only when it differs, and is null for an unknown user', async () => {
        const [alice] = await registerMany('alice');

        expect(await repos.safety.privacyOf(alice!.id)).toBe('everyone');
        expect(await repos.safety.setPrivacy(alice!.id, 'everyone')).toBe(false);
        expect(await repos.safety.setPrivacy(alice!.id, 'friends')).toBe(true);
        expect(await repos.safety.setPrivacy(alice!.id, 'friends')).toBe(false);
        expect(await repos.safety.privacyOf(alice!.id)).toBe('friends');
        expect(await repos.safety.setPrivacy(alice!.id, 'everyone')).toBe(true);
        expect(await repos.safety.privacyOf(alice!.id)).toBe('everyone');

        expect(await repos.safety.setPrivacy(alice!.id + 1000, 'friends')).toBe(false);
        expect(await repos.safety.privacyOf(alice!.id + 1000)).toBeNull();
      });

      it('keeps the setting of a failed unit of work unchanged', async () => {
        const [alice] = await registerMany('alice');

        await expect(
          storage.unitOfWork.run(async (tx) => {
            await tx.safety.setPrivacy(alice!.id, 'friends');
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');

        expect(await repos.safety.privacyOf(alice!.id)).toBe('everyone');
      });
    });

    describe('storing a direct message', () => {
      it("refuses a receiver that does not exist with 'receiver-not-found', storing nothing", async () => {
        const [alice] = await registerMany('alice');

        expect(await repos.messages.saveDirect(message(alice!, alice!.id + 1000))).toBe('receiver-not-found');
        expect((await repos.reports.stats()).directMessagesStored).toBe(0);
      });

      it("refuses a message across a block, either way, with 'not-allowed', storing nothing", async () => {
        const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
        await repos.safety.block(bob!.id, alice!.id, at(1));

        expect(await repos.messages.saveDirect(message(alice!, bob!.id))).toBe('not-allowed');
        expect(await repos.messages.saveDirect(message(bob!, alice!.id))).toBe('not-allowed');
        // Others are not concerned.
        stored(await repos.messages.saveDirect(message(carol!, bob!.id, 'from carol')));
        stored(await repos.messages.saveDirect(message(alice!, carol!.id, 'to carol')));

        expect(await undeliveredContents(bob!)).toEqual(['from carol']);
        expect(await undeliveredContents(alice!)).toEqual([]);
        expect((await repos.reports.stats()).directMessagesStored).toBe(2);
      });

      it('stores messages again once the block is lifted', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        await repos.safety.block(alice!.id, bob!.id, at(1));
        expect(await repos.messages.saveDirect(message(bob!, alice!.id))).toBe('not-allowed');

        await repos.safety.unblock(alice!.id, bob!.id);

        expect(stored(await repos.messages.saveDirect(message(bob!, alice!.id, 'again')))).toMatchObject({
          senderId: bob!.id,
          receiverId: alice!.id,
          content: 'again',
        });
      });

      it("with privacy 'friends', stores messages from friends only (whichever of the two asked to be friends)", async () => {
        const [alice, bob, carol, dave] = await registerMany('alice', 'bob', 'carol', 'dave');
        await repos.friendships.add(bob!.id, alice!.id, at(1));
        await repos.friendships.add(alice!.id, dave!.id, at(1));
        await repos.safety.setPrivacy(alice!.id, 'friends');

        stored(await repos.messages.saveDirect(message(bob!, alice!.id, 'from bob')));
        stored(await repos.messages.saveDirect(message(dave!, alice!.id, 'from dave')));
        expect(await repos.messages.saveDirect(message(carol!, alice!.id))).toBe('not-allowed');
        // Her setting is hers: she may still write to strangers who take messages from everyone.
        stored(await repos.messages.saveDirect(message(alice!, carol!.id, 'to carol')));

        await repos.friendships.remove(alice!.id, dave!.id);
        expect(await repos.messages.saveDirect(message(dave!, alice!.id))).toBe('not-allowed');
        await repos.safety.setPrivacy(alice!.id, 'everyone');
        stored(await repos.messages.saveDirect(message(carol!, alice!.id, 'from carol')));

        expect(await undeliveredContents(alice!)).toEqual(['from bob', 'from dave', 'from carol']);
      });

      it('refuses a friend across a block: the block wins over the friendship', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        await repos.friendships.add(alice!.id, bob!.id, at(1));
        await repos.safety.block(alice!.id, bob!.id, at(2));

        expect(await repos.messages.saveDirect(message(bob!, alice!.id))).toBe('not-allowed');
        await repos.safety.setPrivacy(alice!.id, 'friends');
        expect(await repos.messages.saveDirect(message(bob!, alice!.id))).toBe('not-allowed');
      });

      it('lets sends racing a block each be stored or refused, none failing, and refuses every send after it', async () => {
        const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
        await repos.friendships.add(alice!.id, bob!.id, at(0));
        await repos.safety.setPrivacy(alice!.id, 'friends');

        const sends = Array.from({ length: 40 }, (_, i) =>
          repos.messages.saveDirect(i % 2 === 0 ? message(bob!, alice!.id, `b${i}`) : message(carol!, bob!.id, `c${i}`)),
        );
        const block = storage.unitOfWork.run(async (tx) => {
          await tx.safety.block(alice!.id, bob!.id, at(1));
          await tx.friendships.remove(alice!.id, bob!.id);
        });
        const outcomes = await Promise.all([...sends, block]);

        expect(outcomes.filter((o) => typeof o === 'string' && o !== 'not-allowed')).toEqual([]);
        expect(outcomes.slice(0, 40).filter((o, i) => i % 2 === 1 && typeof o === 'string')).toEqual([]);
        expect(await repos.messages.saveDirect(message(bob!, alice!.id))).toBe('not-allowed');
        expect(await repos.messages.saveDirect(message(alice!, bob!.id))).toBe('not-allowed');
      });

      it('checks inside a unit of work what the unit itself changed', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');

        const outcome = await storage.unitOfWork.run(async (tx) => {
          await tx.safety.block(alice!.id, bob!.id, at(1));
          return tx.messages.saveDirect(message(bob!, alice!.id));
        });

        expect(outcome).toBe('not-allowed');
      });
    });

    describe('undelivered messages from a blocked user', () => {
      it('are held back from the blocker while the block stands, and handed out again after it, in order', async () => {
        const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
        stored(await repos.messages.saveDirect(message(bob!, alice!.id, 'b1', at(1))));
        stored(await repos.messages.saveDirect(message(carol!, alice!.id, 'c1', at(2))));
        stored(await repos.messages.saveDirect(message(bob!, alice!.id, 'b2', at(3))));

        await repos.safety.block(alice!.id, bob!.id, at(4));
        expect(await undeliveredContents(alice!)).toEqual(['c1']);

        await repos.safety.unblock(alice!.id, bob!.id);
        expect(await undeliveredContents(alice!)).toEqual(['b1', 'c1', 'b2']);
      });

      it('count against neither the limit nor the cursor of a listing', async () => {
        const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
        for (let i = 0; i < 3; i++) stored(await repos.messages.saveDirect(message(bob!, alice!.id, `b${i}`, at(i))));
        const first = stored(await repos.messages.saveDirect(message(carol!, alice!.id, 'c1', at(5))));
        stored(await repos.messages.saveDirect(message(carol!, alice!.id, 'c2', at(6))));
        await repos.safety.block(alice!.id, bob!.id, at(7));

        expect((await repos.messages.listUndeliveredDirect(alice!.id, 1)).map((m) => m.content)).toEqual(['c1']);
        expect(await undeliveredContents(alice!, first.id)).toEqual(['c2']);
      });

      it('are still handed out when it is the sender who blocked the receiver', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        stored(await repos.messages.saveDirect(message(bob!, alice!.id, 'before the block')));

        await repos.safety.block(bob!.id, alice!.id, at(2));

        expect(await undeliveredContents(alice!)).toEqual(['before the block']);
      });

      it('stay stored and undelivered: the operator still counts them as waiting', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        stored(await repos.messages.saveDirect(message(bob!, alice!.id)));

        await repos.safety.block(alice!.id, bob!.id, at(2));

        expect(await repos.reports.stats()).toMatchObject({ directMessagesStored: 1, pendingOfflineDirect: 1 });
      });
    });

    describe('reports', () => {
      const report = (reporter: Account, reported: Account, reason: string, createdAt: number, cap = { max: 20, since: 0 }) =>
        repos.safety.addReport({ reporterId: reporter.id, reportedId: reported.id, reason, createdAt }, cap);

      it('stores reports with ascending ids, the reason exactly as written', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');
        const reason = 'spam | links \\ everywhere\n🎉 e\u0301';

        const first = await report(alice!, bob!, reason, at(1));
        const second = await report(bob!, alice!, 'retaliation', at(2));

        expect(typeof first).toBe('number');
        expect(second).toBeGreaterThan(first as number);
        expect(await repos.reports.listReports({ limit: 10 })).toEqual([
          {
            id: second,
            reporterId: bob!.id,
            reporterUsername: 'bob',
            reportedId: alice!.id,
            reportedUsername: 'alice',
            reason: 'retaliation',
            at: at(2),
          },
          {
            id: first,
            reporterId: alice!.id,
            reporterUsername: 'alice',
            reportedId: bob!.id,
            reportedUsername: 'bob',
            reason,
            at: at(1),
          },
        ]);
        expect((await repos.reports.stats()).reports).toBe(2);
      });

      it("refuses a reporter's report past the cap within the window, counting only their own recent ones", async () => {
        const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
        const now = at(10 * DAY);
        const cap = { max: 3, since: now - DAY + 1 };
        // Exactly a day old: outside the window.
        await report(alice!, bob!, 'old', now - DAY, cap);
        await report(alice!, bob!, 'one', now - 5, cap);
        await report(alice!, carol!, 'two', now - 4, cap);
        // Someone else's reports do not count against alice.
        await report(bob!, carol!, 'other', now - 3, cap);
        await report(alice!, bob!, 'three', now - 2, cap);

        expect(await report(alice!, carol!, 'four', now, cap)).toBe('limit-reached');
        expect(await report(bob!, alice!, 'fine', now, cap)).toEqual(expect.any(Number));
        expect((await repos.reports.listReports({ limit: 100 })).map((r) => r.reason)).toEqual([
          'fine',
          'three',
          'other',
          'two',
          'one',
          'old',
        ]);
        // A day later the window has moved on.
        expect(await report(alice!, carol!, 'later', now + DAY, { max: 3, since: now + 1 })).toEqual(expect.any(Number));
      });

      it('lets exactly the cap of racing reports pass', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');

        const outcomes = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            storage.unitOfWork.run((tx) =>
              tx.safety.addReport({ reporterId: alice!.id, reportedId: bob!.id, reason: `r${i}`, createdAt: at(i) }, { max: 5, since: 0 }),
            ),
          ),
        );

        expect(outcomes.filter((o) => o === 'limit-reached')).toHaveLength(3);
        expect(await repos.reports.listReports({ limit: 100 })).toHaveLength(5);
      });

      it('lists reports newest first, about one user, from a time on, at most the limit', async () => {
        const [alice, bob, carol] = await registerMany('alice', 'bob', 'carol');
        await report(alice!, carol!, 'a→c', at(1));
        await report(bob!, carol!, 'b→c', at(2));
        await report(carol!, alice!, 'c→a', at(3));
        // Same time as the one before: the later stored comes first.
        await report(bob!, alice!, 'b→a', at(3));

        const reasons = async (filter: { reportedId?: number; since?: number; limit: number }) =>
          (await repos.reports.listReports(filter)).map((r) => r.reason);
        expect(await reasons({ limit: 10 })).toEqual(['b→a', 'c→a', 'b→c', 'a→c']);
        expect(await reasons({ reportedId: carol!.id, limit: 10 })).toEqual(['b→c', 'a→c']);
        expect(await reasons({ reportedId: bob!.id, limit: 10 })).toEqual([]);
        expect(await reasons({ since: at(2), limit: 10 })).toEqual(['b→a', 'c→a', 'b→c']);
        expect(await reasons({ reportedId: alice!.id, since: at(3), limit: 1 })).toEqual(['b→a']);
        expect(await reasons({ limit: 2 })).toEqual(['b→a', 'c→a']);
      });

      it('keeps no report of a failed unit of work', async () => {
        const [alice, bob] = await registerMany('alice', 'bob');

        await expect(
          storage.unitOfWork.run(async (tx) => {
            await tx.safety.addReport({ reporterId: alice!.id, reportedId: bob!.id, reason: 'x', createdAt: at(1) }, { max: 20, since: 0 });
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');

        expect(await repos.reports.listReports({ limit: 10 })).toEqual([]);
        expect((await repos.reports.stats()).reports).toBe(0);
      });

      it('refuses a report of oneself or about an unknown user, as the database does', async () => {
        const [alice] = await registerMany('alice');

        await expect(report(alice!, alice!, 'me', at(1))).rejects.toThrow();
        await expect(
          repos.safety.addReport({ reporterId: alice!.id, reportedId: alice!.id + 1000, reason: 'x', createdAt: at(1) }, { max: 20, since: 0 }),
        ).rejects.toThrow();
        expect(await repos.reports.listReports({ limit: 10 })).toEqual([]);
      });
    });
  });
}
