import { befriend, startTestServer, type TestServer } from '../support/e2e-server';

describe('direct messages over TCP', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(() => t.stop());

  it('pushes 2001 to an online receiver with sender, content and a millisecond timestamp', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const before = Date.now();
    expect(await alice.client.call(1003, [bob.id, 'hi | there \\ you'])).toEqual(['200', 'Message sent']);
    const [senderId, senderName, content, timestamp] = await bob.client.nextPush(2001);
    expect([senderId, senderName, content]).toEqual([String(alice.id), 'alice', 'hi | there \\ you']);
    expect(Number(timestamp)).toBeGreaterThanOrEqual(before - 1);
    expect(Number(timestamp)).toBeLessThanOrEqual(Date.now());
    // Delivered live: nothing waits offline.
    expect(await bob.client.call(1014)).toEqual(['0']);
  });

  it('joins surplus pipes into the content, as a naive client sends it', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    await alice.client.request(1003, `${bob.id}|a|b`);
    expect((await bob.client.nextPush(2001))[2]).toBe('a|b');
  });

  it('stores messages for an offline receiver and hands them out once, oldest first', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    await bob.client.call(1002);
    for (const text of ['one', 'two', 'three']) expect((await alice.client.call(1003, [bob.id, text]))[0]).toBe('200');
    expect(await bob.client.call(1001, ['bob', 'password123'])).toEqual(['200', String(bob.id), 'bob']);
    const offline = await bob.client.call(1014);
    expect(offline[0]).toBe('3');
    expect([offline[3], offline[7], offline[11]]).toEqual(['one', 'two', 'three']);
    expect(offline.slice(1, 3)).toEqual([String(alice.id), 'alice']);
    expect(await bob.client.call(1014)).toEqual(['0']);
  });

  it('hands out 250 offline messages as 100, 100, 50, then 0', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    await bob.client.call(1002);
    const sent = await Promise.all(Array.from({ length: 250 }, (_, i) => alice.client.call(1003, [bob.id, `m${i}`])));
    expect(sent.every((r) => r[0] === '200')).toBe(true);
    await bob.client.call(1001, ['bob', 'password123']);
    const counts: string[] = [];
    const contents: string[] = [];
    for (let i = 0; i < 4; i++) {
      const batch = await bob.client.call(1014);
      counts.push(batch[0]!);
      for (let j = 3; j < batch.length; j += 4) contents.push(batch[j]!);
    }
    expect(counts).toEqual(['100', '100', '50', '0']);
    expect(contents).toEqual(Array.from({ length: 250 }, (_, i) => `m${i}`));
  });

  it('keeps a reply within the payload limit by returning fewer messages', async () => {
    await t.stop();
    t = await startTestServer({ maxPayload: 8192 });
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    await bob.client.call(1002);
    for (let i = 0; i < 5; i++) await alice.client.call(1003, [bob.id, 'x'.repeat(3000)]);
    await bob.client.call(1001, ['bob', 'password123']);
    const first = await bob.client.request(1014);
    expect(Buffer.byteLength(first.payload)).toBeLessThanOrEqual(8192);
    expect(first.payload.startsWith('2|')).toBe(true);
    expect((await bob.client.call(1014))[0]).toBe('2');
    expect((await bob.client.call(1014))[0]).toBe('1');
  });

  it('refuses messages to yourself, to unknown users, empty ones and bad ids', async () => {
    const alice = await t.user('alice');
    expect((await alice.client.call(1003, [alice.id, 'me']))[0]).toBe('400');
    expect(await alice.client.call(1003, [999999, 'hello'])).toEqual(['404', 'User not found']);
    expect((await alice.client.call(1003, [999999, ' \t ']))[0]).toBe('400');
    expect((await alice.client.call(1003, ['01', 'hello']))[0]).toBe('400');
    expect((await alice.client.call(1003, ['-1', 'hello']))[0]).toBe('400');
    expect((await alice.client.call(1003, ['9007199254740992', 'hello']))[0]).toBe('400');
    expect((await alice.client.call(1003, 'nopipe'))[0]).toBe('400');
    expect((await alice.client.call(1003, [2, 'é'.repeat(2049)]))[0]).toBe('400');
  });

  it('keeps a message undelivered when the receiver drops before it is pushed, and hands it out later', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    await befriend(alice, bob);
    await bob.client.destroy();
    // The server has seen the drop once bob's friend is told he is offline.
    expect(await alice.client.nextPush(2006)).toEqual([String(bob.id), 'bob', 'offline']);
    await alice.client.call(1003, [bob.id, 'while you were away']);
    const again = await t.connect();
    await again.call(1001, ['bob', 'password123']);
    const offline = await again.call(1014);
    expect(offline.slice(0, 4)).toEqual(['1', String(alice.id), 'alice', 'while you were away']);
  });
});
