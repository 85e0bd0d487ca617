import type { Database, RunResult, Statement } from 'better-sqlite3';

/** What a bound statement takes: better-sqlite3 binds no booleans. */
export type SqliteValue = number | string | bigint | Buffer | null;

/**
 * Prepared better-sqlite3 statements, each prepared once per connection. The hot
 * paths (a message stored, marked delivered, an account or a group looked up) run
 * through these instead of TypeORM's generic query path, which costs several times
 * the statement itself. On TypeORM's own connection they share its transactions,
 * and a failure is a QueryFailedError around the driver's error, as TypeORM throws
 * it, so the callers' error checks (unique violation, ...) hold; on the write
 * thread's connection a failure is made into something that can cross threads.
 * Nothing here imports TypeORM: the write thread loads this file.
 * Only for a bounded set of SQL texts: each stays prepared for the connection's life.
 */
export class SqliteStatements {
  private readonly prepared = new Map<string, Statement>();
  /** The same texts prepared to return rows as arrays (no object per row). */
  private readonly preparedRaw = new Map<string, Statement>();

  constructor(
    readonly db: Database,
    /** What a failed statement throws: the caller's error type around the driver's error. */
    private readonly failed: StatementFailure,
  ) {}

  run(sql: string, parameters: readonly SqliteValue[] = []): RunResult {
    try {
      return this.statement(sql).run(...parameters);
    } catch (error) {
      throw this.failed(sql, parameters, error);
    }
  }

  get(sql: string, parameters: readonly SqliteValue[]): unknown {
    try {
      return this.statement(sql).get(...parameters);
    } catch (error) {
      throw this.failed(sql, parameters, error);
    }
  }

  all(sql: string, parameters: readonly SqliteValue[]): unknown[] {
    try {
      return this.statement(sql).all(...parameters);
    } catch (error) {
      throw this.failed(sql, parameters, error);
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
      throw this.failed(sql, parameters, error);
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

/** Makes the error a failed statement throws, from its text, its values and the driver's error. */
export type StatementFailure = (sql: string, parameters: readonly SqliteValue[], error: unknown) => Error;

/** Runs synchronous statement work in a savepoint: all of it is stored, or none. */
export function inSavepoint<T>(statements: SqliteStatements, work: (statements: SqliteStatements) => T): T {
  // Synchronous work cannot nest another, so one name serves (SQLite releases the innermost).
  statements.run('SAVEPOINT statements');
  let result: T;
  try {
    result = work(statements);
  } catch (error) {
    // An I/O error or a full disk may have ended the whole transaction already.
    if (statements.inTransaction) {
      statements.run('ROLLBACK TO SAVEPOINT statements');
      statements.run('RELEASE SAVEPOINT statements');
    }
    throw error;
  }
  statements.run('RELEASE SAVEPOINT statements');
  return result;
}
