import type { Database, RunResult, Statement } from 'better-sqlite3';
import { QueryFailedError, type EntityManager } from 'typeorm';

/** What a bound statement takes: better-sqlite3 binds no booleans. */
export type SqliteValue = number | string | bigint | Buffer | null;

/**
 * Prepared better-sqlite3 statements, each prepared once per connection. The hot
 * paths (a message stored, marked delivered, an account or a group looked up) run
 * through these instead of TypeORM's generic query path, which costs several times
 * the statement itself. Still on TypeORM's own connection, so they share its
 * transactions. A failure is a QueryFailedError around the driver's error, as
 * TypeORM throws it, so the callers' error checks (unique violation, ...) hold.
 * Only for a bounded set of SQL texts: each stays prepared for the connection's life.
 */
export class SqliteStatements {
  private readonly prepared = new Map<string, Statement>();
  /** The same texts prepared to return rows as arrays (no object per row). */
  private readonly preparedRaw = new Map<string, Statement>();

  constructor(readonly db: Database) {}

  run(sql: string, parameters: readonly SqliteValue[] = []): RunResult {
    try {
      return this.statement(sql).run(...parameters);
    } catch (error) {
      throw failed(sql, parameters, error);
    }
  }

  get(sql: string, parameters: readonly SqliteValue[]): unknown {
    try {
      return this.statement(sql).get(...parameters);
    } catch (error) {
      throw failed(sql, parameters, error);
    }
  }

  all(sql: string, parameters: readonly SqliteValue[]): unknown[] {
    try {
      return this.statement(sql).all(...parameters);
    } catch (error) {
      throw failed(sql, parameters, error);
    }
  }

  /** Rows as arrays of column values, in the order the SELECT lists them. */
  allRows(sql: string, parameters: readonly SqliteValue[]): unknown[][] {
    try {
      let statement = this.preparedRaw.get(sql);
      if (statement === undefined) {
        statement = this.db.prepare(sql).raw(true);
        this.preparedRaw.set(sql, statement);
      }
      return statement.all(...parameters) as unknown[][];
    } catch (error) {
      throw failed(sql, parameters, error);
    }
  }

  private statement(sql: string): Statement {
    let statement = this.prepared.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.prepared.set(sql, statement);
    }
    return statement;
  }

  /** Whether a transaction is open on the connection. */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }
}

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
   * Only the group-commit executor, and only from inside a write's work: `work` runs
   * once more before this batch's COMMIT, after all its jobs, however many of them
   * registered it. Should it throw, the batch is lost as if its COMMIT had failed, and
   * `work.discard()` is called, as it is whenever the batch is lost.
   */
  beforeCommit?(work: BatchWork): void;
}

/** Work gathered over a batch's jobs and written once, just before the batch commits. */
export interface BatchWork {
  flush(statements: SqliteStatements): void;
  /** The batch was lost: forget what was gathered for it. */
  discard(): void;
}

function failed(sql: string, parameters: readonly SqliteValue[], error: unknown): QueryFailedError {
  // Not `instanceof Error`: better-sqlite3's SqliteError may come from another realm (Jest's vm contexts).
  const driverError = typeof error === 'object' && error !== null ? (error as Error) : new Error(String(error));
  return new QueryFailedError(sql, [...parameters], driverError);
}

const byConnection = new WeakMap<Database, SqliteStatements>();

/** The statements of a better-sqlite3 connection, shared by everything that uses it. */
export function statementsOf(db: Database): SqliteStatements {
  let statements = byConnection.get(db);
  if (statements === undefined) {
    statements = new SqliteStatements(db);
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

/** `json_each(?)` takes a list of ids as one bound value: one prepared statement for any length. */
export function jsonIds(ids: readonly number[]): string {
  return JSON.stringify(ids);
}

/**
 * Gathers calls that each write a few ids into one job: while a job is queued and
 * has not run yet, later ids join it, and all its callers learn its outcome. So
 * marking messages delivered one by one costs one statement per batch, not one each.
 */
export class CoalescedIdWrite {
  private pending: { readonly ids: number[]; readonly done: Promise<void> } | null = null;

  constructor(private readonly write: (statements: SqliteStatements, ids: readonly number[]) => void) {}

  add(access: SqliteAccess, ids: readonly number[]): Promise<void> {
    if (this.pending) {
      for (const id of ids) this.pending.ids.push(id);
      return this.pending.done;
    }
    const gathered = [...ids];
    let ran = false;
    const done = access.write((statements) => {
      ran = true;
      // From here on, new ids start a job of their own.
      if (this.pending?.ids === gathered) this.pending = null;
      this.write(statements, gathered);
    });
    // Inside a unit of work the write runs at once: nothing is left to join.
    if (!ran) this.pending = { ids: gathered, done };
    return done;
  }
}
