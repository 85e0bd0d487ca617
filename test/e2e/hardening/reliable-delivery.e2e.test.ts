import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt, seededRandom } from '../../support/fuzz-frames';
import { startTestServer, type TestServer } from '../../support/e2e-server';
import { killServerProcesses, startServerProcess } from '../../support/server-process';
import { logIn, TestClient, type Frame } from '../../support/test-client';
import { splitFields } from '../../../src/adapters/protocol/fields';

/**
 * At-least-once delivery (PROTOCOL §8) where connections and servers die: what the
 * sender was told is stored reaches an acknowledging receiver, whatever moment its
 * connection, or the whole server, goes away.
 *
 * CHAT_TEST_CRASH_SEED=<n> replays the kill moments.
 */
const PASSWORD = 'password123';

/**
 * An acknowledging receiver: every 2013 it gets is recorded (by content) and
 * acknowledged at once.
 */
function receive(client: TestClient, seen: Set<string>): void {
  client.socket.on('data', () => {
    // TestClient has parsed the chunk's frames by now (its listener was added first).
    const fresh = client.received.splice(0).filter((f: Frame) => f.type === 2013);
    if (fresh.length === 0 || !client.isOpen) return;
    const ids: string[] = [];
    for (const frame of fresh) {
      const [id, , , content] = splitFields(frame.payload);
      seen.add(content!);
      ids.push(id!);
    }
    client.request(1024, ids).catch(() => undefined);
  });
}

describe('acknowledged delivery when connections die', () => {
  let t: TestServer;
  afterEach(() => t.stop());

  it('20 rounds: a receiver killed at a random moment while messages stream gets every acknowledged message at least once', async () => {
    t = await startTestServer();
    const seed = Number(process.env['CHAT_TEST_CRASH_SEED'] ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    const alice = await logIn(t.port, 'alice', true);
    const bob = await logIn(t.port, 'bob', true);
    const [, token] = await bob.client.call(1021);
    await bob.client.destroy();

    const acknowledged: string[] = [];
    const seen = new Set<string>();
    for (let round = 0; round < 20; round++) {
      const receiver = await TestClient.connect(t.port);
      expect((await receiver.call(1022, ['bob', token!]))[0]).toBe('200');
      receive(receiver, seen);
      expect((await receiver.call(1023))[0]).toBe('200');
      const killAt = randomInt(random, 50);
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 50; i++) {
        const content = `r${round}m${i}`;
        if (i === killAt) receiver.socket.resetAndDestroy();
        sends.push(
          alice.client.call(1003, [bob.id, content]).then(([status]) => {
            if (status === '200') acknowledged.push(content);
          }),
        );
      }
      await Promise.all(sends);
      await receiver.destroy();
    }
    // One more connection, left to catch up: everything still unacknowledged comes now.
    const last = await TestClient.connect(t.port);
    expect((await last.call(1022, ['bob', token!]))[0]).toBe('200');
    receive(last, seen);
    expect((await last.call(1023))[0]).toBe('200');
    const missing = (): string[] => acknowledged.filter((c) => !seen.has(c));
    for (let i = 0; i < 200 && missing().length > 0; i++) await last.call(1019);
    expect({ seed, missing: missing() }).toEqual({ seed, missing: [] });
    expect(acknowledged).toHaveLength(1000);
  }, 60_000);
});

describe('offline fetches over a connection that dies', () => {
  let t: TestServer;
  afterEach(() => t.stop());

  it('a 1014 batch whose reply never left the server is handed out again', async () => {
    t = await startTestServer({ maxOutputBytes: 256 * 1024 * 1024 });
    const alice = await logIn(t.port, 'alice', true);
    const bob = await logIn(t.port, 'bob', true);
    await bob.client.call(1002);
    for (const text of ['old-1', 'old-2', 'old-3']) expect((await alice.client.call(1003, [bob.id, text]))[0]).toBe('200');
    expect((await bob.client.call(1001, ['bob', PASSWORD]))[0]).toBe('200');

    // Bob stops reading; pushes pile up in the socket buffers and then in the server.
    bob.client.socket.pause();
    const filler = 'f'.repeat(4000);
    for (let i = 0; i < 5000; i++) void alice.client.request(1003, [bob.id, filler]);
    await alice.client.call(1019);

    const take = jest.spyOn(t.server.core.useCases.getOfflineMessages, 'take');
    void bob.client.request(1014).catch(() => undefined);
    while (take.mock.results.length === 0) await alice.client.call(1019);
    const batch = await take.mock.results[0]!.value;
    // Oldest first; pushes still in the server's buffers are undelivered too and may follow.
    expect(batch.messages.slice(0, 3).map((m: { content: string }) => m.content)).toEqual(['old-1', 'old-2', 'old-3']);
    // The reply is queued behind megabytes of pushes: the connection dies before it is written.
    bob.client.socket.resetAndDestroy();
    await bob.client.closed;

    const again = await logIn(t.port, 'bob', false);
    const offline = await again.client.call(1014);
    expect([offline[3], offline[7], offline[11]]).toEqual(['old-1', 'old-2', 'old-3']);
  }, 60_000);
});

describe('acknowledged delivery across a server crash', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat-acks-'));
  });
  afterEach(async () => {
    await killServerProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a message pushed and not acknowledged when the server is killed comes again after the restart', async () => {
    const database = join(dir, 'chat.sqlite');
    const first = await startServerProcess({ CHAT_DB: database });
    const alice = await logIn(first.port, 'alice', true);
    const bob = await logIn(first.port, 'bob', true);
    expect((await bob.client.call(1023))[0]).toBe('200');
    expect((await alice.client.call(1003, [bob.id, 'before the crash']))[0]).toBe('200');
    const [messageId, , , content] = await bob.client.nextPush(2013);
    expect(content).toBe('before the crash');
    await first.kill();
    await Promise.all([alice.client.closed, bob.client.closed]);

    const second = await startServerProcess({ CHAT_DB: database });
    const again = await logIn(second.port, 'bob', false);
    expect((await again.client.call(1023))[0]).toBe('200');
    expect(await again.client.nextPush(2013)).toEqual([messageId, String(alice.id), 'alice', 'before the crash', expect.any(String)]);
    expect(await again.client.call(1024, messageId!)).toEqual(['200', '1']);
    await again.client.destroy();
  });
});
