import { MigrationExecutor, type DataSource, type QueryRunner } from 'typeorm';
import { connectDataSource } from './connect';
import { createDataSource, createMysqlDataSource, type DatabaseOptions } from './data-source';
import { isMysqlUrl, parseMysqlUrl, type MysqlTarget } from './database-url';

/** A committed migration and whether the database has it. */
export interface MigrationState {
  readonly name: string;
  readonly applied: boolean;
}

/** How long a process waits for another one that is migrating the same MySQL database. */
const MIGRATION_LOCK_TIMEOUT_S = 120;

/**
 * Applies the committed migrations the database does not have yet, oldest first,
 * and returns their names. On SQLite each runs in its own transaction. On MySQL
 * the work goes through one connection without a statement timeout (a migration
 * on a big table may take minutes) that holds a named lock (GET_LOCK), so
 * processes starting together take turns and only the first one migrates.
 */
export function migrateDatabase(options: DatabaseOptions): Promise<string[]> {
  return withMigrator(options, async (migrator) => (await migrator.executePendingMigrations()).map((m) => m.name));
}

/** Every committed migration, oldest first, and whether the database has it. */
export function migrationStates(options: DatabaseOptions): Promise<MigrationState[]> {
  return withMigrator(options, async (migrator, dataSource) => {
    const executed = new Set((await migrator.getExecutedMigrations()).map((m) => m.name));
    // The DataSource lists them as committed: oldest first.
    return dataSource.migrations.map((m) => {
      const name = m.name ?? m.constructor.name;
      return { name, applied: executed.has(name) };
    });
  });
}

/** Undoes the last applied migration; returns its name, or null when none is applied. */
export function revertLastMigration(options: DatabaseOptions): Promise<string | null> {
  return withMigrator(options, async (migrator) => {
    const executed = await migrator.getExecutedMigrations();
    if (executed.length === 0) return null;
    const last = executed.reduce((latest, m) => (m.timestamp > latest.timestamp ? m : latest));
    await migrator.undoLastMigration();
    return last.name;
  });
}

async function withMigrator<T>(
  options: DatabaseOptions,
  work: (migrator: MigrationExecutor, dataSource: DataSource) => Promise<T>,
): Promise<T> {
  if (!isMysqlUrl(options.database)) {
    const dataSource = await connectDataSource(createDataSource(options), options.database);
    try {
      const migrator = new MigrationExecutor(dataSource);
      migrator.transaction = 'each';
      return await work(migrator, dataSource);
    } finally {
      await dataSource.destroy();
    }
  }
  const target = parseMysqlUrl(options.database);
  const dataSource = await connectDataSource(migrationDataSource(target, options), options.database);
  const runner = dataSource.createQueryRunner();
  try {
    await takeMigrationLock(runner, target);
    const migrator = new MigrationExecutor(dataSource, runner);
    // MySQL commits each DDL statement on its own: no transaction would hold a migration together.
    migrator.transaction = 'none';
    return await work(migrator, dataSource);
  } finally {
    // Closing the connection releases the lock.
    await runner.release();
    await dataSource.destroy();
  }
}

/** One connection, no statement timeout. */
function migrationDataSource(target: MysqlTarget, options: DatabaseOptions): DataSource {
  return createMysqlDataSource(target, { poolSize: 1, connectTimeoutMs: options.connectTimeoutMs, queryTimeoutMs: 0 });
}

/** A server-wide lock named after the database, held by this connection until it closes. */
async function takeMigrationLock(runner: QueryRunner, target: MysqlTarget): Promise<void> {
  const rows: Array<{ locked: number | string | null }> = await runner.query('SELECT GET_LOCK(?, ?) AS locked', [
    `chat-migrations:${target.database}`.slice(0, 64),
    MIGRATION_LOCK_TIMEOUT_S,
  ]);
  if (Number(rows[0]?.locked) !== 1) {
    throw new Error(`Another process held the migration lock for more than ${MIGRATION_LOCK_TIMEOUT_S} s`);
  }
}
