import { createConnection, type Connection } from 'mysql2/promise';
import { parseMysqlUrl, type MysqlTarget } from '../../src/adapters/persistence/typeorm/database-url';
import { migrateDatabase } from '../../src/adapters/persistence/typeorm/migration-runner';
import { TypeOrmStorage, type TypeOrmStorageOptions } from '../../src/adapters/persistence/typeorm/typeorm-storage';

/**
 * The MySQL/MariaDB the tests may use: `CHAT_TEST_MYSQL_URL`, a
 * `mysql://user:password@host:port/database` whose user may also create and drop
 * databases named `<database>_*` (each Jest worker gets one of its own, so test
 * files can run in parallel). `.ci/run` starts a private MariaDB and sets it.
 *
 * Without it the MySQL tests are skipped, and the run says so once (see
 * test/support/global-setup.ts); under CI=true a missing database fails the run.
 */
export const MYSQL_URL_VARIABLE = 'CHAT_TEST_MYSQL_URL';

export function isCi(): boolean {
  return process.env['CI'] === 'true';
}

/** The test database URL, or null when MySQL tests are to be skipped (never under CI). */
export function mysqlTestUrl(): string | null {
  const url = process.env[MYSQL_URL_VARIABLE]?.trim();
  if (url) return url;
  if (isCi()) throw new Error(`${MYSQL_URL_VARIABLE} is not set, and CI=true: the MySQL/MariaDB tests must run in CI`);
  return null;
}

/** `describe` when a test database is configured, `describe.skip` otherwise. */
export function describeOnMysql(): jest.Describe {
  return mysqlTestUrl() === null ? describe.skip : describe;
}

/** The configured test database URL; only call it inside `describeOnMysql()` blocks. */
export function requireMysqlUrl(): string {
  const url = mysqlTestUrl();
  if (url === null) throw new Error(`${MYSQL_URL_VARIABLE} is not set`);
  return url;
}

/** The URL of another database on the same server, with the same credentials. */
export function urlOfDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** A raw connection (no TypeORM) as the test database's user, to inspect or prepare a database. */
export async function rawMysql(url: string, options: { database?: string | null } = {}): Promise<Connection> {
  const target: MysqlTarget = parseMysqlUrl(url);
  return createConnection({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    ...(options.database === null ? {} : { database: options.database ?? target.database }),
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: false,
  });
}

/** Creates the database (utf8mb4) unless it exists. */
export async function ensureDatabase(url: string, database: string): Promise<void> {
  const connection = await rawMysql(url, { database: null });
  try {
    await connection.query(`CREATE DATABASE IF NOT EXISTS ${connection.escapeId(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await connection.end();
  }
}

/** Drops the database and creates it empty. */
export async function recreateDatabase(url: string, database: string): Promise<void> {
  const connection = await rawMysql(url, { database: null });
  try {
    await connection.query(`DROP DATABASE IF EXISTS ${connection.escapeId(database)}`);
    await connection.query(`CREATE DATABASE ${connection.escapeId(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await connection.end();
  }
}

/** This Jest worker's own database: `<database>_w<worker>`, or `<database>_w<worker>_<suffix>`. */
export function workerDatabaseName(url: string, suffix = ''): string {
  const base = parseMysqlUrl(url).database;
  const worker = process.env['JEST_WORKER_ID'] ?? '0';
  return `${base}_w${worker}${suffix ? `_${suffix}` : ''}`;
}

/** Children before parents, so the deletes never trip a foreign key. */
const TABLES_CHILDREN_FIRST = [
  'reports',
  'blocks',
  'activity_logs',
  'session_tokens',
  'sessions',
  'group_message_deliveries',
  'group_messages',
  'direct_conversations',
  'messages',
  'group_members',
  'groups',
  'friend_lists',
  'friend_requests',
  'accounts',
];

const migratedDatabases = new Set<string>();

/**
 * The URL of this worker's database, migrated and emptied: every test that calls
 * it starts from no rows at all. Migrations run once per worker (the first
 * storage opened applies them); later calls only delete rows, which is fast.
 */
export async function freshWorkerDatabase(suffix = ''): Promise<string> {
  const url = requireMysqlUrl();
  const database = workerDatabaseName(url, suffix);
  const workerUrl = urlOfDatabase(url, database);
  if (!migratedDatabases.has(database)) {
    await ensureDatabase(url, database);
    await migrateDatabase({ database: workerUrl });
    migratedDatabases.add(database);
  }
  const connection = await rawMysql(url, { database });
  try {
    for (const table of TABLES_CHILDREN_FIRST) await connection.query(`DELETE FROM ${connection.escapeId(table)}`);
  } finally {
    await connection.end();
  }
  return workerUrl;
}

/** A storage on this worker's database, emptied first. */
export async function freshMysqlStorage(options: Omit<TypeOrmStorageOptions, 'database'> = {}): Promise<TypeOrmStorage> {
  return TypeOrmStorage.open({ ...options, database: await freshWorkerDatabase() });
}
