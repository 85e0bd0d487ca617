import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DataSource, EntitySubscriberInterface } from 'typeorm';
import { createDataSource } from '../../src/adapters/persistence/typeorm/data-source';
import { TypeOrmMessageRepository } from '../../src/adapters/persistence/typeorm/repositories/typeorm-message.repository';
import { SqliteExecutor } from '../../src/adapters/persistence/typeorm/sqlite-executor';
import { TypeOrmStorage } from '../../src/adapters/persistence/typeorm/typeorm-storage';
import { isUniqueViolation } from '../../src/adapters/persistence/typeorm/unique-violation';
import type { Account } from '../../src/domain';
import { stored } from '../support/stored-message';

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

let directory: string;
let fileCount = 0;
const toClose: Array<{ close(): unknown }> = [];

function freshFile(): string {
  return path.join(directory, `storage-${++fileCount}.sqlite`);
}

async function openStorage(database: string, synchronous?: 'FULL' | 'NORMAL'): Promise<TypeOrmStorage> {
  const storage = await TypeOrmStorage.open(synchronous ? { database, synchronous } : { database });
  toClose.push(storage);
  return storage;
}

/** A second connection to the file, as another process (the admin CLI) would have. */
function rawConnection(database: string): Database.Database {
  const db = new Database(database);
  toClose.push(db);
  return db;
}

async function migratedDataSource(database: string, synchronous?: 'FULL' | 'NORMAL'): Promise<DataSource> {
  const dataSource = createDataSource(synchronous ? { database, synchronous } : { database });
  await dataSource.initialize();
  toClose.push({ close: () => dataSource.isInitialized && dataSource.destroy() });
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}

async function register(storage: TypeOrmStorage, username: string): Promise<Account> {
  const account = await storage.repositories.accounts.create({ username, passwordHash: 'h', createdAt: T0 });
  if (account === 'username-taken') throw new Error(`test setup: ${username} is taken`);
  return account;
}

beforeAll(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-sqlite-'));
});

afterEach(async () => {
  for (const resource of toClose.splice(0).reverse()) await resource.close();
});

afterAll(() => {
  fs.rmSync(directory, { recursive: true, force: true });
});

describe('TypeOrmStorage on SQLite', () => {
  describe('migrations', () => {
    it('creates every table on a fresh file and records the migrations', async () => {
      const database = freshFile();
      await openStorage(database);

      const db = rawConnection(database);
      const tables = db
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
        .pluck()
        .all();
      expect(tables).toEqual([...TABLES, 'migrations'].sort());
      expect(db.prepare('SELECT name FROM migrations').pluck().all()).toEqual([
        'InitialSchema1764201600000',
        'SessionTokens1764806400000',
        'History1764892800000',
        'Safety1764979200000',
      ]);
    });

    it('does not apply them again when the file is reopened', async () => {
      const database = freshFile();
      const first = await openStorage(database);
      await first.close();
      const second = await openStorage(database);
      await second.close();

      const db = rawConnection(database);
      expect(db.prepare('SELECT count(*) FROM migrations').pluck().get()).toBe(4);
    });

    it('leaves the schema exactly as the entity schemas describe it', async () => {
      const dataSource = await migratedDataSource(freshFile());

      const pending = await dataSource.driver.createSchemaBuilder().log();

      expect(pending.upQueries.map((query) => query.query)).toEqual([]);
      expect(await dataSource.showMigrations()).toBe(false);
    });

    it('keeps the accounts when §10 adds privacy: each takes messages from everyone, and only the two settings are stored', async () => {
      const database = freshFile();
      const dataSource = await migratedDataSource(database);
      await dataSource.undoLastMigration({ transaction: 'each' });
      await dataSource.query(
        `INSERT INTO accounts (username, username_key, password_hash, created_at) VALUES ('Alice', 'alice', 'h', ${T0})`,
      );

      await dataSource.runMigrations({ transaction: 'each' });

      expect(await dataSource.query(`SELECT username, privacy FROM accounts`)).toEqual([{ username: 'Alice', privacy: 'everyone' }]);
      await expect(dataSource.query(`UPDATE accounts SET privacy = 'nobody'`)).rejects.toThrow(/CHECK constraint failed/);
      await expect(dataSource.query(`INSERT INTO blocks (blocker_id, blocked_id, created_at) SELECT id, id, 0 FROM accounts`)).rejects.toThrow(
        /CHECK constraint failed/,
      );
    });

    it('can be reverted down to an empty database', async () => {
      const database = freshFile();
      const dataSource = await migratedDataSource(database);

      await dataSource.undoLastMigration({ transaction: 'each' });
      expect(await dataSource.query(`SELECT name FROM sqlite_master WHERE name IN ('blocks', 'reports')`)).toEqual([]);
      await dataSource.undoLastMigration({ transaction: 'each' });
      expect(await dataSource.query(`SELECT name FROM sqlite_master WHERE name = 'direct_conversations'`)).toEqual([]);
      await dataSource.undoLastMigration({ transaction: 'each' });
      expect(await dataSource.query(`SELECT name FROM sqlite_master WHERE name = 'session_tokens'`)).toEqual([]);
      await dataSource.undoLastMigration({ transaction: 'each' });

      const left = await dataSource.query(
        `SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' AND name <> 'migrations'`,
      );
      expect(left).toEqual([]);
    });
  });

  describe('durability', () => {
    it('keeps the data through close and reopen', async () => {
      const database = freshFile();
      const first = await openStorage(database);
      const alice = await register(first, 'Alice');
      const bob = await register(first, 'bob');
      await first.repositories.friendships.add(alice.id, bob.id, T0);
      const message = stored(
        await first.repositories.messages.saveDirect({
          senderId: alice.id,
          receiverId: bob.id,
          content: 'still there 🎉',
          sentAt: T0 + 1,
        }),
      );
      await first.close();

      const second = await openStorage(database);
      expect(await second.repositories.accounts.findByUsername('alice')).toEqual(alice);
      expect(await second.repositories.friendships.listFriends(bob.id)).toEqual([{ id: alice.id, username: 'Alice' }]);
      expect(await second.repositories.messages.listUndeliveredDirect(bob.id, 10)).toEqual([
        { ...message, senderUsername: 'Alice' },
      ]);
    });

    it('creates the folder of the database file when it is missing', async () => {
      const database = path.join(directory, 'nested', 'deeper', 'chat.sqlite');

      const storage = await openStorage(database);
      await register(storage, 'alice');

      expect(fs.existsSync(database)).toBe(true);
    });

    it('works in memory', async () => {
      const storage = await openStorage(':memory:');
      const alice = await register(storage, 'alice');

      expect(await storage.repositories.accounts.findById(alice.id)).toEqual(alice);
    });

    it('closes twice without complaint', async () => {
      const storage = await openStorage(freshFile());

      await storage.close();
      await expect(storage.close()).resolves.toBeUndefined();
    });
  });

  describe('pragmas', () => {
    it('runs in WAL mode with foreign keys on, synchronous FULL and a busy timeout', async () => {
      const dataSource = await migratedDataSource(freshFile());
      const pragma = async (name: string): Promise<unknown> => {
        const rows: Array<Record<string, unknown>> = await dataSource.query(`PRAGMA ${name}`);
        return Object.values(rows[0] ?? {})[0];
      };

      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('foreign_keys')).toBe(1);
      expect(await pragma('synchronous')).toBe(2);
      expect(await pragma('busy_timeout')).toBe(5000);
    });

    it('can be told to use synchronous NORMAL', async () => {
      const dataSource = await migratedDataSource(freshFile(), 'NORMAL');

      expect(await dataSource.query('PRAGMA synchronous')).toEqual([{ synchronous: 1 }]);
    });

    it('leaves the database file in WAL mode for other connections', async () => {
      const database = freshFile();
      await openStorage(database);

      expect(rawConnection(database).pragma('journal_mode', { simple: true })).toBe('wal');
    });

    it('enforces foreign keys on the storage connection, also after a reopen', async () => {
      const database = freshFile();
      const first = await openStorage(database);
      const alice = await register(first, 'alice');
      // From nobody: a receiver that does not exist is refused before any insert (see saveDirect).
      const toNobody = { senderId: alice.id + 1000, receiverId: alice.id, content: 'x', sentAt: T0 };

      await expect(first.repositories.messages.saveDirect(toNobody)).rejects.toThrow(/FOREIGN KEY/);
      await first.close();

      const second = await openStorage(database);
      await expect(second.repositories.messages.saveDirect(toNobody)).rejects.toThrow(/FOREIGN KEY/);
    });
  });

  describe('uniqueness in the database itself', () => {
    it('refuses a raw duplicate username in another letter case', async () => {
      const database = freshFile();
      const storage = await openStorage(database);
      await register(storage, 'Alice');

      const db = rawConnection(database);
      const insert = db.prepare(
        `INSERT INTO accounts (username, username_key, password_hash, status, created_at) VALUES (?, ?, 'h', 'active', ?)`,
      );
      let failure: unknown;
      try {
        insert.run('ALICE', 'alice', T0);
      } catch (error) {
        failure = error;
      }
      expect(failure).toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE' });
      expect(isUniqueViolation(failure)).toBe(true);
    });

    it('refuses a second pending request for a pair and a second row for a friendship', async () => {
      const database = freshFile();
      const storage = await openStorage(database);
      const alice = await register(storage, 'alice');
      const bob = await register(storage, 'bob');
      await storage.repositories.friendRequests.createPending(alice.id, bob.id, T0);
      await storage.repositories.friendships.add(alice.id, bob.id, T0);

      const db = rawConnection(database);
      const low = Math.min(alice.id, bob.id);
      const high = Math.max(alice.id, bob.id);
      expect(() =>
        db
          .prepare(
            `INSERT INTO friend_requests (sender_id, receiver_id, status, created_at, pending_key) VALUES (?, ?, 'pending', ?, ?)`,
          )
          .run(bob.id, alice.id, T0, `${low}:${high}`),
      ).toThrow(expect.objectContaining({ code: 'SQLITE_CONSTRAINT_UNIQUE' }));
      expect(() =>
        db.prepare(`INSERT INTO friend_lists (user_low, user_high, created_at) VALUES (?, ?, ?)`).run(low, high, T0),
      ).toThrow(expect.objectContaining({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }));
    });
  });

  describe('undelivered messages', () => {
    it('keeps delivered messages out of the partial index and reads the inbox through it', async () => {
      const dataSource = await migratedDataSource(freshFile());
      const queries: Array<{ sql: string; parameters: unknown[] }> = [];
      const recorder: EntitySubscriberInterface = {
        beforeQuery: (event) => {
          const parameters: unknown[] = Array.isArray(event.parameters) ? event.parameters : [];
          queries.push({ sql: event.query, parameters });
        },
      };
      dataSource.subscribers.push(recorder);
      const messages = new TypeOrmMessageRepository(new SqliteExecutor(dataSource.manager));

      await messages.listUndeliveredDirect(1, 100);

      const select = queries.find((query) => /^\s*SELECT/i.test(query.sql));
      if (!select) throw new Error('the repository ran no SELECT');
      const plan: Array<{ detail: string }> = await dataSource.query(
        `EXPLAIN QUERY PLAN ${select.sql}`,
        select.parameters,
      );
      expect(plan.map((step) => step.detail).join('\n')).toMatch(/USING INDEX IDX_messages_undelivered/);
      const indexSql: unknown = await dataSource
        .query(`SELECT sql FROM sqlite_master WHERE name = 'IDX_messages_undelivered'`)
        .then((rows: Array<{ sql: unknown }>) => rows[0]?.sql);
      expect(indexSql).toMatch(/WHERE delivered = 0$/);
    });

    it('stores one delivery row per distinct recipient of a group message', async () => {
      const database = freshFile();
      const storage = await openStorage(database);
      const sender = await register(storage, 'sender');
      const recipients: Account[] = [];
      for (let i = 0; i < 700; i++) recipients.push(await register(storage, `user${i}`));
      const group = await storage.repositories.groups.create('big', sender.id, T0);
      const ids = recipients.map((recipient) => recipient.id);

      const message = await storage.repositories.messages.saveGroup(
        { groupId: group.id, senderId: sender.id, content: 'hello', sentAt: T0 },
        [...ids, ids[0]!],
      );
      await storage.repositories.messages.markGroupDelivered(message.id, [ids[1]!]);

      const db = rawConnection(database);
      const count = (sql: string): unknown => db.prepare(sql).pluck().get(message.id);
      expect(count('SELECT count(*) FROM group_message_deliveries WHERE message_id = ?')).toBe(700);
      expect(count('SELECT count(*) FROM group_message_deliveries WHERE message_id = ? AND delivered = 0')).toBe(699);
    });
  });

  // Transactions (units of work, multi-row writes): test/integration/typeorm-units-of-work.test.ts, on every TypeORM engine.

  describe('another process on the same file', () => {
    it('waits for its write lock instead of failing at once', async () => {
      const database = freshFile();
      const storage = await openStorage(database);
      const holdMs = 300;
      // A worker thread stands in for the admin CLI: it holds the write lock for a while.
      const worker = new Worker(
        `
        const { parentPort, workerData } = require('node:worker_threads');
        const Database = require(workerData.driver);
        const db = new Database(workerData.database);
        db.exec('BEGIN IMMEDIATE');
        db.prepare("INSERT INTO accounts (username, username_key, password_hash, created_at) VALUES ('cli', 'cli', 'h', 0)").run();
        parentPort.postMessage('locked');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
        db.exec('COMMIT');
        db.close();
        `,
        { eval: true, workerData: { database, holdMs, driver: require.resolve('better-sqlite3') } },
      );
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });

      const started = Date.now();
      const alice = await storage.repositories.accounts.create({ username: 'alice', passwordHash: 'h', createdAt: T0 });
      const waited = Date.now() - started;
      await exited;

      expect(alice).toMatchObject({ username: 'alice' });
      expect(waited).toBeGreaterThanOrEqual(holdMs / 2);
      expect(await storage.repositories.accounts.findByUsername('CLI')).toMatchObject({ username: 'cli' });
    });

    it('holds the write lock for a whole unit of work, so a write in between cannot make it fail', async () => {
      const database = freshFile();
      const storage = await openStorage(database);
      const worker = new Worker(
        `
        const { parentPort, workerData } = require('node:worker_threads');
        const Database = require(workerData.driver);
        const db = new Database(workerData.database, { timeout: 5000 });
        parentPort.once('message', () => {
          db.prepare("INSERT INTO accounts (username, username_key, password_hash, created_at) VALUES ('cli', 'cli', 'h', 0)").run();
          db.close();
          parentPort.postMessage('written');
        });
        parentPort.postMessage('ready');
        `,
        { eval: true, workerData: { database, driver: require.resolve('better-sqlite3') } },
      );
      const messages: string[] = [];
      const next = (): Promise<unknown> =>
        new Promise((resolve, reject) => {
          worker.once('message', (message: string) => resolve(messages.push(message)));
          worker.once('error', reject);
        });
      await next();
      const written = next();

      const created = await storage.unitOfWork.run(async (tx) => {
        await tx.accounts.findByUsername('someone');
        worker.postMessage('write');
        // Give the other process time to commit in between, if it could.
        await Promise.race([written, new Promise((resolve) => setTimeout(resolve, 300))]);
        return tx.accounts.create({ username: 'alice', passwordHash: 'h', createdAt: T0 });
      });
      await written;

      expect(created).toMatchObject({ username: 'alice' });
      expect(await storage.repositories.accounts.findByUsername('cli')).not.toBeNull();
    });
  });
});
