import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { befriend } from '../support/e2e-server';
import { ROOT, SERVER_MAIN as MAIN, startServerProcess as startProcess, type ServerProcess } from '../support/server-process';
import { TestClient } from '../support/test-client';

/**
 * The built server as `npm start` runs it (`npm test` builds first): a real process
 * configured through CHAT_* variables.
 */
const ADMIN = join(ROOT, 'dist', 'src', 'bootstrap', 'admin-cli.js');

async function loggedIn(port: number, name: string): Promise<{ client: TestClient; id: number; name: string }> {
  const client = await TestClient.connect(port);
  await client.call(1000, [name, 'password123']);
  const [status, id] = await client.call(1001, [name, 'password123']);
  expect(status).toBe('200');
  return { client, id: Number(id), name };
}

describe('the server process', () => {
  let dir: string;
  let running: ServerProcess[] = [];
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat-process-'));
  });
  afterEach(() => {
    for (const server of running) server.child.kill('SIGKILL');
    running = [];
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the database folder, logs its real port, and on SIGTERM tells friends and exits 0', async () => {
    const database = join(dir, 'nested', 'folder', 'chat.sqlite');
    const server = await startProcess({ CHAT_DB: database });
    running.push(server);
    expect(existsSync(database)).toBe(true);
    const alice = await loggedIn(server.port, 'alice');
    const bob = await loggedIn(server.port, 'bob');
    await befriend(alice, bob);
    const bobSees = bob.client.nextPush(2006);
    const outputEnded = new Promise((resolve) => server.child.once('close', resolve));
    server.child.kill('SIGTERM');
    expect(await bobSees).toEqual([String(alice.id), 'alice', 'offline']);
    expect((await server.exited).code).toBe(0);
    await Promise.all([alice.client.closed, bob.client.closed]);
    await outputEnded;
    // The lines written just before process.exit are not lost.
    const messages = server.logs().map((line) => line.msg);
    expect(messages.at(-1)).toBe('stopped');
    expect(messages.filter((msg) => msg === 'connection closed')).toHaveLength(2);
    expect(messages.indexOf('shutting down')).toBeLessThan(messages.indexOf('connection closed'));
    const listening = server.logs().find((line) => line.msg === 'chat server listening');
    expect(listening).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      msg: 'chat server listening',
      host: '127.0.0.1',
      port: server.port,
      httpPort: expect.any(Number),
      database,
      tls: false,
    });
    expect(server.otherOutput()).toBe('');
  });

  it('clears sessions a crash left behind when it starts again', async () => {
    const database = join(dir, 'chat.sqlite');
    const first = await startProcess({ CHAT_DB: database });
    running.push(first);
    const alice = await loggedIn(first.port, 'alice');
    const countSessions = (): number => {
      const db = new Database(database);
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    expect(countSessions()).toBe(1);
    first.child.kill('SIGKILL');
    await first.exited;
    await alice.client.closed;
    const second = await startProcess({ CHAT_DB: database });
    running.push(second);
    expect(countSessions()).toBe(0);
    // The account survived the crash.
    const again = await TestClient.connect(second.port);
    expect((await again.call(1001, ['alice', 'password123']))[0]).toBe('200');
    await again.destroy();
  });

  it('bans through the admin command while the server runs', async () => {
    const database = join(dir, 'chat.sqlite');
    const server = await startProcess({ CHAT_DB: database });
    running.push(server);
    const bob = await loggedIn(server.port, 'bob');
    const ban = spawnSync(process.execPath, [ADMIN, 'ban', 'bob'], { env: { ...process.env, CHAT_DB: database }, encoding: 'utf8' });
    expect(ban.status).toBe(0);
    expect(ban.stdout).toMatch(/banned bob/);
    await bob.client.closed;
    const unknown = spawnSync(process.execPath, [ADMIN, 'ban', 'nobody'], { env: { ...process.env, CHAT_DB: database }, encoding: 'utf8' });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no user named "nobody"/);
  });

  it('refuses to start with a clear message when a variable is wrong', async () => {
    const result = spawnSync(process.execPath, [MAIN], {
      env: { ...process.env, CHAT_PORT: 'ninety', CHAT_DB: join(dir, 'x.sqlite') },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/CHAT_PORT must be a whole number/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
