import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freshDatabase, projectEngine, type EngineDatabase } from '../support/engines';
import { startTestServer, type TestServer } from '../support/e2e-server';

/**
 * The built operator CLI (`npm test` builds first), as `npm run admin` and the
 * `chat-admin` bin run it, on the database of a server that is running, with a user
 * logged in. It needs a database two processes share: SQLite or MySQL/MariaDB; the
 * in-memory project has none, so there it is skipped.
 */
const ADMIN = join(__dirname, '..', '..', 'dist', 'src', 'bootstrap', 'admin-cli.js');
const engine = projectEngine();

interface AdminRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function spawnAdmin(database: string, ...args: string[]): Promise<AdminRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [ADMIN, ...args], { env: { ...process.env, CHAT_DB: database }, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

interface UserRow {
  readonly id: number;
  readonly username: string;
  readonly status: string;
  readonly online: boolean;
}

(engine === 'in-memory' ? describe.skip : describe)(`the built admin CLI beside a running server (${engine})`, () => {
  let database: EngineDatabase;
  let server: TestServer;

  beforeAll(() => {
    if (!existsSync(ADMIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  });
  beforeEach(async () => {
    database = await freshDatabase(engine);
    server = await startTestServer({ storage: database.storage });
  });
  afterEach(async () => {
    await server.stop();
    database.dispose();
  });

  it('shows who is online in `users --json` and counts them in `stats`, and sees them go offline', async () => {
    const alice = await server.user('alice');
    const bob = await server.user('bob');
    expect(await bob.client.call(1002)).toEqual(['200', 'Logged out successfully']);
    expect(await alice.client.call(1003, [String(bob.id), 'see you later'])).toEqual(['200', 'Message sent']);

    const users = await spawnAdmin(database.storage, 'users', '--json');
    expect(users).toMatchObject({ code: 0, stderr: '' });
    expect((JSON.parse(users.stdout) as UserRow[]).map(({ id, username, status, online }) => ({ id, username, status, online }))).toEqual([
      { id: alice.id, username: 'alice', status: 'active', online: true },
      { id: bob.id, username: 'bob', status: 'active', online: false },
    ]);

    const stats = await spawnAdmin(database.storage, 'stats');
    expect(stats).toMatchObject({ code: 0, stderr: '' });
    expect(stats.stdout).toBe(
      [
        'accounts         2  (0 banned)',
        'online now       1',
        'messages stored  1  (1 direct, 0 group)',
        'pending offline  1  (1 direct, 0 group deliveries)',
        'unread           1  (1 direct, 0 group, one per member)',
        'reports          0',
        '',
      ].join('\n'),
    );

    expect(await alice.client.call(1002)).toEqual(['200', 'Logged out successfully']);
    const after = await spawnAdmin(database.storage, 'users', '--json');
    expect((JSON.parse(after.stdout) as UserRow[]).map((user) => user.online)).toEqual([false, false]);
  });

  it('lists the abuse reports users made (REPORT_USER), newest first, the reason escaped, and counts them in `stats`', async () => {
    const alice = await server.user('alice');
    const bob = await server.user('bob');
    const carol = await server.user('carol');
    expect(await alice.client.call(1032, [bob.id, 'spam, every hour'])).toEqual(['200', 'Reported']);
    expect(await carol.client.call(1032, [bob.id, 'says \u001b[2Jthings\nover two lines'])).toEqual(['200', 'Reported']);
    expect(await bob.client.call(1032, [alice.id, 'she reported me'])).toEqual(['200', 'Reported']);

    const table = await spawnAdmin(database.storage, 'reports');
    expect(table).toMatchObject({ code: 0, stderr: '' });
    // Ids are right-aligned, and on MySQL they need not start at 1.
    const lines = table.stdout.trimEnd().split('\n').map((line) => line.trim());
    expect(lines[0]).toMatch(/^ID\s+TIME\s+REPORTER\s+REPORTED\s+REASON$/);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/).slice(2))).toEqual([
      ['bob', 'alice', 'she reported me'],
      ['carol', 'bob', 'says \\u001b[2Jthings\\nover two lines'],
      ['alice', 'bob', 'spam, every hour'],
    ]);
    expect(table.stdout).not.toContain('\u001b');

    const aboutBob = await spawnAdmin(database.storage, 'reports', '--user', 'BOB', '--json');
    expect(aboutBob).toMatchObject({ code: 0, stderr: '' });
    expect((JSON.parse(aboutBob.stdout) as Array<{ reporter: { username: string }; reason: string }>).map((r) => [r.reporter.username, r.reason])).toEqual([
      ['carol', 'says \u001b[2Jthings\nover two lines'],
      ['alice', 'spam, every hour'],
    ]);
    expect((JSON.parse((await spawnAdmin(database.storage, 'stats', '--json')).stdout) as { reports: number }).reports).toBe(3);
    // The activity log has the reports, never their reasons.
    const logs = await spawnAdmin(database.storage, 'logs', '--json');
    expect(logs.stdout).toContain('"action": "report"');
    expect(logs.stdout).not.toMatch(/spam|things|reported me/);
  });

  it('exits 1 with the reason on stderr for an unknown user, and 2 for bad usage', async () => {
    expect(await spawnAdmin(database.storage, 'logs', '--user', 'nobody')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'admin: no user named "nobody"\n',
    });
    const usage = await spawnAdmin(database.storage, 'logs', '--limit', 'lots');
    expect(usage.code).toBe(2);
    expect(usage.stdout).toBe('');
    expect(usage.stderr).toMatch(/^admin: --limit must be a whole number from 1 to 10000 \(got "lots"\)\n\nusage: /);
  });
});
