import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TypeOrmStorage } from '../../../src/adapters/persistence/typeorm/typeorm-storage';
import type { Repositories } from '../../../src/application';
import { parseIsoTime, runAdmin } from '../../../src/bootstrap/admin-cli';
import { freshWorkerDatabase, mysqlTestUrl, rawMysql } from '../../support/mysql';
import { stored } from '../../support/stored-message';

/** 2025-11-27T14:00:00Z; the prepared rows are a minute apart from it. */
const T0 = Date.UTC(2025, 10, 27, 14, 0, 0);
const minute = (n: number): number => T0 + n * 60_000;

interface AdminRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * A database as an operator finds it: alice (offline), bob (online), carol (banned),
 * direct and group messages some of which wait, their activity, and three abuse
 * reports (two about carol, one by her). Ids start at 1.
 */
async function prepare(repos: Repositories): Promise<void> {
  const account = async (username: string, createdAt: number) => {
    const created = await repos.accounts.create({ username, passwordHash: 'x', createdAt });
    if (created === 'username-taken') throw new Error('test setup');
    await repos.activity.record({ userId: created.id, action: 'register', detail: null, at: createdAt });
    return created;
  };
  const alice = await account('alice', minute(0));
  const bob = await account('bob', minute(1));
  const carol = await account('carol', minute(2));
  await repos.sessions.open({ userId: bob.id, connectionId: 'c1', nodeId: 'main', createdAt: minute(3) });
  await repos.sessions.open({ userId: bob.id, connectionId: 'c2', nodeId: 'other', createdAt: minute(3) });
  await repos.activity.record({ userId: bob.id, action: 'login', detail: 'from=127.0.0.1', at: minute(3) });
  await repos.activity.record({ userId: null, action: 'login_failed', detail: 'username=ghost', at: minute(4) });
  await repos.accounts.setStatus(carol.id, 'banned');
  await repos.activity.record({ userId: carol.id, action: 'ban', detail: null, at: minute(5) });
  await repos.activity.record({ userId: carol.id, action: 'login_failed', detail: 'banned', at: minute(6) });
  const team = await repos.groups.create('Team', alice.id, minute(7));
  await repos.groups.addMember({ groupId: team.id, userId: bob.id, role: 'member', joinedAt: minute(7) });
  await repos.activity.record({ userId: alice.id, action: 'group_create', detail: `group=${team.id}`, at: minute(7) });
  const live = stored(await repos.messages.saveDirect({ senderId: alice.id, receiverId: bob.id, content: 'hi', sentAt: minute(8) }));
  await repos.messages.markDirectDelivered([live.id]);
  await repos.messages.saveDirect({ senderId: alice.id, receiverId: carol.id, content: 'one', sentAt: minute(8) });
  await repos.messages.saveDirect({ senderId: alice.id, receiverId: carol.id, content: 'two', sentAt: minute(9) });
  await repos.messages.saveGroup({ groupId: team.id, senderId: alice.id, content: 'team', sentAt: minute(9) }, [bob.id]);
  const report = (reporterId: number, reportedId: number, reason: string, createdAt: number) =>
    repos.safety.addReport({ reporterId, reportedId, reason, createdAt }, { max: 20, since: 0 });
  await report(bob.id, carol.id, 'spam, again and again', minute(10));
  await report(alice.id, carol.id, 'says \u001b[31mrude\nthings\u202e | with a pipe', minute(11));
  await report(carol.id, bob.id, 'he reported me', minute(12));
}

/** An empty, migrated database of the engine, whose generated ids start at 1. */
type FreshDatabase = () => Promise<{ database: string; dispose(): void }>;

const engines: Array<[string, FreshDatabase]> = [
  [
    'SQLite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'chat-admin-'));
      const database = join(dir, 'chat.sqlite');
      await (await TypeOrmStorage.open({ database })).close();
      return { database, dispose: () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
];
if (mysqlTestUrl() !== null) {
  engines.push([
    'MySQL/MariaDB',
    async () => {
      const database = await freshWorkerDatabase('admin_cli');
      const connection = await rawMysql(database);
      try {
        // Emptied tables start their ids at 1 again, so the tables below read the same on both engines.
        for (const table of ['accounts', 'activity_logs', 'groups', 'messages', 'group_messages', 'sessions', 'reports']) {
          await connection.query(`ALTER TABLE ${connection.escapeId(table)} AUTO_INCREMENT = 1`);
        }
      } finally {
        await connection.end();
      }
      return { database, dispose: () => undefined };
    },
  ]);
}

describe.each(engines)('the admin CLI on a prepared %s database', (_engine, freshDatabase) => {
  let database: string;
  let dispose = (): void => undefined;

  beforeEach(async () => {
    ({ database, dispose } = await freshDatabase());
    const storage = await TypeOrmStorage.open({ database });
    try {
      await prepare(storage.repositories);
    } finally {
      await storage.close();
    }
  });
  afterEach(() => dispose());

  async function admin(...args: string[]): Promise<AdminRun> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAdmin(args, { CHAT_DB: database }, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  function json<T>(run: AdminRun): T {
    expect(run).toMatchObject({ code: 0, err: '' });
    return JSON.parse(run.out) as T;
  }

  describe('users', () => {
    it('prints every account in an aligned table: id, name, status, online or offline, created (UTC)', async () => {
      expect(await admin('users')).toEqual({
        code: 0,
        err: '',
        out: [
          'ID  USERNAME  STATUS  ONLINE   CREATED',
          ' 1  alice     active  offline  2025-11-27T14:00:00Z',
          ' 2  bob       active  online   2025-11-27T14:01:00Z',
          ' 3  carol     banned  offline  2025-11-27T14:02:00Z',
        ].join('\n'),
      });
    });

    it('prints them as one JSON array with --json', async () => {
      expect(json(await admin('users', '--json'))).toEqual([
        { id: 1, username: 'alice', status: 'active', online: false, createdAt: '2025-11-27T14:00:00.000Z' },
        { id: 2, username: 'bob', status: 'active', online: true, createdAt: '2025-11-27T14:01:00.000Z' },
        { id: 3, username: 'carol', status: 'banned', online: false, createdAt: '2025-11-27T14:02:00.000Z' },
      ]);
    });
  });

  describe('stats', () => {
    it('prints accounts, online users, messages stored and messages waiting', async () => {
      expect(await admin('stats')).toEqual({
        code: 0,
        err: '',
        out: [
          'accounts         3  (1 banned)',
          'online now       1',
          'messages stored  4  (3 direct, 1 group)',
          'pending offline  3  (2 direct, 1 group deliveries)',
          // Delivered is not read: "hi" to bob counts too.
          'unread           4  (3 direct, 1 group, one per member)',
          'reports          3',
        ].join('\n'),
      });
    });

    it('prints them as one JSON object with --json', async () => {
      expect(json(await admin('stats', '--json'))).toEqual({
        accounts: 3,
        bannedAccounts: 1,
        reports: 3,
        onlineUsers: 1,
        directMessagesStored: 3,
        groupMessagesStored: 1,
        pendingOfflineDirect: 2,
        pendingOfflineGroup: 1,
        unreadDirect: 3,
        unreadGroup: 1,
      });
    });
  });

  describe('logs', () => {
    it('prints the activity log newest first in an aligned table', async () => {
      expect(await admin('logs')).toEqual({
        code: 0,
        err: '',
        out: [
          'ID  TIME                  USER   ACTION        DETAIL',
          ' 8  2025-11-27T14:07:00Z  alice  group_create  group=1',
          ' 7  2025-11-27T14:06:00Z  carol  login_failed  banned',
          ' 6  2025-11-27T14:05:00Z  carol  ban           -',
          ' 5  2025-11-27T14:04:00Z  -      login_failed  username=ghost',
          ' 4  2025-11-27T14:03:00Z  bob    login         from=127.0.0.1',
          ' 3  2025-11-27T14:02:00Z  carol  register      -',
          ' 2  2025-11-27T14:01:00Z  bob    register      -',
          ' 1  2025-11-27T14:00:00Z  alice  register      -',
        ].join('\n'),
      });
    });

    it('prints them as one JSON array with --json, times to the millisecond', async () => {
      const entries = json<Array<Record<string, unknown>>>(await admin('logs', '--json'));

      expect(entries).toHaveLength(8);
      expect(entries[3]).toEqual({
        id: 5,
        at: '2025-11-27T14:04:00.000Z',
        userId: null,
        username: null,
        action: 'login_failed',
        detail: 'username=ghost',
      });
      expect(entries[4]).toEqual({
        id: 4,
        at: '2025-11-27T14:03:00.000Z',
        userId: 2,
        username: 'bob',
        action: 'login',
        detail: 'from=127.0.0.1',
      });
    });

    it("--user shows one user's entries, the name in any letter case", async () => {
      expect(await admin('logs', '--user', 'CAROL')).toEqual({
        code: 0,
        err: '',
        out: [
          'ID  TIME                  USER   ACTION        DETAIL',
          ' 7  2025-11-27T14:06:00Z  carol  login_failed  banned',
          ' 6  2025-11-27T14:05:00Z  carol  ban           -',
          ' 3  2025-11-27T14:02:00Z  carol  register      -',
        ].join('\n'),
      });
    });

    it('--since keeps entries at or after the time, UTC unless an offset is given', async () => {
      const ids = async (...args: string[]) => json<Array<{ id: number }>>(await admin('logs', '--json', ...args)).map((e) => e.id);

      expect(await ids('--since', '2025-11-27T14:05:00Z')).toEqual([8, 7, 6]);
      expect(await ids('--since=2025-11-27T14:05')).toEqual([8, 7, 6]);
      expect(await ids('--since', '2025-11-27T15:05:00+01:00')).toEqual([8, 7, 6]);
      expect(await ids('--since', '2025-11-27T14:05:00.001Z')).toEqual([8, 7]);
      expect(await ids('--since', '2025-11-28')).toEqual([]);
      expect(await ids('--since', '2025-11-27')).toHaveLength(8);
    });

    it('--limit keeps the newest N, and combines with the other filters', async () => {
      const ids = async (...args: string[]) => json<Array<{ id: number }>>(await admin('logs', '--json', ...args)).map((e) => e.id);

      expect(await ids('--limit', '2')).toEqual([8, 7]);
      expect(await ids('--limit=10000')).toHaveLength(8);
      expect(await ids('--user', 'bob', '--limit', '1')).toEqual([4]);
      expect(await ids('--user', 'carol', '--since', '2025-11-27T14:03:00Z', '--limit', '5')).toEqual([7, 6]);
    });

    it('says so when nothing matches, and prints [] with --json', async () => {
      expect(await admin('logs', '--since', '2030-01-01')).toEqual({ code: 0, out: 'no activity', err: '' });
      expect(json(await admin('logs', '--since', '2030-01-01', '--json'))).toEqual([]);
    });

    it('--user with an unknown name fails with exit code 1 and prints nothing on stdout', async () => {
      expect(await admin('logs', '--user', 'nobody')).toEqual({ code: 1, out: '', err: 'admin: no user named "nobody"' });
      expect(await admin('logs', '--json', '--user', 'nobody')).toEqual({
        code: 1,
        out: '',
        err: 'admin: no user named "nobody"',
      });
    });

    it('shows control characters in stored text escaped in the table, and as they are in JSON', async () => {
      const storage = await TypeOrmStorage.open({ database });
      try {
        await storage.repositories.activity.record({
          userId: null,
          action: 'login_failed',
          detail: 'username=\u001b[2Jx\nforged\u202e',
          at: minute(10),
        });
      } finally {
        await storage.close();
      }

      const table = await admin('logs', '--limit', '1');
      expect(table.out.split('\n')[1]).toBe(' 9  2025-11-27T14:10:00Z  -     login_failed  username=\\u001b[2Jx\\nforged\\u202e');
      expect(table.out).not.toContain('\u001b');
      expect(json<Array<{ detail: string }>>(await admin('logs', '--limit', '1', '--json'))[0]!.detail).toBe(
        'username=\u001b[2Jx\nforged\u202e',
      );
    });
  });

  describe('reports', () => {
    it('prints the abuse reports newest first in an aligned table, the reason last and escaped', async () => {
      expect(await admin('reports')).toEqual({
        code: 0,
        err: '',
        out: [
          'ID  TIME                  REPORTER  REPORTED  REASON',
          ' 3  2025-11-27T14:12:00Z  carol     bob       he reported me',
          ' 2  2025-11-27T14:11:00Z  alice     carol     says \\u001b[31mrude\\nthings\\u202e | with a pipe',
          ' 1  2025-11-27T14:10:00Z  bob       carol     spam, again and again',
        ].join('\n'),
      });
    });

    it('prints them as one JSON array with --json, the reason as it was written', async () => {
      const reports = json<Array<Record<string, unknown>>>(await admin('reports', '--json'));

      expect(reports.map((r) => r['id'])).toEqual([3, 2, 1]);
      expect(reports[1]).toEqual({
        id: 2,
        at: '2025-11-27T14:11:00.000Z',
        reporter: { id: 1, username: 'alice' },
        reported: { id: 3, username: 'carol' },
        reason: 'says \u001b[31mrude\nthings\u202e | with a pipe',
      });
    });

    it('--user keeps the reports about that user (not those made by them), the name in any letter case', async () => {
      const ids = async (...args: string[]) => json<Array<{ id: number }>>(await admin('reports', '--json', ...args)).map((r) => r.id);

      expect(await ids('--user', 'CAROL')).toEqual([2, 1]);
      expect(await ids('--user', 'bob')).toEqual([3]);
      expect(await ids('--user', 'alice')).toEqual([]);
    });

    it('--since and --limit keep the newest from a time on, alone or with --user', async () => {
      const ids = async (...args: string[]) => json<Array<{ id: number }>>(await admin('reports', '--json', ...args)).map((r) => r.id);

      expect(await ids('--since', '2025-11-27T14:11:00Z')).toEqual([3, 2]);
      expect(await ids('--since', '2025-11-27T14:11:00.001Z')).toEqual([3]);
      expect(await ids('--limit', '2')).toEqual([3, 2]);
      expect(await ids('--user', 'carol', '--limit', '1')).toEqual([2]);
      expect(await ids('--user', 'carol', '--since', '2025-11-27T14:10:30Z')).toEqual([2]);
    });

    it('says so when nothing matches, prints [] with --json, and fails with exit code 1 for an unknown user', async () => {
      expect(await admin('reports', '--since', '2030-01-01')).toEqual({ code: 0, out: 'no reports', err: '' });
      expect(json(await admin('reports', '--user', 'alice', '--json'))).toEqual([]);
      expect(await admin('reports', '--user', 'nobody')).toEqual({ code: 1, out: '', err: 'admin: no user named "nobody"' });
    });
  });

  describe('ban and unban', () => {
    it('bans and unbans, and the change shows in users, stats and logs', async () => {
      expect(await admin('ban', 'Alice')).toEqual({
        code: 0,
        err: '',
        out: 'banned alice (id 1); a running server closes their connections within 5 seconds',
      });
      expect(json<Array<{ status: string }>>(await admin('users', '--json'))[0]!.status).toBe('banned');
      expect(json<{ bannedAccounts: number }>(await admin('stats', '--json')).bannedAccounts).toBe(2);
      expect(json<Array<{ action: string; username: string }>>(await admin('logs', '--json', '--limit', '1'))).toEqual([
        expect.objectContaining({ action: 'ban', username: 'alice' }),
      ]);

      expect(await admin('ban', 'alice')).toEqual({ code: 0, err: '', out: 'alice (id 1) was already banned' });
      expect(await admin('unban', 'alice')).toEqual({ code: 0, err: '', out: 'unbanned alice (id 1)' });
      expect(await admin('unban', 'alice')).toEqual({ code: 0, err: '', out: 'alice (id 1) was not banned' });
    });

    it('prints the outcome as one JSON object with --json', async () => {
      expect(json(await admin('ban', '--json', 'bob'))).toEqual({
        user: { id: 2, username: 'bob' },
        status: 'banned',
        changed: true,
      });
      expect(json(await admin('unban', 'carol', '--json'))).toEqual({
        user: { id: 3, username: 'carol' },
        status: 'active',
        changed: true,
      });
      expect(json(await admin('unban', 'carol', '--json'))).toMatchObject({ changed: false });
    });

    it('fails with exit code 1 for an unknown user', async () => {
      expect(await admin('ban', 'nobody')).toEqual({ code: 1, out: '', err: 'admin: no user named "nobody"' });
      expect(await admin('unban', 'nobody', '--json')).toEqual({ code: 1, out: '', err: 'admin: no user named "nobody"' });
    });
  });

  describe('tokens and revoke-tokens', () => {
    async function issueTokens(username: string, times: readonly number[]): Promise<void> {
      const storage = await TypeOrmStorage.open({ database });
      try {
        const account = (await storage.repositories.accounts.findByUsername(username))!;
        for (const [i, at] of times.entries()) {
          await storage.repositories.sessionTokens.issue(
            { userId: account.id, tokenHash: `${username}-${i}`.padEnd(64, '0'), createdAt: at, expiresAt: at + 30 * 86_400_000 },
            20,
            at,
          );
        }
      } finally {
        await storage.close();
      }
    }

    it('lists a user’s live tokens by their times, never the token, and revokes them all', async () => {
      const now = Date.now();
      await issueTokens('alice', [Date.UTC(2026, 10, 1, 9), now - 1000]);
      await issueTokens('bob', [now]);
      const listed = await admin('tokens', 'ALICE');
      expect(listed.code).toBe(0);
      expect(listed.out.split('\n')).toEqual([
        'alice (id 1) has 1 live session token:',
        'CREATED               EXPIRES',
        `${new Date(now - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')}  ${new Date(now - 1000 + 30 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
      ]);
      expect(listed.out).not.toMatch(/alice-/);
      expect(json(await admin('tokens', 'bob', '--json'))).toEqual({
        user: { id: 2, username: 'bob' },
        count: 1,
        tokens: [{ createdAt: new Date(now).toISOString(), expiresAt: new Date(now + 30 * 86_400_000).toISOString() }],
      });

      expect(await admin('revoke-tokens', 'alice')).toEqual({ code: 0, err: '', out: 'revoked 1 session token of alice (id 1)' });
      expect(await admin('tokens', 'alice')).toEqual({ code: 0, err: '', out: 'alice (id 1) has no live session tokens' });
      expect(json(await admin('revoke-tokens', 'bob', '--json'))).toEqual({ user: { id: 2, username: 'bob' }, revoked: 1 });
    });

    it('fails with exit code 1 for an unknown user, and 2 without exactly one name', async () => {
      expect(await admin('tokens', 'nobody')).toEqual({ code: 1, out: '', err: 'admin: no user named "nobody"' });
      expect(await admin('revoke-tokens', 'nobody')).toEqual({ code: 1, out: '', err: 'admin: no user named "nobody"' });
      expect((await admin('tokens')).code).toBe(2);
      expect((await admin('revoke-tokens', 'a', 'b')).code).toBe(2);
    });
  });

  describe('usage', () => {
    it.each([
      [['frobnicate'], 'unknown command "frobnicate"'],
      [['users', '--verbose'], 'unknown option "--verbose" for users'],
      [['stats', '--user', 'bob'], 'unknown option "--user" for stats'],
      [['users', 'extra'], 'users takes no argument "extra"'],
      [['ban'], 'ban takes exactly one USERNAME'],
      [['unban', 'a', 'b'], 'unban takes exactly one USERNAME'],
      [['logs', '--limit'], '--limit needs a value'],
      [['logs', '--limit', '0'], '--limit must be a whole number from 1 to 10000 (got "0")'],
      [['logs', '--limit', '10001'], '--limit must be a whole number from 1 to 10000 (got "10001")'],
      [['logs', '--limit', '5x'], '--limit must be a whole number from 1 to 10000 (got "5x")'],
      [['logs', '--limit=-3'], '--limit must be a whole number from 1 to 10000 (got "-3")'],
      [['logs', '--since', 'yesterday'], '--since must be an ISO 8601 date or time'],
      [['logs', '--since', '2025-02-30'], '--since must be an ISO 8601 date or time'],
      [['logs', '--since', '2025-11-27T25:00Z'], '--since must be an ISO 8601 date or time'],
      [['logs', '--user', 'a', '--user', 'b'], '--user is given twice'],
      [['users', '--json=yes'], '--json takes no value'],
      [['reports', '--limit', '0'], '--limit must be a whole number from 1 to 10000 (got "0")'],
      [['reports', '--since', 'today'], '--since must be an ISO 8601 date or time'],
      [['reports', 'carol'], 'reports takes no argument "carol"'],
    ])('%j fails with exit code 2, the reason and the usage on stderr', async (args, reason) => {
      const run = await admin(...args);

      expect(run.code).toBe(2);
      expect(run.out).toBe('');
      expect(run.err.startsWith(`admin: ${reason}`)).toBe(true);
      expect(run.err).toContain('usage: npm run admin -- <command> [options]');
    });

    it('prints the usage on stdout with exit code 0 for help, --help and -h, on stderr with 2 for no command', async () => {
      for (const args of [['help'], ['--help'], ['logs', '--help'], ['ban', '-h']]) {
        const run = await admin(...args);
        expect(run).toMatchObject({ code: 0, err: '' });
        expect(run.out).toContain('logs [--user NAME] [--since TIME] [--limit N]');
        expect(run.out).toContain('reports [--user NAME] [--since TIME] [--limit N]');
        expect(run.out).toContain('Exit codes: 0 done, 1 not found or failed');
      }
      const none = await admin();
      expect(none).toMatchObject({ code: 2, out: '' });
      expect(none.err).toContain('usage: npm run admin');
    });

    it('takes a name that starts with "-" after "--"', async () => {
      const storage = await TypeOrmStorage.open({ database });
      try {
        await storage.repositories.accounts.create({ username: '-dash-', passwordHash: 'x', createdAt: minute(11) });
      } finally {
        await storage.close();
      }

      expect(await admin('ban', '-dash-')).toMatchObject({ code: 2 });
      expect(await admin('ban', '--', '-dash-')).toMatchObject({ code: 0, out: expect.stringMatching(/^banned -dash- /) });
      expect(json(await admin('logs', '--json', '--user', '-dash-', '--limit', '1'))).toEqual([
        expect.objectContaining({ action: 'ban', username: '-dash-' }),
      ]);
    });
  });
});

describe('the admin CLI when the database cannot be used', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat-admin-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function admin(env: NodeJS.ProcessEnv, ...args: string[]): Promise<AdminRun> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAdmin(args, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('refuses a SQLite path where there is no database, and creates nothing there', async () => {
    const database = join(dir, 'typo', 'chat.sqlite');

    const run = await admin({ CHAT_DB: database }, 'users');

    expect(run).toMatchObject({ code: 1, out: '' });
    expect(run.err).toBe(
      `admin: no database at ${database} (CHAT_DB): point CHAT_DB at the server's database; the server creates it when it first starts`,
    );
    expect(existsSync(join(dir, 'typo'))).toBe(false);
  });

  it('fails with exit code 1 and never shows the password when MySQL cannot be reached', async () => {
    const env = { CHAT_DB: 'mysql://chat:Very%2FSecret-99@127.0.0.1:1/chat', CHAT_DB_CONNECT_TIMEOUT_MS: '2000' };

    const run = await admin(env, 'stats');

    expect(run).toMatchObject({ code: 1, out: '' });
    expect(run.err).toMatch(/^admin: cannot open the MySQL database chat@127\.0\.0\.1:1\/chat \(ECONNREFUSED\)$/);
    expect(run.err).not.toMatch(/Very|Secret/);
  });

  it('fails with exit code 1 and a clear message for a CHAT_DB it cannot use', async () => {
    const run = await admin({ CHAT_DB: 'postgres://chat:pw@db/chat' }, 'users');

    expect(run).toMatchObject({ code: 1, out: '' });
    expect(run.err).toMatch(/^admin: CHAT_DB: a SQLite file path, :memory: or mysql:\/\/.* is supported \(got a postgres:\/\/ URL\)$/);
  });

  it('fails with exit code 1 when the file is not a database', async () => {
    const database = join(dir, 'notes.txt');
    writeFileSync(database, 'these are not the tables you are looking for\n'.repeat(100));

    const run = await admin({ CHAT_DB: database }, 'users');

    expect(run).toMatchObject({ code: 1, out: '' });
    expect(run.err).toMatch(new RegExp(`^admin: cannot open the database ${database.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
  });
});

describe('parseIsoTime', () => {
  it.each([
    ['2025-11-27', Date.UTC(2025, 10, 27)],
    ['2025-11-27T14:05', Date.UTC(2025, 10, 27, 14, 5)],
    ['2025-11-27T14:05:09', Date.UTC(2025, 10, 27, 14, 5, 9)],
    ['2025-11-27T14:05:09.123Z', Date.UTC(2025, 10, 27, 14, 5, 9, 123)],
    ['2025-11-27T14:05:09.1234567Z', Date.UTC(2025, 10, 27, 14, 5, 9, 123)],
    ['2025-11-27T15:05:09+01:00', Date.UTC(2025, 10, 27, 14, 5, 9)],
    ['2025-11-27T09:35-0430', Date.UTC(2025, 10, 27, 14, 5)],
    ['2024-02-29T00:00Z', Date.UTC(2024, 1, 29)],
  ])('reads %s', (text, expected) => {
    expect(parseIsoTime(text)).toBe(expected);
  });

  it('reads a year below 100 as that year, not 1900 and more', () => {
    expect(new Date(parseIsoTime('0050-03-01')!).toISOString()).toBe('0050-03-01T00:00:00.000Z');
  });

  it.each([
    'yesterday',
    '',
    '2025-11-27 14:05',
    '2025-13-01',
    '2025-02-29',
    '2025-11-31',
    '2025-11-27T24:00',
    '2025-11-27T14:60',
    '2025-11-27T14:05:60',
    '2025-11-27T14:05+25:00',
    '2025-11-27Z',
    '1764252300000',
    '27/11/2025',
  ])('refuses %j', (text) => {
    expect(parseIsoTime(text)).toBeNull();
  });
});
