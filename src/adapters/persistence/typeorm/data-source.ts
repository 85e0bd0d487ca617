import type { Database } from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { InitialSchema1764201600000 } from './migrations/sqlite/1764201600000-initial-schema.migration';
import { ALL_SCHEMAS } from './schemas';

export type SqliteSynchronous = 'FULL' | 'NORMAL';

export interface SqliteDataSourceOptions {
  /** A SQLite file path (its folder is created when missing) or `:memory:`. */
  readonly database: string;
  /**
   * FULL (the default) syncs the write-ahead log at every commit, so an
   * acknowledged write survives a power loss; NORMAL only survives a crash of the process.
   */
  readonly synchronous?: SqliteSynchronous;
}

/** Listed in order, as classes: no globs, so ts-jest and the compiled output load the same ones. */
export const SQLITE_MIGRATIONS = [InitialSchema1764201600000];

/** Another process (the admin CLI) writes to the same file: wait this long for its lock. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * The DataSource for the server, the admin CLI and the TypeORM CLI. It never
 * synchronizes: the schema is what the committed migrations make.
 */
export function createDataSource(options: SqliteDataSourceOptions): DataSource {
  if (/^mysql:\/\//i.test(options.database)) {
    throw new Error('MySQL databases are not supported yet: give a SQLite file path or :memory:');
  }
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
    logging: false,
  });
}
