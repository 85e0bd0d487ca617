import type { Database } from 'better-sqlite3';
import { DataSource, type Logger as TypeOrmLogger, type LoggerOptions } from 'typeorm';
import { isMysqlUrl, parseMysqlUrl, type MysqlTarget } from './database-url';
import { InitialSchemaMysql1764201600000 } from './migrations/mysql/1764201600000-initial-schema.migration';
import { SessionTokensMysql1764806400000 } from './migrations/mysql/1764806400000-session-tokens.migration';
import { HistoryMysql1764892800000 } from './migrations/mysql/1764892800000-history.migration';
import { InitialSchema1764201600000 } from './migrations/sqlite/1764201600000-initial-schema.migration';
import { SessionTokens1764806400000 } from './migrations/sqlite/1764806400000-session-tokens.migration';
import { History1764892800000 } from './migrations/sqlite/1764892800000-history.migration';
import { SafetyMysql1764979200000 } from './migrations/mysql/1764979200000-safety.migration';
import { BigintIdsMysql1765065600000 } from './migrations/mysql/1765065600000-bigint-ids.migration';
import { Safety1764979200000 } from './migrations/sqlite/1764979200000-safety.migration';
import { guardedMysql2 } from './mysql-driver';
import { ALL_SCHEMAS, MYSQL_SCHEMAS } from './schemas';

export type SqliteSynchronous = 'FULL' | 'NORMAL';

/** How the MySQL connection pool behaves. */
export interface MysqlPoolOptions {
  /** Connections the pool opens at most (each transaction holds one while it runs). */
  readonly poolSize?: number;
  /** How long opening a connection may take before the request fails. */
  readonly connectTimeoutMs?: number;
  /**
   * How long a statement may wait for its answer before the request fails and its
   * connection is dropped (a server that stopped answering must not hold requests
   * forever); 0 waits as long as the server takes.
   */
  readonly queryTimeoutMs?: number;
  /**
   * Lanes of group-commit batches for the hot write paths, each running one batch at
   * a time on a connection of its own beside the pool (see mysql-batch-writer.ts). A
   * sender's direct messages always take one lane, so they are stored in call order
   * and a connection's direct message sends may overlap and share a batch. More
   * lanes let batches commit side by side: worth it when the database has cores of
   * its own; on one 2-core machine with the server, one lane did as well as three.
   */
  readonly batchConnections?: number;
}

export const MYSQL_POOL_DEFAULTS: Required<MysqlPoolOptions> = {
  poolSize: 10,
  connectTimeoutMs: 10_000,
  queryTimeoutMs: 10_000,
  batchConnections: 1,
};

/** The pool options given, the defaults for the rest. */
export function mysqlPoolOptions(pool: MysqlPoolOptions): Required<MysqlPoolOptions> {
  return { ...MYSQL_POOL_DEFAULTS, ...definedOnly(pool) };
}

export interface DatabaseOptions extends MysqlPoolOptions {
  /**
   * A SQLite file path (its folder is created when missing), `:memory:`, or
   * `mysql://user:password@host:port/database` for MySQL or MariaDB.
   */
  readonly database: string;
  /**
   * SQLite only. FULL (the default) syncs the write-ahead log at every commit, so
   * an acknowledged write survives a power loss; NORMAL only survives a crash of the process.
   */
  readonly synchronous?: SqliteSynchronous;
  /**
   * SQLite only: run the hot write paths (their statements, COMMIT and disk sync) on
   * a thread of their own, so the event loop never waits for the disk or for the
   * write lock another process holds. On by default for a database file; a
   * `:memory:` database is one per connection and always stays on one thread.
   */
  readonly writeThread?: boolean;
  /**
   * For the TypeORM CLI: TypeORM prints what the migrations do (and a failed
   * statement with its SQL). Otherwise it prints nothing at all; see SILENT_LOGGER.
   */
  readonly forCli?: boolean;
}

/** The options of earlier releases, when SQLite was the only engine. */
export type SqliteDataSourceOptions = DatabaseOptions;

export type DatabaseEngine = 'sqlite' | 'mysql';

/** Which engine a CHAT_DB value names. */
export function databaseEngine(database: string): DatabaseEngine {
  return isMysqlUrl(database) ? 'mysql' : 'sqlite';
}

/** Listed in order, as classes: no globs, so ts-jest and the compiled output load the same ones. */
export const SQLITE_MIGRATIONS = [
  InitialSchema1764201600000,
  SessionTokens1764806400000,
  History1764892800000,
  Safety1764979200000,
];
/** The same history for MySQL and MariaDB: each SQLite migration has a twin of the same name. */
export const MYSQL_MIGRATIONS = [
  InitialSchemaMysql1764201600000,
  SessionTokensMysql1764806400000,
  HistoryMysql1764892800000,
  SafetyMysql1764979200000,
  // MySQL only: SQLite's INTEGER is 64-bit already.
  BigintIdsMysql1765065600000,
];

/** Another process (the admin CLI) writes to the same file: wait this long for its lock. */
/** How long SQLite waits for the write lock another connection holds. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * The DataSource for the server, the admin CLI and the TypeORM CLI, on the
 * engine the `database` option names. It never synchronizes: the schema is what
 * the committed migrations make.
 */
export function createDataSource(options: DatabaseOptions): DataSource {
  return isMysqlUrl(options.database)
    ? createMysqlDataSource(parseMysqlUrl(options.database), options)
    : createSqliteDataSource(options);
}

function createSqliteDataSource(options: DatabaseOptions): DataSource {
  const synchronous = options.synchronous ?? 'FULL';
  return new DataSource({
    type: 'better-sqlite3',
    // The driver creates the file's folder when it is missing (not for :memory:).
    database: options.database,
    timeout: BUSY_TIMEOUT_MS,
    enableWAL: true,
    // The driver turns foreign_keys on itself; synchronous is ours to choose.
    prepareDatabase: (db: Database) => {
      db.pragma(`synchronous = ${synchronous}`);
    },
    entities: [...ALL_SCHEMAS],
    migrations: SQLITE_MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    ...typeOrmLogging(options.forCli),
  });
}

/**
 * MySQL or MariaDB through TypeORM's mysql driver (mysql2). utf8mb4 on the wire;
 * BIGINT values come back as numbers while they fit in 2^53 (as strings beyond,
 * which the mappers read with Number()).
 */
export function createMysqlDataSource(
  target: MysqlTarget,
  pool: MysqlPoolOptions & Pick<DatabaseOptions, 'forCli'> = {},
  /**
   * The server runs as 'mysql' on MySQL and MariaDB alike; 'mariadb' only changes
   * how TypeORM reads a MariaDB schema back (for tools that compare schemas).
   */
  type: 'mysql' | 'mariadb' = 'mysql',
): DataSource {
  const { poolSize, connectTimeoutMs, queryTimeoutMs } = mysqlPoolOptions({
    poolSize: pool.poolSize,
    connectTimeoutMs: pool.connectTimeoutMs,
    queryTimeoutMs: pool.queryTimeoutMs,
  });
  return new DataSource({
    type,
    driver: guardedMysql2,
    host: target.host,
    port: target.port,
    username: target.user,
    password: target.password,
    database: target.database,
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: false,
    poolSize,
    connectTimeout: connectTimeoutMs,
    enableQueryTimeout: queryTimeoutMs > 0,
    ...(queryTimeoutMs > 0 ? { maxQueryExecutionTime: queryTimeoutMs } : {}),
    // TCP keep-alive notices an idle connection whose server vanished without closing it.
    // A connection that breaks leaves the pool; the next request opens a new one.
    extra: { enableKeepAlive: true, keepAliveInitialDelay: 10_000 },
    entities: [...MYSQL_SCHEMAS],
    migrations: MYSQL_MIGRATIONS,
    // MySQL commits each DDL statement on its own; a transaction around a migration would promise more than it keeps.
    migrationsTransactionMode: 'none',
    synchronize: false,
    migrationsRun: false,
    ...typeOrmLogging(pool.forCli),
  });
}

function definedOnly(options: MysqlPoolOptions): MysqlPoolOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

/**
 * TypeORM's own logging stays off in the server and the tools: its lines carry SQL
 * text (slow queries are logged whatever `logging` says) and are not the server's
 * JSON lines. Failures reach the callers as errors, and they log them without SQL.
 * The TypeORM CLI, an operator's tool, prints what the migrations do.
 */
function typeOrmLogging(forCli = false): { logging: LoggerOptions; logger: TypeOrmLogger | 'simple-console' } {
  return forCli
    ? { logging: ['schema', 'migration', 'warn', 'error', 'info', 'log'], logger: 'simple-console' }
    : { logging: false, logger: SILENT_LOGGER };
}

const SILENT_LOGGER: TypeOrmLogger = {
  logQuery: () => undefined,
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};
