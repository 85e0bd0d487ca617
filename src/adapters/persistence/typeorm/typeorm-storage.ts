import type { DataSource } from 'typeorm';
import type { Repositories, Storage, UnitOfWork } from '../../../application/ports';
import { connectDataSource } from './connect';
import { BUSY_TIMEOUT_MS, createDataSource, mysqlPoolOptions, type DatabaseOptions } from './data-source';
import { isMysqlUrl, parseMysqlUrl } from './database-url';
import type { Executor } from './executor';
import { migrateDatabase } from './migration-runner';
import { MysqlBatchWriter } from './mysql-batch-writer';
import { DEFAULT_DEADLOCK_RETRIES, MysqlExecutor } from './mysql-executor';
import { SqliteExecutor } from './sqlite-executor';
import { sqliteConnectionOf } from './sqlite-statements';
import { SqliteWriteThread } from './sqlite-write-thread';
import type { StorageObserver } from './storage-observer';
import { createRepositories } from './typeorm-repositories';
import { TypeOrmUnitOfWork } from './typeorm-unit-of-work';

/**
 * Where the data lives: a SQLite file path or `:memory:`, or
 * `mysql://user:password@host:port/database` for MySQL or MariaDB, with the
 * SQLite pragma or the MySQL pool settings that apply.
 */
export interface TypeOrmStorageOptions extends DatabaseOptions {
  /** Told about every transaction committed (metrics); nothing by default. */
  readonly observer?: StorageObserver;
}

/**
 * Storage on a relational database through TypeORM: SQLite (better-sqlite3) or
 * MySQL/MariaDB (mysql2). The repositories and the unit of work are the same
 * classes on both; only the executor that reaches the database differs.
 */
export class TypeOrmStorage implements Storage {
  readonly repositories: Repositories;
  readonly unitOfWork: UnitOfWork;
  /**
   * Whether calls run in the order they were made (SQLite: one queue for all of them),
   * so that work asked for one after another is stored in that order even when the
   * caller does not wait in between. False on MySQL, whose pool runs calls side by side.
   * The TCP transport may overlap a connection's message sends only on such storage.
   */
  readonly runsInCallOrder: boolean;
  /**
   * Whether direct messages asked for one after another are stored in that order:
   * wherever calls run in order, and on MySQL, whose group-commit batches keep each
   * sender's messages in one lane (mysql-batch-writer.ts). The transport may then
   * overlap a connection's direct message sends.
   */
  readonly storesDirectMessagesInCallOrder: boolean;
  private closing: Promise<void> | null = null;

  private constructor(
    executor: Executor,
    /** Lets the work already started finish, then closes the database. */
    private readonly shutdown: () => Promise<void>,
    /** Asks the database a trivial query. */
    private readonly answer: () => Promise<void>,
    /** MySQL: the batch writer keeps each sender's direct messages in call order. */
    directMessagesInOrder = false,
  ) {
    this.runsInCallOrder = executor instanceof SqliteExecutor;
    this.storesDirectMessagesInCallOrder = this.runsInCallOrder || directMessagesInOrder;
    this.repositories = createRepositories(executor);
    this.unitOfWork = new TypeOrmUnitOfWork((work) => executor.atomically(work));
  }

  /** Connects and applies pending migrations (see `migrateDatabase` for how, per engine). */
  static async open(options: TypeOrmStorageOptions): Promise<TypeOrmStorage> {
    return isMysqlUrl(options.database) ? TypeOrmStorage.openMysql(options) : TypeOrmStorage.openSqlite(options);
  }

  /**
   * Resolves once the database has answered `SELECT 1`: on SQLite after the work
   * already queued while a write batch runs; on MySQL through a pooled connection, so it fails
   * while the server cannot be reached (and takes up to the query timeout when it
   * does not answer). Rejects once the storage is closed.
   */
  ping(): Promise<void> {
    return this.answer();
  }

  /** Waits for the work already started, then closes the database. Closing twice is harmless. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private static async openSqlite(options: TypeOrmStorageOptions): Promise<TypeOrmStorage> {
    // Migrated through the storage's own connection: `:memory:` is a new database per connection.
    const dataSource = await connectDataSource(createDataSource(options), options.database);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } catch (error) {
      await dataSource.destroy();
      throw error;
    }
    let writer: SqliteWriteThread | null = null;
    if (options.writeThread !== false && isSqliteFile(options.database)) {
      try {
        writer = await SqliteWriteThread.start({
          file: options.database,
          synchronous: options.synchronous ?? 'FULL',
          busyTimeoutMs: BUSY_TIMEOUT_MS,
        });
      } catch (error) {
        await dataSource.destroy();
        throw error;
      }
      // Waiting for the write lock is the write thread's part; this connection's batches try again later instead.
      sqliteConnectionOf(dataSource.manager)?.pragma('busy_timeout = 0');
    }
    const executor = new SqliteExecutor(dataSource.manager, undefined, options.observer, writer, BUSY_TIMEOUT_MS);
    return new TypeOrmStorage(
      executor,
      () => executor.exclusive(() => destroy(dataSource)),
      () => executor.ping(),
    );
  }

  private static async openMysql(options: TypeOrmStorageOptions): Promise<TypeOrmStorage> {
    await migrateDatabase(options);
    const dataSource = await connectDataSource(createDataSource(options), options.database);
    const pool = mysqlPoolOptions({
      connectTimeoutMs: options.connectTimeoutMs,
      queryTimeoutMs: options.queryTimeoutMs,
      batchConnections: options.batchConnections,
    });
    const writer = MysqlBatchWriter.open(parseMysqlUrl(options.database), {
      connections: pool.batchConnections,
      connectTimeoutMs: pool.connectTimeoutMs,
      queryTimeoutMs: pool.queryTimeoutMs,
      deadlockRetries: DEFAULT_DEADLOCK_RETRIES,
      observer: options.observer,
    });
    const executor = new MysqlExecutor(dataSource, { observer: options.observer, writer });
    return new TypeOrmStorage(
      executor,
      () => executor.drain().then(() => destroy(dataSource)),
      () => executor.ping(),
      true,
    );
  }
}

/** A database in a file, which a second connection (the write thread's) can open too. */
function isSqliteFile(database: string): boolean {
  return database !== '' && database !== ':memory:' && !database.startsWith('file:');
}

async function destroy(dataSource: DataSource): Promise<void> {
  if (dataSource.isInitialized) await dataSource.destroy();
}
