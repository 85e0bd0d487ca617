import { splitFields } from '../../src/adapters/protocol/fields';
import { befriend, startTestServer, type TestServer, type TestUser } from '../support/e2e-server';
import type { TestClient } from '../support/test-client';

const CANNOT = ['403', 'Cannot message this user'];
const PUSH_TYPES = [2001, 2002, 2003, 2006, 2011, 2012, 2013, 2014, 2016];

/** The pushes a client received since it had received `from` frames. */
const pushesSince = (client: TestClient, from: number) => client.received.slice(from).filter((f) => PUSH_TYPES.includes(f.type));

/** The §10 commands. */
const BLOCK_USER = 1028;
const UNBLOCK_USER = 1029;
const GET_BLOCKED = 1030;
const SET_PRIVACY = 1031;
const REPORT_USER = 1032;

async function sendMessage(from: TestUser, to: TestUser, content: string): Promise<string[]> {
  return from.client.call(1003, [to.id, content]);
}

/** The next message push of an acknowledging connection (2013), as its fields. */
async function nextAcked(client: TestClient): Promise<string[]> {
  const frame = await client.nextPushOf([2013, 2014]);
  expect(frame.type).toBe(2013);
  return splitFields(frame.payload);
}

/** A second connection of the user, logged in: pushes to the first one are not taken from it. */
async function anotherDevice(t: TestServer, user: TestUser): Promise<TestClient> {
  const client = await t.connect();
  expect((await client.call(1001, [user.name, 'password123']))[0]).toBe('200');
  return client;
}

describe('blocking, privacy and reports (§10)', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(() => t.stop());

  it('a block refuses messages and friend requests both ways, with the same 403 as privacy', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    const dave = await t.user('dave');

    expect(await alice.client.call(BLOCK_USER, bob.id)).toEqual(['200', 'Blocked']);

    expect(await sendMessage(bob, alice, 'hello?')).toEqual(CANNOT);
    expect(await sendMessage(alice, bob, 'hello?')).toEqual(CANNOT);
    expect(await bob.client.call(1005, 'alice')).toEqual(CANNOT);
    expect(await alice.client.call(1005, 'BOB')).toEqual(CANNOT);
    // A stranger refused by privacy gets exactly the same reply.
    expect(await dave.client.call(SET_PRIVACY, 'friends')).toEqual(['200', 'Privacy updated']);
    expect(await sendMessage(carol, dave, 'hello?')).toEqual(CANNOT);
    // Nothing was stored: bob finds nothing waiting, alice neither.
    expect(await alice.client.call(1014)).toEqual(['0']);
    expect(await bob.client.call(1014)).toEqual(['0']);
    expect(await alice.client.call(1015)).toEqual(['0']);
    expect(await bob.client.call(1015)).toEqual(['0']);
    // Others are not concerned.
    expect(await sendMessage(carol, alice, 'hi alice')).toEqual(['200', 'Message sent']);
    expect((await alice.client.nextPush(2001)).slice(0, 3)).toEqual([String(carol.id), 'carol', 'hi alice']);
  });

  it('a block ends the friendship and the pending request, tells the blocked user nothing, and blocking again changes nothing', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    await befriend(alice, bob);
    expect(await carol.client.call(1005, 'alice')).toEqual(['200', 'Request sent']);
    const [, , , requestId] = await alice.client.nextPush(2003);
    const [bobSeen, carolSeen] = [bob.client.received.length, carol.client.received.length];

    expect(await alice.client.call(BLOCK_USER, bob.id)).toEqual(['200', 'Blocked']);
    expect(await alice.client.call(BLOCK_USER, carol.id)).toEqual(['200', 'Blocked']);
    expect(await alice.client.call(BLOCK_USER, carol.id)).toEqual(['200', 'Blocked']);

    expect(await alice.client.call(1009)).toEqual(['0']);
    expect(await bob.client.call(1009)).toEqual(['0']);
    expect(await alice.client.call(1015)).toEqual(['0']);
    expect(await alice.client.call(1006, requestId!)).toEqual(['404', 'Request not found']);
    // Bob and carol were told nothing: a request of theirs answers first, then nothing is left over.
    expect(await bob.client.call(1019)).toEqual(['200', 'PONG']);
    expect(await carol.client.call(1019)).toEqual(['200', 'PONG']);
    expect(pushesSince(bob.client, bobSeen)).toEqual([]);
    expect(pushesSince(carol.client, carolSeen)).toEqual([]);
  });

  it('presence goes silent both ways: a 2006 that would have gone before the block does not after it', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    // Carol is everyone's friend: her 2006 shows when one has gone out.
    const carol = await t.user('carol');
    await befriend(alice, bob);
    await befriend(carol, alice);
    await befriend(carol, bob);
    // Before: bob going offline reaches alice.
    await bob.client.call(1002);
    expect(await alice.client.nextPush(2006)).toEqual([String(bob.id), 'bob', 'offline']);
    expect(await carol.client.nextPush(2006)).toEqual([String(bob.id), 'bob', 'offline']);
    expect((await bob.client.call(1001, ['bob', 'password123']))[0]).toBe('200');
    expect(await alice.client.nextPush(2006)).toEqual([String(bob.id), 'bob', 'online']);
    expect(await carol.client.nextPush(2006)).toEqual([String(bob.id), 'bob', 'online']);

    expect(await bob.client.call(BLOCK_USER, alice.id)).toEqual(['200', 'Blocked']);

    // Bob goes and comes back: carol hears both, alice neither.
    await bob.client.call(1002);
    expect(await carol.client.nextPush(2006)).toEqual([String(bob.id), 'bob', 'offline']);
    expect((await bob.client.call(1001, ['bob', 'password123']))[0]).toBe('200');
    expect(await carol.client.nextPush(2006)).toEqual([String(bob.id), 'bob', 'online']);
    // Anything written to alice before carol's push is ahead of this reply.
    expect(await alice.client.call(1019)).toEqual(['200', 'PONG']);
    expect(alice.client.pendingPushes(2006)).toEqual([]);
    // The other way: alice goes and comes back; carol hears it, bob does not.
    await alice.client.call(1002);
    expect(await carol.client.nextPush(2006)).toEqual([String(alice.id), 'alice', 'offline']);
    expect((await alice.client.call(1001, ['alice', 'password123']))[0]).toBe('200');
    expect(await carol.client.nextPush(2006)).toEqual([String(alice.id), 'alice', 'online']);
    expect(await bob.client.call(1019)).toEqual(['200', 'PONG']);
    expect(bob.client.pendingPushes(2006)).toEqual([]);
    // Neither sees the other in a friend list either.
    expect(await alice.client.call(1009)).toEqual(['1', String(carol.id), 'carol', 'online']);
  });

  it('holds back undelivered messages from the blocked user (1014 and ENABLE_ACKS) and hands them out after UNBLOCK', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    await alice.client.call(1002);
    expect(await sendMessage(bob, alice, 'from bob, before the block')).toEqual(['200', 'Message sent']);
    expect(await sendMessage(carol, alice, 'from carol')).toEqual(['200', 'Message sent']);
    expect((await alice.client.call(1001, ['alice', 'password123']))[0]).toBe('200');

    expect(await alice.client.call(BLOCK_USER, bob.id)).toEqual(['200', 'Blocked']);

    // ENABLE_ACKS pushes what waits, oldest first: carol's, and bob's older one not at all.
    const acking = await anotherDevice(t, alice);
    expect(await acking.call(1023)).toEqual(['200', 'Acks enabled']);
    const first = await nextAcked(acking);
    expect(first.slice(1, 4)).toEqual([String(carol.id), 'carol', 'from carol']);
    expect(await acking.call(1024, first[0]!)).toEqual(['200', '1']);
    // 1014 has nothing either: bob's message is not handed out while the block stands.
    expect(await alice.client.call(1014)).toEqual(['0']);
    expect(acking.pendingPushes(2013)).toEqual([]);

    expect(await alice.client.call(UNBLOCK_USER, bob.id)).toEqual(['200', 'Unblocked']);

    // It was never delivered, so it comes now: to an acknowledging connection, and through 1014.
    const again = await anotherDevice(t, alice);
    expect(await again.call(1023)).toEqual(['200', 'Acks enabled']);
    expect((await nextAcked(again)).slice(1, 4)).toEqual([String(bob.id), 'bob', 'from bob, before the block']);
    expect((await alice.client.call(1014)).slice(0, 4)).toEqual(['1', String(bob.id), 'bob', 'from bob, before the block']);
    expect(await alice.client.call(1014)).toEqual(['0']);
    // Messages flow again; the friendship the block ended does not come back.
    expect(await sendMessage(bob, alice, 'after')).toEqual(['200', 'Message sent']);
    expect(await alice.client.call(1009)).toEqual(['0']);
  });

  it('UNBLOCK_USER answers 404 Not blocked for what is not blocked, someone else’s block included', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    expect(await bob.client.call(BLOCK_USER, alice.id)).toEqual(['200', 'Blocked']);

    expect(await alice.client.call(UNBLOCK_USER, bob.id)).toEqual(['404', 'Not blocked']);
    expect(await alice.client.call(UNBLOCK_USER, 999_999)).toEqual(['404', 'Not blocked']);
    expect(await bob.client.call(UNBLOCK_USER, alice.id)).toEqual(['200', 'Unblocked']);
    expect(await bob.client.call(UNBLOCK_USER, alice.id)).toEqual(['404', 'Not blocked']);
  });

  it('GET_BLOCKED lists the blocked users by username, case-insensitively', async () => {
    const me = await t.user('me_user');
    expect(await me.client.call(GET_BLOCKED)).toEqual(['0']);
    const users: TestUser[] = [];
    for (const name of ['zed', 'Bob', 'alice', 'Carl']) users.push(await t.user(name));
    for (const user of users) expect(await me.client.call(BLOCK_USER, user.id)).toEqual(['200', 'Blocked']);
    const [zed, bob, alice, carl] = users;

    const frame = await me.client.request(GET_BLOCKED);

    expect(frame.type).toBe(2018);
    expect(splitFields(frame.payload)).toEqual([
      '4',
      String(alice!.id),
      'alice',
      String(bob!.id),
      'Bob',
      String(carl!.id),
      'Carl',
      String(zed!.id),
      'zed',
    ]);
    expect(await zed!.client.call(GET_BLOCKED)).toEqual(['0']);
  });

  it("privacy 'friends' refuses strangers' messages and lets friends write; strangers may still ask to be friends", async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    await befriend(alice, bob);

    expect(await alice.client.call(SET_PRIVACY, 'friends')).toEqual(['200', 'Privacy updated']);
    expect(await alice.client.call(SET_PRIVACY, 'friends')).toEqual(['200', 'Privacy updated']);

    expect(await sendMessage(carol, alice, 'hi')).toEqual(CANNOT);
    expect(await sendMessage(bob, alice, 'hi, friend')).toEqual(['200', 'Message sent']);
    expect((await alice.client.nextPush(2001)).slice(0, 3)).toEqual([String(bob.id), 'bob', 'hi, friend']);
    // Alice may still write to a stranger who takes messages from everyone.
    expect(await sendMessage(alice, carol, 'hello')).toEqual(['200', 'Message sent']);
    expect(await carol.client.call(1005, 'alice')).toEqual(['200', 'Request sent']);
    const [, , , requestId] = await alice.client.nextPush(2003);
    expect(await alice.client.call(1006, requestId!)).toEqual(['200', 'Friend added']);
    expect(await sendMessage(carol, alice, 'now a friend')).toEqual(['200', 'Message sent']);

    expect(await alice.client.call(SET_PRIVACY, 'everyone')).toEqual(['200', 'Privacy updated']);
    const dave = await t.user('dave');
    expect(await sendMessage(dave, alice, 'hi from anyone')).toEqual(['200', 'Message sent']);
  });

  it('REPORT_USER stores a report, 200|Reported, tells the reported user nothing, and refuses the 21st of a day with 429', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const bobSeen = bob.client.received.length;

    expect(await alice.client.call(REPORT_USER, [bob.id, 'spam | and links'])).toEqual(['200', 'Reported']);
    // A naive client's surplus `|` is part of the reason.
    expect(await alice.client.call(REPORT_USER, `${bob.id}|free|text`)).toEqual(['200', 'Reported']);
    for (let i = 3; i <= 20; i++) expect(await alice.client.call(REPORT_USER, [bob.id, `report ${i}`])).toEqual(['200', 'Reported']);

    expect(await alice.client.call(REPORT_USER, [bob.id, 'one more'])).toEqual(['429', 'Too many reports']);
    expect(await bob.client.call(REPORT_USER, [alice.id, 'retaliation'])).toEqual(['200', 'Reported']);
    expect(await bob.client.call(1019)).toEqual(['200', 'PONG']);
    expect(pushesSince(bob.client, bobSeen)).toEqual([]);

    // Stored for the operator, with the reporter and the reason as written.
    const stored = await t.server.core.storage.repositories.reports.listReports({ reportedId: bob.id, limit: 100 });
    expect(stored).toHaveLength(20);
    expect(stored.map((r) => r.reason).slice(-2)).toEqual(['free|text', 'spam | and links']);
    expect(stored.every((r) => r.reporterId === alice.id && r.reporterUsername === 'alice')).toBe(true);
  });

  it('answers 400 for bad input, 404 for unknown users, and 401 before login', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');

    for (const command of [BLOCK_USER, UNBLOCK_USER]) {
      for (const id of ['', 'abc', '0', '01', '-1', '1.5', '9007199254740992']) {
        expect((await alice.client.call(command, id))[0]).toBe('400');
      }
    }
    expect(await alice.client.call(BLOCK_USER, alice.id)).toEqual(['400', 'Cannot block yourself']);
    expect(await alice.client.call(UNBLOCK_USER, alice.id)).toEqual(['400', 'Cannot unblock yourself']);
    expect(await alice.client.call(BLOCK_USER, 999_999)).toEqual(['404', 'User not found']);

    for (const privacy of ['', 'nobody', 'Friends', 'friends|everyone']) {
      expect(await alice.client.call(SET_PRIVACY, privacy)).toEqual(['400', 'Privacy must be everyone or friends']);
    }

    expect(await alice.client.call(REPORT_USER, String(bob.id))).toEqual(['400', 'Expected user_id|reason']);
    expect(await alice.client.call(REPORT_USER, ['abc', 'spam'])).toEqual(['400', 'Expected user_id|reason']);
    expect(await alice.client.call(REPORT_USER, [bob.id, ''])).toEqual(['400', 'Empty reason']);
    expect(await alice.client.call(REPORT_USER, [bob.id, ' \t '])).toEqual(['400', 'Empty reason']);
    expect(await alice.client.call(REPORT_USER, [bob.id, 'é'.repeat(500) + '!'])).toEqual(['400', 'Reason too long']);
    expect(await alice.client.call(REPORT_USER, [bob.id, 'é'.repeat(500)])).toEqual(['200', 'Reported']);
    expect(await alice.client.call(REPORT_USER, [alice.id, 'me'])).toEqual(['400', 'Cannot report yourself']);
    expect(await alice.client.call(REPORT_USER, [999_999, 'nobody'])).toEqual(['404', 'User not found']);
    // A bad reason is a field rule: it answers before the user is looked up.
    expect(await alice.client.call(REPORT_USER, [999_999, ''])).toEqual(['400', 'Empty reason']);

    const anonymous = await t.connect();
    for (const [command, payload] of [
      [BLOCK_USER, String(bob.id)],
      [UNBLOCK_USER, String(bob.id)],
      [GET_BLOCKED, ''],
      [SET_PRIVACY, 'friends'],
      [REPORT_USER, `${bob.id}|spam`],
    ] as const) {
      expect(await anonymous.call(command, payload)).toEqual(['401', 'Not logged in']);
    }
  });
});
