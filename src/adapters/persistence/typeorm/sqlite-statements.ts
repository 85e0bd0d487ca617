import type { Database } from 'better-sqlite3';
import { QueryFailedError, type EntityManager } from 'typeorm';
import type { SqliteOperation } from './sqlite-operations';
import { SqliteStatements, type SqliteValue } from './sqlite-prepared';

export { jsonIds, type BatchWork } from './sqlite-operations';
export { SqliteStatements, type SqliteValue } from './sqlite-prepared';

/**
 * Synchronous statement work for the SQLite repositories, with the same
 * guarantees as the executor's TypeORM paths: writes run inside the group-commit
 * batch (or the unit of work's transaction) and resolve only once committed.
 */
export interface SqliteAccess {
  /** One statement's writes (atomic by itself), as one job of the next batch. */
  write<T>(work: (statements: SqliteStatements) => T): Promise<T>;
  /** Several statements' writes, stored together or not at all (a savepoint of their own). */
  writeAtomically<T>(work: (statements: SqliteStatements) => T): Promise<T>;
  /**
   * A read of committed rows. Outside a transaction it runs at once (a write that is
   * still queued is one not acknowledged yet, so reading before it is as if it came
   * later); while a batch is open it waits its turn like any job.
   */
  read<T>(work: (statements: SqliteStatements) => T): Promise<T>;
  /**
   * A hot write path (see sqlite-operations.ts), as one job of the next batch: on the
   * write thread's connection when the storage has one, else like `write` (or
   * `writeAtomically`, as the operation says). `onStart` is called when the job's
   * arguments are taken: what is added to them later is not written by this job.
   */
  perform<A extends readonly unknown[], R>(operation: SqliteOperation<A, R>, args: A, onStart?: () => void): Promise<R>;
}

/** A failed statement on TypeORM's connection throws what TypeORM would. */
export function queryFailed(sql: string, parameters: readonly SqliteValue[], error: unknown): QueryFailedError {
  // Not `instanceof Error`: better-sqlite3's SqliteError may come from another realm (Jest's vm contexts).
  const driverError = typeof error === 'object' && error !== null ? (error as Error) : new Error(String(error));
  return new QueryFailedError(sql, [...parameters], driverError);
}

const byConnection = new WeakMap<Database, SqliteStatements>();

/** The statements of a better-sqlite3 connection, shared by everything that uses it. */
export function statementsOf(db: Database): SqliteStatements {
  let statements = byConnection.get(db);
  if (statements === undefined) {
    statements = new SqliteStatements(db, queryFailed);
    byConnection.set(db, statements);
  }
  return statements;
}

/** The better-sqlite3 connection behind a TypeORM manager, or null on any other driver. */
export function sqliteConnectionOf(manager: EntityManager): Database | null {
  const { driver } = manager.connection;
  if (driver.options.type !== 'better-sqlite3') return null;
  const connection: unknown = Reflect.get(driver, 'databaseConnection');
  return isDatabase(connection) ? connection : null;
}

function isDatabase(value: unknown): value is Database {
  return typeof value === 'object' && value !== null && 'prepare' in value && 'inTransaction' in value;
}

/**
 * Gathers calls that each write a few ids into one job: while a job is queued and
 * has not run yet, later ids join it, and all its callers learn its outcome. So
 * marking messages delivered one by one costs one statement per batch, not one each.
 */
export class CoalescedIdWrite {
  private pending: { readonly ids: number[]; readonly done: Promise<void> } | null = null;

  constructor(private readonly operation: SqliteOperation<readonly [ids: readonly number[]], void>) {}

  add(access: SqliteAccess, ids: readonly number[]): Promise<void> {
    if (this.pending) {
      for (const id of ids) this.pending.ids.push(id);
      return this.pending.done;
    }
    const gathered = [...ids];
    let ran = false;
    const done = access.perform(this.operation, [gathered], () => {
      ran = true;
      // From here on, new ids start a job of their own.
      if (this.pending?.ids === gathered) this.pending = null;
    });
    // Inside a unit of work the write runs at once: nothing is left to join.
    if (!ran) this.pending = { ids: gathered, done };
    return done;
  }
}
