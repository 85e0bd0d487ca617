import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { SERVER_MAIN, startServerProcess, type ServerProcess } from '../../support/server-process';
import { logIn, TestClient } from '../../support/test-client';

/**
 * The built server on a SQLite file, whose write paths run on the write thread: the
 * event loop keeps serving while the write lock is held elsewhere, and a crash in the
 * middle of a batch loses nothing the server acknowledged.
 */
describe('the SQLite write thread, in the server process', () => {
  let dir: string;
  let database: string;
  const running: ServerProcess[] = [];
  const holders: ChildProcess[] = [];

  beforeAll(() => {
    if (!existsSync(SERVER_MAIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat-write-thread-'));
    database = join(dir, 'chat.sqlite');
  });
  afterEach(() => {
    for (const server of running.splice(0)) server.child.kill('SIGKILL');
    for (const holder of holders.splice(0)) holder.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(env: Record<string, string> = {}): Promise<ServerProcess> {
    const server = await startServerProcess({ CHAT_DB: database, ...env });
    running.push(server);
    return server;
  }

  /** Another process that takes the write lock, says so, and holds it for `ms`. */
  function holdWriteLock(ms: number): Promise<{ released: Promise<void> }> {
    const script = `
      const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const db = new Database(${JSON.stringify(database)});
      db.prepare('BEGIN IMMEDIATE').run();
      process.stdout.write('locked\\n');
      setTimeout(() => { db.prepare('COMMIT').run(); db.close(); process.stdout.write('released\\n'); }, ${ms});`;
    const holder = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    holders.push(holder);
    let output = '';
    let onReleased: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (onReleased = resolve));
    return new Promise((resolve, reject) => {
      holder.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('locked\n')) resolve({ released });
        if (output.includes('released\n')) onReleased();
      });
      holder.on('exit', (code) => {
        if (!output.includes('locked\n')) reject(new Error(`the lock holder exited with ${code}`));
      });
    });
  }

  it('answers PING within 100 ms while another process holds the write lock for 3 s, and stores the messages sent meanwhile', async () => {
    const server = await start();
    const alice = await logIn(server.port, 'alice', true);
    const bob = await logIn(server.port, 'bob', true);
    const pinger = await TestClient.connect(server.port);

    const { released } = await holdWriteLock(3000);
    let releasedAt = Infinity;
    void released.then(() => (releasedAt = performance.now()));
    const sends = [1, 2, 3].map((n) => alice.client.call(1003, [bob.id, `while locked ${n}`]));
    // Each PING is answered at once, though the sends before it wait for the lock.
    const pings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const asked = performance.now();
      expect(await pinger.call(1019)).toEqual(['200', 'PONG']);
      pings.push(performance.now() - asked);
    }
    expect(Math.max(...pings)).toBeLessThan(100);

    // The sends are acknowledged once the lock is free, not failed.
    expect(await Promise.all(sends)).toEqual([1, 2, 3].map(() => ['200', 'Message sent']));
    expect(performance.now()).toBeGreaterThanOrEqual(releasedAt);
    const received = await bob.client.nextPush(2001, (fields) => fields.includes('while locked 3'));
    expect(received).toContain('while locked 3');
    await Promise.all([alice.client.destroy(), bob.client.destroy(), pinger.destroy()]);
  });

  it('loses no acknowledged message when killed with SIGKILL in the middle of batches', async () => {
    const server = await start({ CHAT_RATE_BURST: '1000000', CHAT_RATE_PER_S: '1000000' });
    const alice = await logIn(server.port, 'alice', true);
    const bob = await logIn(server.port, 'bob', true);
    // A window of 500 sends in flight, each reply making room for the next: the server is
    // killed while it is storing some of them, whatever the speed of either side.
    const window = 500;
    const killAfter = 3000;
    const sends: Promise<string[]>[] = [];
    let answered = 0;
    let killing: Promise<void> | null = null;
    const killed = new Promise<void>((resolve) => {
      const send = (): void => {
        if (killing) return;
        const n = sends.length;
        const reply = alice.client.call(1003, [bob.id, `m${n}`]).then((fields) => {
          if (++answered === killAfter) killing = server.kill().then(resolve);
          send();
          return fields;
        });
        // The ones in flight fail when the server dies: read below, with the others.
        reply.catch(() => undefined);
        sends.push(reply);
      };
      for (let i = 0; i < window; i++) send();
    });
    await killed;
    const outcomes = await Promise.allSettled(sends);
    const acknowledged = outcomes.flatMap((outcome, n) =>
      outcome.status === 'fulfilled' && outcome.value[0] === '200' ? [n] : [],
    );
    expect(acknowledged.length).toBeGreaterThanOrEqual(killAfter);
    // The server died before it answered them all: some were in flight.
    expect(acknowledged.length).toBeLessThan(sends.length);

    const db = new Database(database, { readonly: true });
    try {
      const stored = new Set(db.prepare('SELECT content FROM messages').pluck().all());
      expect(acknowledged.filter((n) => !stored.has(`m${n}`))).toEqual([]);
    } finally {
      db.close();
    }
    await bob.client.destroy();
  });
});
