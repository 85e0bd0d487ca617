import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';
import { AsyncLock } from './async-lock';
import type { Executor } from './executor';

/**
 * Database access for SQLite. TypeORM's better-sqlite3 driver has one connection
 * and one query runner for everything: two transactions cannot be open at once,
 * and a statement issued while another caller's transaction is open silently
 * joins it (and would be rolled back with it). So every access, a single
 * statement or a whole transaction, holds one FIFO lock for its duration.
 * better-sqlite3 runs each statement synchronously, so the lock costs no
 * parallelism that the connection could have offered.
 */
export class SqliteExecutor implements Executor {
  /** One transaction at a time already: nothing to lock row by row. */
  readonly locksRows = false;
  private readonly lock = new AsyncLock();
  /** Marks the async context of work that holds the lock for a transaction. */
  private readonly holder = new AsyncLocalStorage<{ holding: boolean }>();

  constructor(private readonly manager: EntityManager) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.isReentry()) return Promise.reject(reentryError());
    return this.lock.runExclusive(() => work(this.manager));
  }

  atomically<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.isReentry()) return Promise.reject(reentryError());
    return this.lock.runExclusive(() => {
      const hold = { holding: true };
      return this.holder.run(hold, () => this.inTransaction(work)).finally(() => {
        hold.holding = false;
      });
    });
  }

  /** Runs `work` once every earlier access has finished, with nothing else running beside it. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.lock.runExclusive(work);
  }

  /**
   * Work inside a transaction that reaches for the storage's own repositories
   * would wait for the lock it holds itself, forever, and every later caller
   * behind it. Refuse instead. Work it merely started, still running after the
   * transaction ended, is free to go.
   */
  private isReentry(): boolean {
    return this.holder.getStore()?.holding === true;
  }

  /**
   * BEGIN IMMEDIATE takes the write lock up front. A deferred BEGIN would start
   * as a reader, and if another process (the admin CLI) committed in between, the
   * first write would fail at once with SQLITE_BUSY instead of waiting out the
   * busy timeout.
   */
  private async inTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    await this.manager.query('BEGIN IMMEDIATE');
    try {
      const result = await work(this.manager);
      await this.manager.query('COMMIT');
      return result;
    } catch (error) {
      await this.rollbackAfter(error);
      throw error;
    }
  }

  private async rollbackAfter(cause: unknown): Promise<void> {
    try {
      await this.manager.query('ROLLBACK');
    } catch (rollbackError) {
      throw new AggregateError([cause, rollbackError], 'A transaction failed and could not be rolled back');
    }
  }
}

function reentryError(): Error {
  return new Error(
    "The storage's repositories were used inside a unit of work: use the repositories the unit of work hands over",
  );
}
