import type { RowDataPacket } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import type { DataSource, EntitySubscriberInterface } from 'typeorm';
import { createDataSource, createMysqlDataSource } from '../../src/adapters/persistence/typeorm/data-source';
import { parseMysqlUrl } from '../../src/adapters/persistence/typeorm/database-url';
import { migrateDatabase, migrationStates, revertLastMigration } from '../../src/adapters/persistence/typeorm/migration-runner';
import { MysqlExecutor } from '../../src/adapters/persistence/typeorm/mysql-executor';
import { TypeOrmMessageRepository } from '../../src/adapters/persistence/typeorm/repositories/typeorm-message.repository';
import { TypeOrmStorage } from '../../src/adapters/persistence/typeorm/typeorm-storage';
import { isUniqueViolation } from '../../src/adapters/persistence/typeorm/unique-violation';
import type { Repositories } from '../../src/application/ports';
import type { Account } from '../../src/domain';
import { stored } from '../support/stored-message';
import {
  describeOnMysql,
  freshWorkerDatabase,
  rawMysql,
  recreateDatabase,
  requireMysqlUrl,
  urlOfDatabase,
  workerDatabaseName,
} from '../support/mysql';

const T0 = 1_764_201_600_000;

const TABLES = [
  'accounts',
  'activity_logs',
  'blocks',
  'direct_conversations',
  'friend_lists',
  'friend_requests',
  'group_members',
  'group_message_deliveries',
  'group_messages',
  'groups',
  'messages',
  'reports',
  'session_tokens',
  'sessions',
];

const toClose: Array<{ close(): Promise<unknown> }> = [];

afterEach(async () => {
  for (const resource of toClose.splice(0).reverse()) await resource.close();
});

async function open(database: string, options: { poolSize?: number; queryTimeoutMs?: number } = {}): Promise<TypeOrmStorage> {
  const storage = await TypeOrmStorage.open({ database, ...options });
  toClose.push(storage);
  return storage;
}

async function raw(url: string, database?: string): Promise<Connection> {
  const connection = await rawMysql(url, database === undefined ? {} : { database });
  toClose.push({ close: () => connection.end() });
  return connection;
}

async function connected(dataSource: DataSource): Promise<DataSource> {
  await dataSource.initialize();
  toClose.push({ close: async () => dataSource.isInitialized && dataSource.destroy() });
  return dataSource;
}

async function register(repos: Repositories, username: string): Promise<Account> {
  const account = await repos.accounts.create({ username, passwordHash: 'h', createdAt: T0 });
  if (account === 'username-taken') throw new Error(`test setup: ${username} is taken`);
  return account;
}

/** The driver error's code of a rejected promise. */
async function failureCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const driverError: unknown = typeof error === 'object' && error !== null && 'driverError' in error ? error.driverError : error;
    if (typeof driverError === 'object' && driverError !== null && 'code' in driverError) return String(driverError.code);
    return `no code: ${String(error)}`;
  }
  return 'no failure';
}

describeOnMysql()('TypeOrmStorage on MySQL/MariaDB', () => {
  let url: string;
  /** A database of this worker's that the migration tests empty and fill as they like. */
  let emptyUrl: string;

  beforeAll(() => {
    url = requireMysqlUrl();
    emptyUrl = urlOfDatabase(url, workerDatabaseName(url, 'migrations'));
  });

  describe('migrations', () => {
    beforeEach(async () => {
      await recreateDatabase(url, workerDatabaseName(url, 'migrations'));
    });

    it('creates every table on an empty database, utf8mb4 throughout, and records the migrations', async () => {
      await open(emptyUrl);

      const db = await raw(url, workerDatabaseName(url, 'migrations'));
      const [tables] = await db.query<Array<{ name: string; collation: string; engine: string } & RowDataPacket>>(
        `SELECT table_name AS name, table_collation AS collation, engine FROM information_schema.tables
         WHERE table_schema = DATABASE() ORDER BY table_name`,
      );
      expect(tables.map((t) => t.name).sort()).toEqual([...TABLES, 'migrations'].sort());
      for (const table of tables.filter((t) => t.name !== 'migrations')) {
        expect(table).toMatchObject({ collation: 'utf8mb4_unicode_ci', engine: 'InnoDB' });
      }
      const [columns] = await db.query<Array<{ tableName: string; name: string; charset: string; collation: string } & RowDataPacket>>(
        `SELECT table_name AS tableName, column_name AS name, character_set_name AS charset, collation_name AS collation
         FROM information_schema.columns
         WHERE table_schema = DATABASE() AND table_name <> 'migrations' AND character_set_name IS NOT NULL`,
      );
      expect(columns.length).toBeGreaterThan(10);
      for (const column of columns) expect(column.charset).toBe('utf8mb4');
      // Keys compared or ordered by the code are binary (username_key is lower-cased already).
      const binary = columns.filter((c) => c.collation === 'utf8mb4_bin').map((c) => `${c.tableName}.${c.name}`).sort();
      expect(binary).toEqual([
        'accounts.username_key',
        'friend_requests.pending_key',
        'session_tokens.token_hash',
        'sessions.connection_id',
        'sessions.node_id',
      ]);
      const [migrations] = await db.query<Array<{ name: string } & RowDataPacket>>('SELECT name FROM migrations');
      expect(migrations.map((m) => m.name)).toEqual([
        'InitialSchema1764201600000',
        'SessionTokens1764806400000',
        'History1764892800000',
        'Safety1764979200000',
        'BigintIdsMysql1765065600000',
      ]);
    });

    it('has the indexes the hot queries need and the uniqueness the protocol promises', async () => {
      await open(emptyUrl);

      const db = await raw(url, workerDatabaseName(url, 'migrations'));
      const [rows] = await db.query<Array<{ tableName: string; name: string; unique: number; columns: string } & RowDataPacket>>(
        `SELECT table_name AS tableName, index_name AS name, MIN(non_unique) = 0 AS \`unique\`,
                GROUP_CONCAT(column_name ORDER BY seq_in_index) AS columns
         FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name <> 'migrations'
         GROUP BY table_name, index_name`,
      );
      const indexes = Object.fromEntries(rows.map((r) => [`${r.tableName}.${r.name}`, `${Number(r.unique) ? 'UNIQUE ' : ''}${r.columns}`]));
      expect(indexes).toMatchObject({
        'accounts.UQ_accounts_username_key': 'UNIQUE username_key',
        'friend_requests.UQ_friend_requests_pending_key': 'UNIQUE pending_key',
        'friend_requests.IDX_friend_requests_receiver_status': 'receiver_id,status,id',
        'friend_lists.PRIMARY': 'UNIQUE user_low,user_high',
        'friend_lists.IDX_friend_lists_user_high': 'user_high',
        'group_members.PRIMARY': 'UNIQUE group_id,user_id',
        'group_members.IDX_group_members_user': 'user_id',
        'messages.IDX_messages_undelivered': 'receiver_id,delivered,id',
        'messages.IDX_messages_sender_receiver': 'sender_id,receiver_id,id',
        'direct_conversations.PRIMARY': 'UNIQUE user_lo,user_hi',
        'direct_conversations.IDX_direct_conversations_user_hi': 'user_hi,user_lo',
        'group_messages.IDX_group_messages_group': 'group_id,id',
        'group_message_deliveries.PRIMARY': 'UNIQUE message_id,user_id',
        'group_message_deliveries.IDX_group_message_deliveries_undelivered': 'user_id,delivered,message_id',
        'sessions.IDX_sessions_node': 'node_id',
        'activity_logs.IDX_activity_logs_user': 'user_id,id',
        'session_tokens.UQ_session_tokens_token_hash': 'UNIQUE token_hash',
        'session_tokens.IDX_session_tokens_user_created': 'user_id,created_at,id',
        'blocks.PRIMARY': 'UNIQUE blocker_id,blocked_id',
        'blocks.IDX_blocks_blocked': 'blocked_id,blocker_id',
        'reports.IDX_reports_created_at': 'created_at,id',
        'reports.IDX_reports_reported': 'reported_id,created_at,id',
        'reports.IDX_reports_reporter': 'reporter_id,created_at',
      });
    });

    it('leaves the schema exactly as the entity schemas describe it', async () => {
      await open(emptyUrl);
      const db = await raw(url);
      const [[{ v }]] = await db.query<Array<{ v: string } & RowDataPacket>>('SELECT VERSION() AS v');
      // TypeORM reads a MariaDB schema right only when told it is MariaDB.
      const type = /mariadb/i.test(v) ? 'mariadb' : 'mysql';
      const dataSource = await connected(createMysqlDataSource(parseMysqlUrl(emptyUrl), { poolSize: 1 }, type));

      const pending = await dataSource.driver.createSchemaBuilder().log();

      expect(pending.upQueries.map((query) => query.query)).toEqual([]);
      expect(await dataSource.showMigrations()).toBe(false);
    });

    it('does not apply them again, and lets processes that start together take turns', async () => {
      const opened = await Promise.all([open(emptyUrl), open(emptyUrl), open(emptyUrl)]);
      await opened[0]!.close();
      await open(emptyUrl);

      expect(await migrationStates({ database: emptyUrl })).toEqual([
        { name: 'InitialSchema1764201600000', applied: true },
        { name: 'SessionTokens1764806400000', applied: true },
        { name: 'History1764892800000', applied: true },
        { name: 'Safety1764979200000', applied: true },
        { name: 'BigintIdsMysql1765065600000', applied: true },
      ]);
      expect(await migrateDatabase({ database: emptyUrl })).toEqual([]);
    });

    it('keeps the accounts when §10 adds privacy: each takes messages from everyone, and only the two settings are stored', async () => {
      await migrateDatabase({ database: emptyUrl });
      expect(await revertLastMigration({ database: emptyUrl })).toBe('BigintIdsMysql1765065600000');
      expect(await revertLastMigration({ database: emptyUrl })).toBe('Safety1764979200000');
      const db = await raw(url, workerDatabaseName(url, 'migrations'));
      await db.query(`DELETE FROM accounts`);
      await db.query(`INSERT INTO accounts (username, username_key, password_hash, created_at) VALUES ('Alice', 'alice', 'h', ?)`, [T0]);

      expect(await migrateDatabase({ database: emptyUrl })).toEqual(['Safety1764979200000', 'BigintIdsMysql1765065600000']);

      const [rows] = await db.query<Array<{ username: string; privacy: string } & RowDataPacket>>('SELECT username, privacy FROM accounts');
      expect(rows.map((r) => ({ ...r }))).toEqual([{ username: 'Alice', privacy: 'everyone' }]);
      await expect(db.query(`UPDATE accounts SET privacy = 'nobody'`)).rejects.toThrow(/CHK_accounts_privacy/);
      await expect(db.query(`INSERT INTO blocks (blocker_id, blocked_id, created_at) SELECT id, id, 0 FROM accounts`)).rejects.toThrow(
        /CHK_blocks_not_self/,
      );
      await db.query(`DELETE FROM accounts`);
    });

    it('can be reverted down to an empty database, and applied again', async () => {
      await migrateDatabase({ database: emptyUrl });

      expect(await revertLastMigration({ database: emptyUrl })).toBe('BigintIdsMysql1765065600000');
      expect(await revertLastMigration({ database: emptyUrl })).toBe('Safety1764979200000');
      expect(await revertLastMigration({ database: emptyUrl })).toBe('History1764892800000');
      expect(await revertLastMigration({ database: emptyUrl })).toBe('SessionTokens1764806400000');
      expect(await migrationStates({ database: emptyUrl })).toEqual([
        { name: 'InitialSchema1764201600000', applied: true },
        { name: 'SessionTokens1764806400000', applied: false },
        { name: 'History1764892800000', applied: false },
        { name: 'Safety1764979200000', applied: false },
        { name: 'BigintIdsMysql1765065600000', applied: false },
      ]);
      expect(await revertLastMigration({ database: emptyUrl })).toBe('InitialSchema1764201600000');

      const db = await raw(url, workerDatabaseName(url, 'migrations'));
      const [left] = await db.query<Array<{ name: string } & RowDataPacket>>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> 'migrations'`,
      );
      expect(left).toEqual([]);
      expect(await revertLastMigration({ database: emptyUrl })).toBeNull();
      expect(await migrateDatabase({ database: emptyUrl })).toEqual([
        'InitialSchema1764201600000',
        'SessionTokens1764806400000',
        'History1764892800000',
        'Safety1764979200000',
        'BigintIdsMysql1765065600000',
      ]);
    });
  });

  describe('text', () => {
    it('stores 4-byte characters, CJK and combining marks exactly, and compares names case-insensitively only', async () => {
      const storage = await open(await freshWorkerDatabase());
      const repos = storage.repositories;
      const alice = await register(repos, 'Alice');
      const bob = await register(repos, 'bob');
      const texts = [
        '🎉👩‍👩‍👧‍👦🏳️‍🌈 emoji and ZWJ sequences',
        '漢字かなカナ한국어 𠀋𡈽𡌛 (CJK, with Extension B)',
        'e\u0301 vs \u00e9, Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356 (combining marks, not normalized)',
        '𝒜𝓁𝒾𝒸ℯ  trailing spaces   ',
        '🙂'.repeat(1024),
      ];
      for (const [i, content] of texts.entries()) {
        await repos.messages.saveDirect({ senderId: alice.id, receiverId: bob.id, content, sentAt: T0 + i });
      }
      const group = await repos.groups.create('Café 🎉 漢字', alice.id, T0);

      expect((await repos.messages.listUndeliveredDirect(bob.id, 100)).map((m) => m.content)).toEqual(texts);
      expect(await repos.groups.findById(group.id)).toMatchObject({ name: 'Café 🎉 漢字' });
      expect(await repos.accounts.create({ username: 'ALICE', passwordHash: 'h', createdAt: T0 })).toBe('username-taken');
      // Letters that only an accent-insensitive collation would confuse stay apart.
      expect(await repos.accounts.findByUsername('alice')).toMatchObject({ id: alice.id });
    });
  });

  describe('uniqueness and integrity in the database itself', () => {
    it('refuses a raw duplicate username key, a second pending request per pair and a second friendship row', async () => {
      const workerUrl = await freshWorkerDatabase();
      const storage = await open(workerUrl);
      const alice = await register(storage.repositories, 'Alice');
      const bob = await register(storage.repositories, 'bob');
      await storage.repositories.friendRequests.createPending(alice.id, bob.id, T0);
      await storage.repositories.friendships.add(alice.id, bob.id, T0);
      const db = await raw(url, workerDatabaseName(url));
      const low = Math.min(alice.id, bob.id);
      const high = Math.max(alice.id, bob.id);

      const duplicateName = db.query(
        `INSERT INTO accounts (username, username_key, password_hash, status, created_at) VALUES ('ALICE', 'alice', 'h', 'active', ?)`,
        [T0],
      );
      let failure: unknown;
      await duplicateName.catch((error: unknown) => (failure = error));
      expect(failure).toMatchObject({ code: 'ER_DUP_ENTRY' });
      expect(isUniqueViolation(failure)).toBe(true);
      expect(
        await failureCode(
          db.query(
            `INSERT INTO friend_requests (sender_id, receiver_id, status, created_at, pending_key) VALUES (?, ?, 'pending', ?, ?)`,
            [bob.id, alice.id, T0, `${low}:${high}`],
          ),
        ),
      ).toBe('ER_DUP_ENTRY');
      expect(await failureCode(db.query(`INSERT INTO friend_lists (user_low, user_high, created_at) VALUES (?, ?, ?)`, [low, high, T0]))).toBe(
        'ER_DUP_ENTRY',
      );
    });

    it('enforces foreign keys and CHECK constraints', async () => {
      const storage = await open(await freshWorkerDatabase());
      const alice = await register(storage.repositories, 'alice');
      const db = await raw(url, workerDatabaseName(url));

      expect(
        await failureCode(
          // From nobody: a receiver that does not exist is refused before any insert (see saveDirect).
          storage.repositories.messages.saveDirect({ senderId: alice.id + 1000, receiverId: alice.id, content: 'x', sentAt: T0 }),
        ),
      ).toBe('ER_NO_REFERENCED_ROW_2');
      // MariaDB says "CONSTRAINT `name` failed", MySQL "Check constraint 'name' is violated".
      await expect(db.query(`UPDATE accounts SET status = 'deleted' WHERE id = ?`, [alice.id])).rejects.toThrow(/CHK_accounts_status/);
      await expect(
        db.query(`INSERT INTO friend_lists (user_low, user_high, created_at) VALUES (?, ?, ?)`, [alice.id, alice.id, T0]),
      ).rejects.toThrow(/CHK_friend_lists_order/);
    });
  });

  describe('undelivered messages', () => {
    it('reads the inbox through the (receiver, delivered, id) index, in id order without sorting', async () => {
      const workerUrl = await freshWorkerDatabase();
      const storage = await open(workerUrl);
      const users: Account[] = [];
      for (let i = 0; i < 20; i++) users.push(await register(storage.repositories, `user${i}`));
      for (let i = 0; i < 400; i++) {
        const message = stored(
          await storage.repositories.messages.saveDirect({
            senderId: users[i % 20]!.id,
            receiverId: users[(i + 1) % 20]!.id,
            content: `m${i}`,
            sentAt: T0 + i,
          }),
        );
        if (i % 3 !== 0) await storage.repositories.messages.markDirectDelivered([message.id]);
      }
      const dataSource = await connected(createDataSource({ database: workerUrl }));
      await dataSource.query('ANALYZE TABLE messages');
      const queries: Array<{ sql: string; parameters: unknown[] }> = [];
      const recorder: EntitySubscriberInterface = {
        beforeQuery: (event) => {
          queries.push({ sql: event.query, parameters: Array.isArray(event.parameters) ? event.parameters : [] });
        },
      };
      dataSource.subscribers.push(recorder);
      const messages = new TypeOrmMessageRepository(new MysqlExecutor(dataSource));

      expect(await messages.listUndeliveredDirect(users[1]!.id, 100)).toHaveLength(7);

      const select = queries.find((query) => /^\s*SELECT/i.test(query.sql));
      if (!select) throw new Error('the repository ran no SELECT');
      const plan: Array<{ table: string; key: string | null; Extra: string | null }> = await dataSource.query(
        `EXPLAIN ${select.sql}`,
        select.parameters,
      );
      const onMessages = plan.find((step) => step.table === 'm');
      expect(onMessages?.key).toBe('IDX_messages_undelivered');
      expect(onMessages?.Extra ?? '').not.toMatch(/filesort/);
    });
  });

  describe('concurrency', () => {
    it('runs a unit of work that lost a deadlock again, so both sides succeed', async () => {
      const storage = await open(await freshWorkerDatabase());
      const alice = await register(storage.repositories, 'alice');
      const bob = await register(storage.repositories, 'bob');
      let attempts = 0;
      let arrived = 0;
      let bothHoldOne = (): void => undefined;
      const barrier = new Promise<void>((resolve) => (bothHoldOne = resolve));
      const lockInOrder = (first: Account, second: Account) =>
        storage.unitOfWork.run(async (tx) => {
          attempts++;
          await tx.accounts.setStatus(first.id, 'banned');
          if (++arrived === 2) bothHoldOne();
          await barrier;
          await tx.accounts.setStatus(second.id, 'banned');
          return first.username;
        });

      const results = await Promise.all([lockInOrder(alice, bob), lockInOrder(bob, alice)]);

      expect(results).toEqual(['alice', 'bob']);
      expect(attempts).toBeGreaterThanOrEqual(3);
      expect(await storage.repositories.accounts.filterBanned([alice.id, bob.id])).toHaveLength(2);
    });

    it('lets exactly one of many parallel registrations of one name win, in units of work', async () => {
      const storage = await open(await freshWorkerDatabase(), { poolSize: 20 });

      const outcomes = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          storage.unitOfWork.run(async (tx) => {
            const created = await tx.accounts.create({ username: i % 2 ? 'racer' : 'RACER', passwordHash: 'h', createdAt: T0 });
            if (created !== 'username-taken') await tx.activity.record({ userId: created.id, action: 'register', detail: null, at: T0 });
            return created === 'username-taken' ? 'taken' : 'created';
          }),
        ),
      );

      expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'taken')).toHaveLength(29);
    });

    it('runs at most the pool size of connections', async () => {
      const workerUrl = await freshWorkerDatabase();
      const storage = await open(workerUrl, { poolSize: 2 });
      const alice = await register(storage.repositories, 'alice');
      const db = await raw(url);
      const target = parseMysqlUrl(workerUrl);

      await Promise.all(Array.from({ length: 40 }, () => storage.repositories.accounts.findById(alice.id)));

      const [[{ n }]] = await db.query<Array<{ n: number } & RowDataPacket>>(
        `SELECT COUNT(*) AS n FROM information_schema.processlist WHERE db = ?`,
        [target.database],
      );
      expect(Number(n)).toBeLessThanOrEqual(2);
      expect(Number(n)).toBeGreaterThanOrEqual(1);
    });
  });

  describe('connections that fail', () => {
    it('opens new connections when the server has closed the pooled ones', async () => {
      const workerUrl = await freshWorkerDatabase();
      const storage = await open(workerUrl, { poolSize: 3 });
      const alice = await register(storage.repositories, 'alice');
      await Promise.all(Array.from({ length: 6 }, () => storage.repositories.accounts.findById(alice.id)));
      const db = await raw(url);
      const pooled = async (): Promise<number[]> => {
        const [rows] = await db.query<Array<{ id: number } & RowDataPacket>>(
          'SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()',
          [parseMysqlUrl(workerUrl).database],
        );
        return rows.map((row) => Number(row.id));
      };
      const before = await pooled();
      expect(before.length).toBeGreaterThan(0);

      for (const id of before) await db.query(`KILL ${id}`);
      await new Promise((resolve) => setTimeout(resolve, 200));

      expect(await storage.repositories.accounts.findByUsername('ALICE')).toMatchObject({ id: alice.id });
      const after = await pooled();
      expect(after.length).toBeGreaterThan(0);
      expect(after.filter((id) => before.includes(id))).toEqual([]);
    });

    it('fails a statement that outlives the query timeout, drops its connection, and carries on', async () => {
      const workerUrl = await freshWorkerDatabase();
      const storage = await open(workerUrl, { poolSize: 1, queryTimeoutMs: 300 });
      const alice = await register(storage.repositories, 'alice');
      const holder = await raw(url, workerDatabaseName(url));
      await holder.query('START TRANSACTION');
      await holder.query('SELECT * FROM accounts WHERE id = ? FOR UPDATE', [alice.id]);

      const started = Date.now();
      expect(await failureCode(storage.repositories.accounts.setStatus(alice.id, 'banned'))).toBe('PROTOCOL_SEQUENCE_TIMEOUT');
      expect(Date.now() - started).toBeLessThan(5000);
      await holder.query('ROLLBACK');

      // With a pool of one, this only works if the stuck connection was not handed out again.
      expect(await storage.repositories.accounts.findById(alice.id)).toMatchObject({ id: alice.id });
    });

    it('names the database without its password when it cannot be reached or refuses the credentials', async () => {
      const target = parseMysqlUrl(url);
      const wrongPassword = `mysql://${encodeURIComponent(target.user)}:not-the-password-4711@${target.host}:${target.port}/${target.database}`;
      const closedPort = `mysql://${encodeURIComponent(target.user)}:secret-4711@127.0.0.1:1/${target.database}`;

      await expect(TypeOrmStorage.open({ database: wrongPassword })).rejects.toThrow(
        /^cannot open the MySQL database .*@.*:\d+\/.* \(ER_ACCESS_DENIED_ERROR\)$/,
      );
      await expect(TypeOrmStorage.open({ database: wrongPassword })).rejects.toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('not-the-password-4711') }),
      );
      await expect(TypeOrmStorage.open({ database: closedPort, connectTimeoutMs: 2000 })).rejects.toThrow(/\(ECONNREFUSED\)$/);
    });
  });

  describe('closing', () => {
    it('waits for the work already started, refuses new work, and closes twice without complaint', async () => {
      const workerUrl = await freshWorkerDatabase();
      const storage = await TypeOrmStorage.open({ database: workerUrl });
      const alice = await register(storage.repositories, 'alice');
      const holder = await raw(url, workerDatabaseName(url));
      await holder.query('START TRANSACTION');
      await holder.query('SELECT * FROM accounts WHERE id = ? FOR UPDATE', [alice.id]);
      const order: string[] = [];

      const slow = storage.repositories.accounts.setStatus(alice.id, 'banned').then(() => order.push('write'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const closed = storage.close().then(() => order.push('closed'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await holder.query('COMMIT');
      await Promise.all([slow, closed]);

      expect(order).toEqual(['write', 'closed']);
      await expect(storage.repositories.accounts.findById(alice.id)).rejects.toThrow(/closed/);
      await expect(storage.close()).resolves.toBeUndefined();
    });
  });
});
