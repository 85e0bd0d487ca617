import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TestClient } from '../../support/test-client';
import { killServerProcesses, startServerProcess, type ServerProcess } from '../../support/server-process';

/**
 * The SQLite database fails under a running server: another process holds its write
 * lock (`BEGIN EXCLUSIVE`) for longer than the server's busy timeout. File modes cannot
 * stage this, since the tests run as root. Requests that need the database are answered
 * `500|Server error` without internals, the process stays up, the same connections carry
 * on, and everything works again once the lock is released.
 */

async function loggedIn(port: number, name: string): Promise<{ client: TestClient; id: number }> {
  const client = await TestClient.connect(port);
  expect((await client.call(1000, [name, 'password123']))[0]).toBe('200');
  const [status, id] = await client.call(1001, [name, 'password123']);
  expect(status).toBe('200');
  return { client, id: Number(id) };
}

/** Resolves once the message is marked delivered in the file, as another connection reads it. */
async function markedDelivered(file: string, content: string): Promise<void> {
  const reader = new Database(file, { readonly: true });
  try {
    const delivered = reader.prepare('SELECT delivered FROM messages WHERE content = ?').pluck();
    const deadline = Date.now() + 5000;
    while (delivered.get(content) !== 1) {
      if (Date.now() > deadline) throw new Error(`"${content}" was not marked delivered within 5 s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    reader.close();
  }
}

describe('a SQLite database that is locked by another process', () => {
  let dir: string;
  let clients: TestClient[] = [];
  let lock: Database.Database | null = null;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat-dbfail-'));
  });
  afterEach(async () => {
    if (lock?.open) {
      if (lock.inTransaction) lock.exec('ROLLBACK');
      lock.close();
    }
    lock = null;
    await Promise.all(clients.map((client) => client.destroy()));
    clients = [];
    await killServerProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 500|Server error while the lock is held, stays up, and recovers when it is released', async () => {
    const file = join(dir, 'chat.sqlite');
    // The ban check touches the database too: as seldom as allowed, so it stalls the test less.
    const server: ServerProcess = await startServerProcess({ CHAT_DB: file, CHAT_BAN_CHECK_MS: '4000' });
    const alice = await loggedIn(server.port, 'alice');
    const bob = await loggedIn(server.port, 'bob');
    clients.push(alice.client, bob.client);
    expect(await alice.client.call(1003, [bob.id, 'before the lock'])).toEqual(['200', 'Message sent']);
    expect((await bob.client.nextPush(2001))[2]).toBe('before the lock');
    // Its delivery is marked in a write batch of its own, after the push: committed before the lock is taken.
    await markedDelivered(file, 'before the lock');

    lock = new Database(file);
    lock.exec('BEGIN EXCLUSIVE');

    const sent = alice.client.call(1003, [bob.id, 'while locked']);
    // Pipelined behind it: a request that needs no database.
    const pinged = alice.client.call(1019);
    const started = Date.now();
    // Another connection's PING while the server waits for the lock (measured here; the write
    // thread's own test holds it to 100 ms: the wait for the lock happens on that thread).
    const control = await TestClient.connect(server.port);
    clients.push(control);
    const pingSent = Date.now();
    const controlPing = control.call(1019).then(() => Date.now() - pingSent);
    expect(await sent).toEqual(['500', 'Server error']);
    const waited = Date.now() - started;
    expect(await pinged).toEqual(['200', 'PONG']);
    // The lock was held past the server's busy timeout: released only now.
    expect(lock.inTransaction).toBe(true);
    expect(server.alive).toBe(true);
    expect(alice.client.isOpen).toBe(true);

    lock.exec('ROLLBACK');
    lock.close();

    // The same connections carry on, without logging in again.
    expect(await alice.client.call(1003, [bob.id, 'after the lock'])).toEqual(['200', 'Message sent']);
    expect((await bob.client.nextPush(2001))[2]).toBe('after the lock');
    // The refused message was not stored: nothing waits for bob, and he saw only the other two.
    expect(await bob.client.call(1014)).toEqual(['0']);
    const seen = bob.client.received.filter((frame) => frame.type === 2001).map((frame) => frame.payload);
    expect(seen.map((payload) => payload.split('|')[2])).toEqual(['before the lock', 'after the lock']);
    // New users, new logins: all of it works again.
    const carol = await loggedIn(server.port, 'carol');
    clients.push(carol.client);
    expect(await carol.client.call(1005, 'alice')).toEqual(['200', 'Request sent']);

    // The failure was logged without SQL or content, as the error's name and code.
    const failures = server.logs().filter((line) => line.level === 'error' && line.msg === 'request failed');
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures[0]).toMatchObject({ error: expect.stringMatching(/SQLITE_BUSY/) });
    const logText = JSON.stringify(server.logs());
    expect(logText).not.toMatch(/INSERT|SELECT|BEGIN|while locked/);
    process.stdout.write(
      `\n500 after ${waited} ms of lock (the server's SQLite busy timeout); another connection's PING took ${await controlPing} ms\n`,
    );

    // And it still shuts down cleanly.
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
