import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAdmin } from '../../src/bootstrap/admin-cli';
import { befriend, startTestServer, type TestServer } from '../support/e2e-server';

describe('connection lifetime over TCP (PROTOCOL §7) and bans', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('closes a connection idle past the timeout and tells friends it went offline', async () => {
    t = await startTestServer({ idleTimeoutMs: 1000 });
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    await befriend(alice, bob);
    // alice keeps talking; bob goes quiet.
    const keepAlive = setInterval(() => void alice.client.call(1019).catch(() => undefined), 200);
    try {
      await bob.client.closed;
      expect(await alice.client.nextPush(2006)).toEqual([String(bob.id), 'bob', 'offline']);
      expect(alice.client.isOpen).toBe(true);
    } finally {
      clearInterval(keepAlive);
    }
  });

  it('bans through the admin tool: open connections close, friends see offline, LOGIN answers 403', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-ban-'));
    const database = join(dir, 'chat.sqlite');
    try {
      t = await startTestServer({ storage: database });
      const alice = await t.user('alice');
      const bob = await t.user('bob');
      await befriend(alice, bob);
      const output: string[] = [];
      const io = { out: (l: string) => output.push(l), err: (l: string) => output.push(l) };
      expect(await runAdmin(['ban', 'BOB'], { CHAT_DB: database }, io)).toBe(0);
      expect(output.join('\n')).toMatch(/banned bob/);
      await bob.client.closed;
      expect(await alice.client.nextPush(2006)).toEqual([String(bob.id), 'bob', 'offline']);
      const again = await t.connect();
      expect(await again.call(1001, ['bob', 'password123'])).toEqual(['403', 'Account banned']);
      expect(await again.call(1001, ['bob', 'wrong-password'])).toEqual(['401', 'Invalid credentials']);
      expect(await runAdmin(['unban', 'bob'], { CHAT_DB: database }, io)).toBe(0);
      expect((await again.call(1001, ['bob', 'password123']))[0]).toBe('200');
      expect(await runAdmin(['ban', 'nobody'], { CHAT_DB: database }, io)).toBe(1);
      expect(await runAdmin(['frobnicate'], { CHAT_DB: database }, io)).toBe(2);
    } finally {
      await t?.stop();
      t = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on shutdown ends sessions in turn, so friends still connected see users go offline', async () => {
    t = await startTestServer();
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    await befriend(alice, bob);
    const bobSees = bob.client.nextPush(2006);
    await t.server.close();
    // alice's session ends first, while bob is still connected.
    expect(await bobSees).toEqual([String(alice.id), 'alice', 'offline']);
    await Promise.all([alice.client.closed, bob.client.closed]);
  });

  it('on shutdown cuts what does not end by the deadline: a request stuck on storage cannot hold the process', async () => {
    const lines: { message: string; fields: unknown }[] = [];
    const note = (message: string, fields?: unknown): void => void lines.push({ message, fields });
    t = await startTestServer({ shutdownDeadlineMs: 300, logger: { debug: note, info: note, warn: note, error: note } });
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const { friendships } = t.server.core.storage.repositories;
    jest.spyOn(friendships, 'listFriends').mockImplementation(() => new Promise<never>(() => undefined));
    const stuck = alice.client.call(1009).catch((error: Error) => error.message);
    // The request reached the storage: it is stuck there now.
    while (!(friendships.listFriends as jest.Mock).mock.calls.length) await bob.client.call(1019);

    const started = Date.now();
    await t.server.close();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await stuck).toBe('connection closed');
    await Promise.all([alice.client.closed, bob.client.closed]);
    expect(lines).toContainEqual({
      message: 'shutdown deadline passed: connections cut',
      fields: { connections: expect.any(Number), deadlineMs: 300 },
    });
  });
});
