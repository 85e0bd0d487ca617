import type { EntityManager } from 'typeorm';
import { isDeadlock } from './database-errors';
import type { MysqlOperation, MysqlValue } from './mysql-operations';
import { immediateContext } from './sqlite-operations';
import { inSavepoint } from './sqlite-prepared';
import { sqliteConnectionOf, statementsOf, type SqliteAccess, type SqliteStatements } from './sqlite-statements';

/**
 * How a repository reaches the database. The same repository classes serve
 * outside a unit of work (each call stands alone) and inside one (every call
 * joins the unit's transaction); only the executor they are given differs.
 */
export interface Executor {
  /** Runs statements that need no transaction of their own. */
  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
  /** Runs statements that must be stored together or not at all. */
  atomically<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
  /**
   * Whether reads that decide a write should lock the rows they read until the
   * transaction ends (`SELECT ... FOR UPDATE`). True only inside a MySQL transaction,
   * where other transactions run beside this one; SQLite's executor runs one
   * transaction at a time, and a statement outside a transaction has nothing to hold.
   */
  readonly locksRows: boolean;
  /** SQLite only: prepared statements for the hot paths, under the same guarantees. */
  readonly sqlite?: SqliteAccess;
  /** MySQL/MariaDB only: the hot paths (mysql-operations.ts), batched where the executor batches. */
  readonly mysql?: MysqlAccess;
}

export interface MysqlAccess {
  perform<A extends readonly unknown[], R>(operation: MysqlOperation<A, R>, args: A): Promise<R>;
}

/**
 * Runs a MySQL operation's statements one after another through an executor: as a
 * transaction (a savepoint inside a unit of work) when there are several.
 */
export function performAtOnce<A extends readonly unknown[], R>(
  executor: Pick<Executor, 'run' | 'atomically'>,
  operation: MysqlOperation<A, R>,
  args: A,
): Promise<R> {
  const statements: Array<[sql: string, values: MysqlValue[]]> = [];
  try {
    operation.write({ add: (sql, values) => statements.push([sql, [...values]]), directMarks: null, sendDirect: null }, args);
  } catch (error) {
    return Promise.reject(error);
  }
  const work = async (manager: EntityManager): Promise<R> => {
    const results: unknown[] = [];
    for (const [sql, values] of statements) results.push(await manager.query(sql, values));
    return operation.read(results, args);
  };
  return statements.length > 1 ? executor.atomically(work) : executor.run(work);
}

/**
 * The executor handed to a unit of work's repositories: the unit's transaction
 * is already open, so statements run directly (no lock: the unit holds it), and
 * `atomically` nests a savepoint so a failed step does not leave half its writes
 * behind if the work catches the error and carries on.
 */
export class TransactionExecutor implements Executor {
  readonly locksRows: boolean;
  readonly sqlite?: SqliteAccess;
  readonly mysql?: MysqlAccess;
  private savepoints = 0;
  private ended = false;

  constructor(private readonly manager: EntityManager) {
    const engine = manager.dataSource.driver.options.type;
    this.locksRows = engine === 'mysql' || engine === 'mariadb';
    if (this.locksRows) this.mysql = { perform: (operation, args) => performAtOnce(this, operation, args) };
    const connection = sqliteConnectionOf(manager);
    if (connection) this.sqlite = this.sqliteAccess(statementsOf(connection));
  }

  /** The unit's transaction is open on this very connection: statements run in it directly. */
  private sqliteAccess(statements: SqliteStatements): SqliteAccess {
    const direct = <T>(work: (statements: SqliteStatements) => T): Promise<T> => {
      try {
        this.ensureOpen();
        return Promise.resolve(work(statements));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return {
      read: direct,
      write: direct,
      writeAtomically: (work) => direct((s) => inSavepoint(s, work)),
      perform: (operation, args, onStart) =>
        direct((s) => {
          onStart?.();
          const run = (statements: SqliteStatements) => operation.run(immediateContext(statements), args);
          return operation.atomic(args) ? inSavepoint(s, run) : run(s);
        }),
    };
  }

  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    this.ensureOpen();
    return work(this.manager);
  }

  async atomically<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    this.ensureOpen();
    // SAVEPOINT, RELEASE SAVEPOINT and ROLLBACK TO SAVEPOINT mean the same in SQLite and MySQL.
    const name = `sp_${++this.savepoints}`;
    await this.manager.query(`SAVEPOINT ${name}`);
    try {
      const result = await work(this.manager);
      await this.manager.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      // A deadlock victim's transaction is already rolled back, savepoints and all:
      // pass the error on untouched so the unit of work can run again.
      if (isDeadlock(error)) throw error;
      try {
        await this.manager.query(`ROLLBACK TO SAVEPOINT ${name}`);
        await this.manager.query(`RELEASE SAVEPOINT ${name}`);
      } catch (rollbackError) {
        // Never let the caller mistake this for the expected failure it may be catching.
        throw new AggregateError([error, rollbackError], 'A step failed and could not be undone');
      }
      throw error;
    }
  }

  /** Called when the unit of work is over: its repositories must not be used again. */
  end(): void {
    this.ended = true;
  }

  private ensureOpen(): void {
    // A repository kept past its unit of work would run outside both the transaction and the lock.
    if (this.ended) throw new Error('Repositories of a unit of work used after the unit of work ended');
  }
}
