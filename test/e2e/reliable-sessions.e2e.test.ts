import type { Clock } from '../../src/application';
import { startTestServer, type TestServer, type TestUser } from '../support/e2e-server';
import { nextMessages } from '../support/test-client';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const DAY_MS = 24 * 60 * 60_000;

/** A clock the test moves by hand, starting at the real time. */
class ManualClock implements Clock {
  private t = Date.now();
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

async function tokenOf(user: TestUser): Promise<string> {
  const [status, token, expiresAt] = await user.client.call(1021);
  expect(status).toBe('200');
  expect(Number(expiresAt)).toBeGreaterThan(Date.now());
  return token!;
}

describe('reliable sessions (§8): session tokens and RESUME', () => {
  let t: TestServer;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock();
    t = await startTestServer({ clock });
  });
  afterEach(() => t.stop());

  it('1021 gives an opaque URL-safe token valid for 30 days; it needs a login', async () => {
    const anonymous = await t.connect();
    expect(await anonymous.call(1021)).toEqual(['401', 'Not logged in']);
    const alice = await t.user('alice');
    const [status, token, expiresAt] = await alice.client.call(1021);
    expect(status).toBe('200');
    expect(token).toMatch(TOKEN);
    expect(Number(expiresAt)).toBe(clock.now() + 30 * DAY_MS);
    // Another token each time.
    expect(await tokenOf(alice)).not.toBe(token);
  });

  it('RESUME logs in like LOGIN: reply, pending friend requests, presence for friends', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    await bob.client.call(1005, 'alice');
    await alice.client.nextPush(2003);
    const token = await tokenOf(alice);
    const accepted = await alice.client.call(1006, (await alice.client.call(1015))[1]!);
    expect(accepted[0]).toBe('200');
    await carol.client.call(1005, 'alice');
    // The connection goes away (LOGOUT would revoke the token it was given).
    await alice.client.destroy();
    await bob.client.nextPush(2006, (f) => f[2] === 'offline');

    const device = await t.connect();
    expect(await device.call(1022, ['ALICE', token])).toEqual(['200', String(alice.id), 'alice']);
    expect((await device.nextPush(2003))[1]).toBe('carol');
    expect(await bob.client.nextPush(2006, (f) => f[2] === 'online')).toEqual([String(alice.id), 'alice', 'online']);
    // Logged in: commands work, RESUME again is refused as LOGIN would be.
    expect((await device.call(1009))[0]).toBe('1');
    expect(await device.call(1022, ['alice', token])).toEqual(['409', 'Already logged in']);
    expect(await device.call(1001, ['alice', 'password123'])).toEqual(['409', 'Already logged in']);
  });

  it('answers 401 for a wrong, malformed, foreign or unknown token, and 400 without a |', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const token = await tokenOf(alice);
    const c = await t.connect();
    const bad = [
      ['alice', token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')],
      ['alice', 'short'],
      ['alice', `${token}x`],
      ['alice', token.replace(/.$/, '!')],
      ['bob', token],
      ['nobody', token],
      ['x', token],
      ['alice', ''],
    ];
    for (const fields of bad) expect(await c.call(1022, fields)).toEqual(['401', 'Invalid credentials']);
    expect((await c.call(1022, 'alice'))[0]).toBe('400');
    expect((await c.call(1009))[0]).toBe('401');
    expect(bob.id).toBeGreaterThan(0);
  });

  it('LOGOUT revokes the token the connection resumed with, and those it was given; closing does not', async () => {
    const alice = await t.user('alice');
    const kept = await tokenOf(alice);
    const given = await tokenOf(alice);
    // Closing the socket keeps both.
    await alice.client.destroy();
    const device = await t.connect();
    expect((await device.call(1022, ['alice', kept]))[0]).toBe('200');
    expect(await device.call(1002)).toEqual(['200', 'Logged out successfully']);
    expect(await device.call(1022, ['alice', kept])).toEqual(['401', 'Invalid credentials']);
    // `given` came from another connection, which never logged out.
    expect((await device.call(1022, ['alice', given]))[0]).toBe('200');
    const fresh = (await device.call(1021))[1]!;
    expect((await device.call(1002))[0]).toBe('200');
    expect(await device.call(1022, ['alice', fresh])).toEqual(['401', 'Invalid credentials']);
    expect(await device.call(1022, ['alice', given])).toEqual(['401', 'Invalid credentials']);
  });

  it('a ban revokes every token; an expired token is refused', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const aliceToken = await tokenOf(alice);
    const bobToken = await tokenOf(bob);
    clock.advance(30 * DAY_MS - 1);
    const c = await t.connect();
    expect((await c.call(1022, ['bob', bobToken]))[0]).toBe('200');
    clock.advance(1);
    const d = await t.connect();
    expect(await d.call(1022, ['bob', bobToken])).toEqual(['401', 'Invalid credentials']);

    const banned = await t.server.core.useCases.setAccountStatus.execute({ username: 'alice', status: 'banned' });
    expect(banned.ok).toBe(true);
    expect(await d.call(1022, ['alice', aliceToken])).toEqual(['401', 'Invalid credentials']);
  });

  it('a user holds at most 20 live tokens: the 21st evicts the oldest', async () => {
    const alice = await t.user('alice');
    const tokens: string[] = [];
    for (let i = 0; i < 21; i++) {
      tokens.push(await tokenOf(alice));
      clock.advance(1);
    }
    const c = await t.connect();
    expect(await c.call(1022, ['alice', tokens[0]!])).toEqual(['401', 'Invalid credentials']);
    expect((await c.call(1022, ['alice', tokens[1]!]))[0]).toBe('200');
    const listed = await t.server.core.useCases.manageSessionTokens.list({ username: 'alice' });
    expect(listed.ok && listed.value.tokens).toHaveLength(20);
  });

  it('failed RESUMEs count with failed LOGINs; a valid token is never answered 429', async () => {
    const alice = await t.user('alice');
    const token = await tokenOf(alice);
    const c = await t.connect();
    for (let i = 0; i < 10; i++) expect((await c.call(1022, ['alice', 'A'.repeat(43)]))[0]).toBe('401');
    expect(await c.call(1022, ['alice', 'B'.repeat(43)])).toEqual(['429', 'Too many attempts']);
    expect(await c.call(1001, ['alice', 'password123'])).toEqual(['429', 'Too many attempts']);
    expect(await c.call(1022, ['alice', token])).toEqual(['200', String(alice.id), 'alice']);
  });
});

describe('reliable sessions (§8): acknowledged delivery', () => {
  let t: TestServer;
  afterEach(() => t.stop());

  it('ENABLE_ACKS pushes what waits, oldest first, with ids; ACK marks it delivered', async () => {
    // Direct and group messages are ordered by time: each of these is sent a millisecond apart.
    const clock = new ManualClock();
    t = await startTestServer({ clock });
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const group = (await alice.client.call(1010, 'Team'))[1]!;
    await alice.client.call(1011, [group, bob.id]);
    await bob.client.call(1002);
    for (const [command, to, text] of [[1003, bob.id, 'one | 1'], [1004, group, 'two'], [1003, bob.id, 'three']] as const) {
      clock.advance(1);
      expect((await alice.client.call(command, [to, text]))[0]).toBe('200');
    }

    expect((await bob.client.call(1001, ['bob', 'password123']))[0]).toBe('200');
    expect(await bob.client.call(1023)).toEqual(['200', 'Acks enabled']);
    const [m1, m2, m3] = await nextMessages(bob.client, 3);
    expect(m1).toEqual({ type: 2013, fields: [expect.stringMatching(/^[1-9]\d*$/), String(alice.id), 'alice', 'one | 1', expect.any(String)] });
    expect(m2!.type).toBe(2014);
    expect(m2!.fields.slice(1, 6)).toEqual([group, 'Team', String(alice.id), 'alice', 'two']);
    expect(m3!.fields[3]).toBe('three');
    const ids = [m1!.fields[0]!, m2!.fields[0]!, m3!.fields[0]!];
    expect(new Set(ids).size).toBe(3);

    // Unacknowledged, they are still undelivered: a seed fetch would hand them out.
    expect(await bob.client.call(1024, [ids[0]!, ids[1]!, ids[0]!, '999999'])).toEqual(['200', '2']);
    expect(await bob.client.call(1024, ids)).toEqual(['200', '1']);
    expect(await bob.client.call(1014)).toEqual(['0']);
    expect(await bob.client.call(1018)).toEqual(['0']);

    // Live pushes now come as 2013 and are acknowledged the same way.
    await alice.client.call(1003, [bob.id, 'live']);
    const [live] = await nextMessages(bob.client, 1);
    expect(live!.fields[3]).toBe('live');
    expect(await bob.client.call(1024, live!.fields[0]!)).toEqual(['200', '1']);
    expect(bob.client.pendingPushes(2001)).toEqual([]);
  });

  it('a message pushed and never acknowledged comes again at the next ENABLE_ACKS, and through 1014', async () => {
    t = await startTestServer();
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    expect((await bob.client.call(1023))[0]).toBe('200');
    await alice.client.call(1003, [bob.id, 'hello']);
    const [first] = await nextMessages(bob.client, 1);
    // The connection dies before the client acknowledges.
    await bob.client.destroy();

    const again = await t.connect();
    await again.call(1001, ['bob', 'password123']);
    expect((await again.call(1023))[0]).toBe('200');
    const [second] = await nextMessages(again, 1);
    expect(second).toEqual(first);
    // A seed fetch on another device hands it out too, as undelivered.
    const seed = await t.connect();
    await seed.call(1001, ['bob', 'password123']);
    expect((await seed.call(1014)).slice(0, 4)).toEqual(['1', String(alice.id), 'alice', 'hello']);
    // The batch is marked delivered once its reply is written, before the seed's next request runs.
    expect(await seed.call(1014)).toEqual(['0']);
    expect(await again.call(1024, second!.fields[0]!)).toEqual(['200', '0']);
  });

  it('checks ACK and ENABLE_ACKS input', async () => {
    t = await startTestServer();
    const anonymous = await t.connect();
    expect(await anonymous.call(1023)).toEqual(['401', 'Not logged in']);
    expect(await anonymous.call(1024, '2')).toEqual(['401', 'Not logged in']);
    const bob = await t.user('bob');
    for (const payload of ['', '0', '2|', '|2', 'x', '-2', '02', '2|3|abc', '9007199254740992', Array(1001).fill('2').join('|')]) {
      expect([payload.slice(0, 12), (await bob.client.call(1024, payload))[0]]).toEqual([payload.slice(0, 12), '400']);
    }
    expect(await bob.client.call(1024, Array(1000).fill('2').join('|'))).toEqual(['200', '0']);
    expect(await bob.client.call(1023)).toEqual(['200', 'Acks enabled']);
    expect(await bob.client.call(1023)).toEqual(['200', 'Acks enabled']);
  });

  it('flow control: at most the window unacknowledged; acknowledgements let the rest through in order', async () => {
    t = await startTestServer({ ackWindow: 5 });
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    expect((await bob.client.call(1023))[0]).toBe('200');
    for (let i = 1; i <= 12; i++) expect((await alice.client.call(1003, [bob.id, `m${i}`]))[0]).toBe('200');
    // A round trip after the sends: the pushes the server was going to write are written.
    await bob.client.call(1019);
    const firstFive = await nextMessages(bob.client, 5);
    expect(firstFive.map((m) => m.fields[3])).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(bob.client.pendingPushes(2013)).toEqual([]);

    expect(await bob.client.call(1024, firstFive.slice(0, 3).map((m) => m.fields[0]!))).toEqual(['200', '3']);
    const nextThree = await nextMessages(bob.client, 3);
    expect(nextThree.map((m) => m.fields[3])).toEqual(['m6', 'm7', 'm8']);
    await bob.client.call(1019);
    expect(bob.client.pendingPushes(2013)).toEqual([]);

    const rest: string[] = [];
    let unacked = [...firstFive.slice(3), ...nextThree].map((m) => m.fields[0]!);
    while (rest.length < 4) {
      await bob.client.call(1024, unacked);
      const more = await nextMessages(bob.client, 1);
      rest.push(...more.map((m) => m.fields[3]!));
      unacked = more.map((m) => m.fields[0]!);
    }
    expect(rest).toEqual(['m9', 'm10', 'm11', 'm12']);
  });

  it('two devices, one acknowledging: the seed device gets 2001 and its write delivers the message', async () => {
    t = await startTestServer();
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const phone = await t.connect();
    await phone.call(1001, ['bob', 'password123']);
    expect((await phone.call(1023))[0]).toBe('200');
    await alice.client.call(1003, [bob.id, 'to both']);
    expect((await bob.client.nextPush(2001))[2]).toBe('to both');
    const [pushed] = await nextMessages(phone, 1);
    expect(pushed!.fields[3]).toBe('to both');
    // The seed connection's write counted: nothing waits, and the ACK changes nothing.
    expect(await bob.client.call(1014)).toEqual(['0']);
    expect(await phone.call(1024, pushed!.fields[0]!)).toEqual(['200', '0']);
  });

  it('a receiver that stopped reading and was reset gets every message after RESUME', async () => {
    t = await startTestServer();
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const token = await tokenOf(bob);
    expect((await bob.client.call(1023))[0]).toBe('200');
    bob.client.socket.pause();
    const count = 300;
    const content = 'x'.repeat(2000);
    for (let i = 0; i < count; i++) expect((await alice.client.call(1003, [bob.id, `${i}:${content}`]))[0]).toBe('200');
    // Reset without reading anything.
    bob.client.socket.resetAndDestroy();
    await bob.client.closed;

    const device = await t.connect();
    expect((await device.call(1022, ['bob', token]))[0]).toBe('200');
    expect((await device.call(1023))[0]).toBe('200');
    const seen = new Set<string>();
    while (seen.size < count) {
      const batch = await nextMessages(device, 1);
      for (const m of batch) seen.add(m.fields[3]!.split(':')[0]!);
      expect((await device.call(1024, batch.map((m) => m.fields[0]!)))[0]).toBe('200');
    }
    expect([...seen].map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
  });
});
