import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import {
  createDataSource,
  createMysqlDataSource,
  MYSQL_MIGRATIONS,
  SQLITE_MIGRATIONS,
} from '../../src/adapters/persistence/typeorm/data-source';
import { parseMysqlUrl } from '../../src/adapters/persistence/typeorm/database-url';
import { TypeOrmStorage } from '../../src/adapters/persistence/typeorm/typeorm-storage';
import { mysqlTestUrl, recreateDatabase, urlOfDatabase, workerDatabaseName } from '../support/mysql';

const T0 = 1_764_800_000_000;
const at = (offset: number): number => T0 + offset;
const NEWEST = Number.MAX_SAFE_INTEGER;

/** The migrations that come before the named one. */
function before<M extends { name: string }>(migrations: readonly M[], name: string): M[] {
  const index = migrations.findIndex((m) => m.name === name);
  if (index < 0) throw new Error(`no migration ${name}`);
  return migrations.slice(0, index);
}

/** A database at the version before the history migration, and how to reach it. */
interface PreviousVersion {
  readonly database: string;
  /** The data source that migrated it, still open, for filling it in with plain SQL. */
  readonly dataSource: DataSource;
  /** `groups`, quoted as the engine wants it. */
  readonly groups: string;
  dispose(): void;
}

const engines: Array<[string, () => Promise<PreviousVersion>]> = [
  [
    'SQLite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'chat-history-migration-'));
      const database = join(dir, 'chat.sqlite');
      const dataSource = createDataSource({ database }).setOptions({ migrations: before(SQLITE_MIGRATIONS, 'History1764892800000') });
      await dataSource.initialize();
      await dataSource.runMigrations({ transaction: 'each' });
      return { database, dataSource, groups: '"groups"', dispose: () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
];
const mysqlUrl = mysqlTestUrl();
if (mysqlUrl !== null) {
  engines.push([
    'MySQL/MariaDB',
    async () => {
      const name = workerDatabaseName(mysqlUrl, 'history');
      await recreateDatabase(mysqlUrl, name);
      const database = urlOfDatabase(mysqlUrl, name);
      const dataSource = createMysqlDataSource(parseMysqlUrl(database), { poolSize: 1 }).setOptions({
        migrations: before(MYSQL_MIGRATIONS, 'HistoryMysql1764892800000'),
      });
      await dataSource.initialize();
      await dataSource.runMigrations({ transaction: 'none' });
      return { database, dataSource, groups: '`groups`', dispose: () => undefined };
    },
  ]);
}

describe.each(engines)('the history migration on %s', (_engine, previousVersion) => {
  let previous: PreviousVersion;
  let storage: TypeOrmStorage | null = null;

  beforeEach(async () => {
    previous = await previousVersion();
  });

  afterEach(async () => {
    if (previous.dataSource.isInitialized) await previous.dataSource.destroy();
    await storage?.close();
    storage = null;
    previous.dispose();
  });

  /** Users 1-4 (alice, bob, carol, dave) and group 1 (Team), messages both ways, as the previous version stored them. */
  async function fillPreviousVersion(): Promise<void> {
    const { dataSource, groups } = previous;
    const run = (sql: string, values: unknown[] = []): Promise<unknown> => dataSource.query(sql, values);
    for (const [id, name] of [
      [1, 'alice'],
      [2, 'bob'],
      [3, 'carol'],
      [4, 'dave'],
    ] as const) {
      await run('INSERT INTO accounts (id, username, username_key, password_hash, created_at) VALUES (?, ?, ?, ?, ?)', [
        id,
        name,
        name,
        'h',
        T0,
      ]);
    }
    const direct = [
      [1, 1, 2, 'a1', 10, 1],
      [2, 2, 1, 'b1', 20, 1],
      [3, 1, 2, 'a2', 30, 0],
      [4, 3, 1, 'c1', 40, 0],
      [5, 1, 1, 'to self', 45, 0],
      [6, 1, 2, 'a3', 50, 0],
      [7, 3, 1, 'c2', 60, 0],
    ] as const;
    for (const [id, sender, receiver, content, offset, delivered] of direct) {
      await run('INSERT INTO messages (id, sender_id, receiver_id, content, created_at, delivered) VALUES (?, ?, ?, ?, ?, ?)', [
        id,
        sender,
        receiver,
        content,
        at(offset),
        delivered,
      ]);
    }
    await run(`INSERT INTO ${groups} (id, name, created_by, created_at) VALUES (1, 'Team', 1, ?)`, [at(0)]);
    await run(`INSERT INTO ${groups} (id, name, created_by, created_at) VALUES (2, 'Quiet', 4, ?)`, [at(0)]);
    for (const [group, user, role, offset] of [
      [1, 1, 'admin', 0],
      [1, 2, 'member', 100],
      [1, 3, 'member', 250],
      [2, 4, 'admin', 0],
    ] as const) {
      await run('INSERT INTO group_members (group_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)', [group, user, role, at(offset)]);
    }
    for (const [id, sender, content, offset] of [
      [1, 1, 'g1', 50],
      [2, 2, 'g2', 150],
      [3, 1, 'g3', 200],
      [4, 3, 'g4', 300],
    ] as const) {
      await run('INSERT INTO group_messages (id, group_id, sender_id, content, created_at) VALUES (?, 1, ?, ?, ?)', [
        id,
        sender,
        content,
        at(offset),
      ]);
    }
    await previous.dataSource.destroy();
  }

  it('keeps every message, and fills in the conversations with everything unread', async () => {
    await fillPreviousVersion();

    storage = await TypeOrmStorage.open({ database: previous.database });
    const { conversations, reports, messages } = storage.repositories;

    // Kept as they were, both ways, and none read yet.
    const history = await conversations.directHistory(1, 2, NEWEST, 10);
    expect(history.map((m) => [m.content, m.senderUsername, m.sentAt, m.read])).toEqual([
      ['a3', 'alice', at(50), false],
      ['a2', 'alice', at(30), false],
      ['b1', 'bob', at(20), false],
      ['a1', 'alice', at(10), false],
    ]);
    expect((await messages.listUndeliveredDirect(1, 10)).map((m) => m.content)).toEqual(['c1', 'to self', 'c2']);

    const inbox = async (user: number) =>
      (await conversations.listConversations(user, 10, null)).map((c) => [c.kind, c.name, c.lastMessageId, c.lastSentAt, c.unreadCount]);
    expect(await inbox(1)).toEqual([
      ['group', 'Team', 4, at(300), 2],
      ['direct', 'carol', 7, at(60), 2],
      ['direct', 'bob', 6, at(50), 1],
    ]);
    expect(await inbox(2)).toEqual([
      ['group', 'Team', 4, at(300), 2],
      ['direct', 'alice', 6, at(50), 3],
    ]);
    // Carol joined after g1-g3: only her own g4 is hers to see.
    expect(await inbox(3)).toEqual([
      ['group', 'Team', 4, at(300), 0],
      ['direct', 'alice', 7, at(60), 0],
    ]);
    expect(await inbox(4)).toEqual([]);
    expect((await conversations.groupHistory(3, 1, NEWEST, 10))!.map((m) => m.content)).toEqual(['g4']);
    expect((await conversations.groupHistory(2, 1, NEWEST, 10))!.map((m) => m.content)).toEqual(['g4', 'g3', 'g2']);
    expect(await conversations.groupHistory(4, 2, NEWEST, 10)).toEqual([]);
    expect(await reports.stats()).toMatchObject({ directMessagesStored: 7, unreadDirect: 6, unreadGroup: 4 });

    // And it all works on from there.
    expect(await conversations.markDirectRead(2, 1, NEWEST)).toEqual({ changed: 3, upToId: 6 });
    expect(await conversations.markGroupRead(2, 1, NEWEST)).toEqual({ changed: 2, upToId: 4 });
    await messages.saveDirect({ senderId: 1, receiverId: 2, content: 'a4', sentAt: at(400) });
    expect(await inbox(2)).toEqual([
      ['direct', 'alice', expect.any(Number), at(400), 1],
      ['group', 'Team', 4, at(300), 0],
    ]);
  });
});
