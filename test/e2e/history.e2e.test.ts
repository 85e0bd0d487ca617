import type { Clock } from '../../src/application';
import { logIn } from '../support/test-client';
import { startTestServer, type TestServer, type TestUser } from '../support/e2e-server';

/** A clock the test moves by hand: every step of a scenario at its own millisecond. */
class SteppingClock implements Clock {
  private t = Date.now();
  now(): number {
    return (this.t += 1);
  }
}

const NEWEST = 0;
const EVERYTHING = '9007199254740991';

/** A §9 list reply (2015 / 2017) as records of `width` fields, checking the count. */
function records(fields: string[], width: number): string[][] {
  const [count, ...rest] = fields;
  expect(rest.length).toBe(Number(count) * width);
  const out: string[][] = [];
  for (let i = 0; i < rest.length; i += width) out.push(rest.slice(i, i + width));
  return out;
}

/** GET_HISTORY as `[message_id, sender_id, sender_username, content, timestamp, read]` records. */
async function history(user: TestUser, kind: 'd' | 'g', peerId: number, before = NEWEST, limit = 100): Promise<string[][]> {
  const frame = await user.client.request(1025, [kind, peerId, before, limit]);
  expect(frame.type).toBe(2015);
  return records(frame.payload.split('|'), 6);
}

/** GET_CONVERSATIONS as `[kind, peer_id, name, last_message_id, last_timestamp, unread_count]` records. */
async function inbox(user: TestUser, before?: string): Promise<string[][]> {
  const frame = await user.client.request(1027, before ?? '');
  expect(frame.type).toBe(2017);
  return records(frame.payload.split('|'), 6);
}

async function send(from: TestUser, to: TestUser, content: string): Promise<void> {
  expect(await from.client.call(1003, [to.id, content])).toEqual(['200', 'Message sent']);
}

async function sendToGroup(from: TestUser, groupId: number, content: string): Promise<void> {
  expect(await from.client.call(1004, [groupId, content])).toEqual(['200', 'Message sent']);
}

async function createGroup(admin: TestUser, name: string, ...members: TestUser[]): Promise<number> {
  const [status, id] = await admin.client.call(1010, name);
  expect(status).toBe('201');
  for (const member of members) expect((await admin.client.call(1011, [id!, member.id]))[0]).toBe('200');
  return Number(id);
}

const contents = (page: string[][]): string[] => page.map((m) => m[3]!);

describe('history, read receipts and the inbox (§9)', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer({ clock: new SteppingClock() });
  });
  afterEach(() => t.stop());

  it('GET_HISTORY pages a direct conversation newest first, both ways, without repeats', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    for (let i = 1; i <= 5; i++) await send(alice, bob, `a${i}`);
    await send(bob, alice, 'b1');
    await send(alice, bob, 'a6');

    const all = await history(bob, 'd', alice.id);
    expect(contents(all)).toEqual(['a6', 'b1', 'a5', 'a4', 'a3', 'a2', 'a1']);
    expect(all.map((m) => m[2])).toEqual(['alice', 'bob', 'alice', 'alice', 'alice', 'alice', 'alice']);
    // Direct message ids are even, and descending.
    for (const [id] of all) expect(Number(id) % 2).toBe(0);
    expect(all.map((m) => Number(m[0]))).toEqual([...all.map((m) => Number(m[0]))].sort((x, y) => y - x));
    // The same conversation from the other side.
    expect(await history(alice, 'd', bob.id)).toEqual(all);

    const seen: string[] = [];
    let before = NEWEST;
    for (;;) {
      const page = await history(bob, 'd', alice.id, before, 3);
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(3);
      seen.push(...contents(page));
      before = Number(page[page.length - 1]![0]);
    }
    expect(seen).toEqual(contents(all));
  });

  it('MARK_READ marks up to a message, pushes 2016 to every connection of the sender, and nothing when nothing changed', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const aliceTablet = (await logIn(t.port, 'alice', false)).client;
    for (let i = 1; i <= 5; i++) await send(alice, bob, `m${i}`);
    const ids = (await history(bob, 'd', alice.id)).map((m) => m[0]!).reverse();
    expect((await history(alice, 'd', bob.id)).map((m) => m[5])).toEqual(['0', '0', '0', '0', '0']);

    expect(await bob.client.call(1026, ['d', alice.id, ids[2]!])).toEqual(['200', '3']);
    for (const connection of [alice.client, aliceTablet]) {
      const [readerId, readerName, upTo, at] = await connection.nextPush(2016);
      expect([readerId, readerName, upTo]).toEqual([String(bob.id), 'bob', ids[2]]);
      expect(Number(at)).toBeGreaterThan(0);
    }
    expect((await history(alice, 'd', bob.id)).map((m) => m[5])).toEqual(['0', '0', '1', '1', '1']);

    // Again: nothing changes, nothing is pushed. An id beyond the newest marks the rest.
    expect(await bob.client.call(1026, ['d', alice.id, ids[1]!])).toEqual(['200', '0']);
    expect(await bob.client.call(1026, ['d', alice.id, EVERYTHING])).toEqual(['200', '2']);
    expect((await alice.client.nextPush(2016))[2]).toBe(ids[4]);
    expect(alice.client.pendingPushes(2016)).toEqual([]);
    expect(await bob.client.call(1026, ['d', alice.id, EVERYTHING])).toEqual(['200', '0']);
    // Bob's own reading pushes nothing to bob, and the messages bob sent are not bob's to mark.
    await send(bob, alice, 'reply');
    expect(await bob.client.call(1026, ['d', alice.id, EVERYTHING])).toEqual(['200', '0']);
    expect(await alice.client.call(1019)).toEqual(['200', 'PONG']);
    expect(bob.client.pendingPushes(2016)).toEqual([]);
    expect(alice.client.pendingPushes(2016)).toEqual([]);
  });

  it('marking read also marks delivered: the messages do not come again through 1014', async () => {
    const alice = await t.user('alice');
    const bobOffline = await t.user('bob');
    await bobOffline.client.call(1002);
    await send(alice, bobOffline, 'while you were away 1');
    await send(alice, bobOffline, 'while you were away 2');
    const bob = { ...bobOffline, client: (await logIn(t.port, 'bob', false)).client };
    const [newest] = await history(bob, 'd', alice.id);
    expect(await bob.client.call(1026, ['d', alice.id, newest![0]!])).toEqual(['200', '2']);
    expect(await bob.client.call(1014)).toEqual(['0']);
  });

  it('GET_CONVERSATIONS lists direct peers and groups by latest activity, with unread counts going down', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    await send(bob, alice, 'hi from bob');
    await send(bob, alice, 'again from bob');
    const groupId = await createGroup(carol, 'Book club', alice);
    await sendToGroup(carol, groupId, 'first chapter');
    await send(alice, carol, 'hello carol');

    const first = await inbox(alice);
    expect(first.map((c) => [c[0], c[1], c[2], c[5]])).toEqual([
      ['d', String(carol.id), 'carol', '0'],
      ['g', String(groupId), 'Book club', '1'],
      ['d', String(bob.id), 'bob', '2'],
    ]);
    expect(Number(first[1]![3]) % 2).toBe(1);
    expect(Number(first[0]![4])).toBeGreaterThan(Number(first[1]![4]));

    const [oldestFromBob] = (await history(alice, 'd', bob.id)).slice(-1);
    expect(await alice.client.call(1026, ['d', bob.id, oldestFromBob![0]!])).toEqual(['200', '1']);
    expect(await alice.client.call(1026, ['g', groupId, first[1]![3]!])).toEqual(['200', '1']);
    const now = await inbox(alice);
    expect(now.map((c) => c[5])).toEqual(['0', '0', '1']);

    // The next page starts after the given conversation's last message.
    expect(await inbox(alice, now[0]![3])).toEqual(now.slice(1));
    expect(await inbox(alice, now[2]![3])).toEqual([]);
    // A message the caller has no part in pages nothing.
    const dave = await t.user('dave');
    expect(await inbox(dave)).toEqual([]);
    expect(await inbox(dave, first[2]![3])).toEqual([]);
  });

  it('group history: read positions per member, own messages read, members only and only since they joined', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    const groupId = await createGroup(alice, 'Team', bob);
    await sendToGroup(alice, groupId, 'before carol');
    expect((await alice.client.call(1011, [groupId, carol.id]))[0]).toBe('200');
    await sendToGroup(alice, groupId, 'g1');
    await sendToGroup(bob, groupId, 'g2');
    await sendToGroup(alice, groupId, 'g3');

    const bobs = await history(bob, 'g', groupId);
    expect(contents(bobs)).toEqual(['g3', 'g2', 'g1', 'before carol']);
    for (const [id] of bobs) expect(Number(id) % 2).toBe(1);
    expect(bobs.map((m) => m[5])).toEqual(['0', '1', '0', '0']);
    expect(contents(await history(carol, 'g', groupId))).toEqual(['g3', 'g2', 'g1']);

    // Bob reads up to g2: one message of someone else's changed (g1; before carol too).
    expect(await bob.client.call(1026, ['g', groupId, bobs[1]![0]!])).toEqual(['200', '2']);
    expect((await history(bob, 'g', groupId)).map((m) => m[5])).toEqual(['0', '1', '1', '1']);
    expect((await history(carol, 'g', groupId)).map((m) => m[5])).toEqual(['0', '0', '0']);
    // No receipts for group messages.
    expect(await alice.client.call(1019)).toEqual(['200', 'PONG']);
    expect(alice.client.pendingPushes(2016)).toEqual([]);

    // Removed: no access. Back again: only what came after.
    expect((await alice.client.call(1012, [groupId, carol.id]))[0]).toBe('200');
    expect(await carol.client.call(1025, ['g', groupId, 0, 10])).toEqual(['404', 'Group not found']);
    expect(await carol.client.call(1026, ['g', groupId, EVERYTHING])).toEqual(['404', 'Group not found']);
    await sendToGroup(alice, groupId, 'while carol was out');
    expect((await alice.client.call(1011, [groupId, carol.id]))[0]).toBe('200');
    await sendToGroup(bob, groupId, 'welcome back');
    expect(contents(await history(carol, 'g', groupId))).toEqual(['welcome back']);
    expect((await inbox(carol)).map((c) => [c[0], c[5]])).toEqual([['g', '1']]);
  });

  it('answers 400 for malformed requests, 404 for unknown users and groups it must not reveal, 401 before login', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const groupId = await createGroup(bob, 'Private');
    const c = alice.client;
    const badHistory = [
      'x|2|0|10',
      `d|${bob.id}|0|0`,
      `d|${bob.id}|0|101`,
      `d|${bob.id}|-1|10`,
      'd|0|0|10',
      'd|abc|0|10',
      `d|${bob.id}|0`,
      `d|${bob.id}|0|10|1`,
      '',
      `d|${bob.id}|01|10`,
      `d|${bob.id}|0|1.5`,
    ];
    for (const payload of badHistory) {
      expect((await c.call(1025, payload))[0]).toBe('400');
    }
    for (const payload of [`x|${bob.id}|2`, `d|${bob.id}|0`, `d|${bob.id}`, `d|${bob.id}|two`, `g|0|3`, '']) {
      expect((await c.call(1026, payload))[0]).toBe('400');
    }
    for (const payload of ['abc', '0', '-2', '2|4']) expect((await c.call(1027, payload))[0]).toBe('400');

    expect(await c.call(1025, ['d', 999_999, 0, 10])).toEqual(['404', 'User not found']);
    expect(await c.call(1026, ['d', 999_999, 2])).toEqual(['404', 'User not found']);
    expect(await c.call(1025, ['g', groupId, 0, 10])).toEqual(['404', 'Group not found']);
    expect(await c.call(1025, ['g', 999_999, 0, 10])).toEqual(['404', 'Group not found']);
    expect(await c.call(1026, ['g', groupId, 3])).toEqual(['404', 'Group not found']);
    // With oneself there is no conversation.
    expect(await c.call(1025, ['d', alice.id, 0, 10])).toEqual(['0']);

    const anonymous = await t.connect();
    for (const type of [1025, 1026, 1027]) {
      expect(await anonymous.call(type, 'd|1|0|10')).toEqual(['401', 'Not logged in']);
    }
  });

  it('cuts a history page short rather than exceed the payload limit, and paging goes on from there', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const big = (i: number): string => `${i}`.padEnd(4000, 'x');
    for (let i = 1; i <= 40; i++) await send(alice, bob, big(i));
    const frame = await bob.client.request(1025, ['d', alice.id, 0, 100]);
    expect(Buffer.byteLength(frame.payload)).toBeLessThanOrEqual(65_536);
    const first = records(frame.payload.split('|'), 6);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(40);
    const rest = await history(bob, 'd', alice.id, Number(first[first.length - 1]![0]), 100);
    expect(first.length + rest.length).toBeLessThanOrEqual(40);
    expect(contents(first)[0]).toBe(big(40));
    expect(contents(rest)[0]).toBe(big(40 - first.length));
  });
});
