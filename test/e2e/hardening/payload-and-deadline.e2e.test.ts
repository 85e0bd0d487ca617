import { encodeFrame } from '../../../src/adapters/protocol/frame-encoder';
import { startTestServer, type TestServer } from '../../support/e2e-server';

describe('before LOGIN: a smaller payload limit and a login deadline', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('refuses 4097 bytes before LOGIN (by default), accepts them after, refuses them again after LOGOUT', async () => {
    t = await startTestServer();
    const bob = await t.user('bob');

    const early = await t.connect();
    // Exactly at the limit: read and answered (the password is too long to be valid).
    expect(await early.call(1000, `alice|${'x'.repeat(4096 - 6)}`)).toEqual(['400', 'Invalid password']);
    expect(early.isOpen).toBe(true);
    // One byte over: answered from the header, then closed.
    expect((await early.request(1019, 'x'.repeat(4097))).payload).toBe('400|Payload too large');
    await early.closed;

    const alice = await t.user('alice');
    expect(await alice.client.call(1019, 'x'.repeat(4097))).toEqual(['200', 'PONG']);
    // A message of the largest content is a payload well over 4096 bytes.
    const content = 'é'.repeat(2048);
    expect(await alice.client.call(1003, [bob.id, content])).toEqual(['200', 'Message sent']);
    expect(await bob.client.nextPush(2001)).toEqual([String(alice.id), 'alice', content, expect.any(String)]);

    expect(await alice.client.call(1002)).toEqual(['200', 'Logged out successfully']);
    expect((await alice.client.request(1019, 'x'.repeat(4097))).payload).toBe('400|Payload too large');
    await alice.client.closed;
  });

  it('never applies a limit before LOGIN above the payload limit itself', async () => {
    t = await startTestServer({ maxPayload: 2048, maxPayloadBeforeLogin: 4096 });
    const client = await t.connect();
    expect((await client.request(1019, 'x'.repeat(2049))).payload).toBe('400|Payload too large');
  });

  it('closes a connection not logged in by the deadline; a logged-in one stays open', async () => {
    t = await startTestServer({ loginTimeoutMs: 1000 });
    // Logged in first, so its deadline would have come first had LOGIN not lifted it.
    const alice = await t.user('alice');
    const registered = await t.connect();
    await registered.call(1000, ['bob', 'password123']);
    const opened = Date.now();
    const idle = await t.connect();

    await Promise.all([idle.closed, registered.closed]);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(900);
    expect(await alice.client.call(1019)).toEqual(['200', 'PONG']);
    expect(alice.client.isOpen).toBe(true);
  });

  it('PING does not extend the login deadline, and LOGOUT starts it again', async () => {
    t = await startTestServer({ loginTimeoutMs: 1000 });
    const pinger = await t.connect();
    const keepPinging = setInterval(() => void pinger.call(1019).catch(() => undefined), 100);
    try {
      await pinger.closed;
    } finally {
      clearInterval(keepPinging);
    }

    const alice = await t.user('alice');
    expect(await alice.client.call(1002)).toEqual(['200', 'Logged out successfully']);
    const loggedOut = Date.now();
    await alice.client.closed;
    expect(Date.now() - loggedOut).toBeGreaterThanOrEqual(900);
  });

  it('answers the request running when the deadline passes, then closes without starting another', async () => {
    t = await startTestServer({ loginTimeoutMs: 1000 });
    const busy = await t.connect();
    // More registrations (each a password hash and a commit) than fit in the deadline.
    const names = Array.from({ length: 10_000 }, (_, i) => `user${i}`);
    busy.expectReplies(names.length).catch(() => undefined);
    busy.write(Buffer.concat(names.map((name) => encodeFrame(1000, `${name}|password123`))));
    await busy.closed;

    const answered = busy.received.length;
    expect(answered).toBeLessThan(names.length);
    for (const frame of busy.received) expect(frame.payload).toMatch(/^200\|\d+$/);
    // Every registration that ran was answered, and none ran after the last answer.
    // (On a very busy machine even the first may still be running at the deadline:
    // it is answered all the same, so `answered` is at least that one.)
    const other = await t.connect();
    if (answered > 0) expect((await other.call(1000, [names[answered - 1]!, 'password123']))[0]).toBe('409');
    expect((await other.call(1000, [names[answered]!, 'password123']))[0]).toBe('200');
  });
});
