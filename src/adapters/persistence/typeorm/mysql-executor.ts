import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { driverErrorCode, isDeadlock } from './database-errors';
import { performAtOnce, type Executor, type MysqlAccess } from './executor';
import type { MysqlBatchWriter } from './mysql-batch-writer';
import { NO_STORAGE_OBSERVER, type StorageObserver } from './storage-observer';

export interface MysqlExecutorOptions {
  /** How many times work that lost a deadlock runs again before the error is passed on. */
  readonly deadlockRetries?: number;
  /** Told how long each transaction's COMMIT took. */
  readonly observer?: StorageObserver;
  /**
   * Runs the hot paths in group-commit batches (mysql-batch-writer.ts), and is closed
   * with the executor. Without it they run one transaction each.
   */
  readonly writer?: MysqlBatchWriter;
}

export const DEFAULT_DEADLOCK_RETRIES = 4;

/**
 * Database access for MySQL and MariaDB. Unlike SQLite's executor it holds no
 * lock: the pool gives each call a connection of its own, so transactions run
 * side by side and the database orders them (row locks, unique indexes,
 * conditional updates). Outside a transaction each statement commits on its own.
 *
 * When MySQL breaks a deadlock it rolls back one of the transactions involved;
 * that work runs again from the start, a few times, before its error is passed
 * on. Work given to this executor must therefore only touch the database (the
 * use-cases push to connections after their unit of work has committed).
 *
 * A statement that outlives the query timeout fails, and its connection is
 * dropped rather than handed to the next caller: mysql2 would queue that
 * caller's statements behind the one the server never answered.
 */
export class MysqlExecutor implements Executor {
  /** Outside a transaction, locks would be released as soon as they were taken. */
  readonly locksRows = false;
  readonly mysql: MysqlAccess;
  private readonly deadlockRetries: number;
  private readonly writer: MysqlBatchWriter | null;
  private readonly observer: StorageObserver;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Marks the async context of work running inside one of this executor's transactions. */
  private readonly holder = new AsyncLocalStorage<{ holding: boolean }>();
  /** Units of work inside `holder.run` right now. */
  private holding = 0;
  private closed = false;

  constructor(
    private readonly dataSource: DataSource,
    options: MysqlExecutorOptions = {},
  ) {
    this.deadlockRetries = options.deadlockRetries ?? DEFAULT_DEADLOCK_RETRIES;
    this.observer = options.observer ?? NO_STORAGE_OBSERVER;
    this.writer = options.writer ?? null;
    const writer = this.writer;
    this.mysql = {
      perform: (operation, args) => {
        if (!writer) return performAtOnce(this, operation, args);
        if (this.isReentry()) return Promise.reject(reentryError());
        return this.track(() => writer.perform(operation, args));
      },
    };
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.isReentry()) return Promise.reject(reentryError());
    return this.track(() => this.retryingDeadlocks(() => this.withConnection((runner) => work(runner.manager))));
  }

  atomically<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.isReentry()) return Promise.reject(reentryError());
    return this.track(() =>
      this.retryingDeadlocks(() =>
        this.withConnection(async (runner) => {
          await runner.startTransaction();
          const hold = { holding: true };
          this.holding++;
          try {
            const result = await this.holder.run(hold, () => work(runner.manager));
            const started = performance.now();
            await runner.commitTransaction();
            this.observer.committed(1, (performance.now() - started) / 1000);
            return result;
          } catch (error) {
            await rollBack(runner, error);
            throw error;
          } finally {
            hold.holding = false;
            // An enabled AsyncLocalStorage makes every promise of the process pay for
            // async hooks (about 5 % of a message's CPU): on only while units of work run.
            if (--this.holding === 0) this.holder.disable();
          }
        }),
      ),
    );
  }

  /** Resolves once the database has answered a trivial query. */
  ping(): Promise<void> {
    return this.run(async (manager) => {
      await manager.query('SELECT 1');
    });
  }

  /** Refuses new work, then waits for the work already started to settle. */
  async drain(): Promise<void> {
    this.closed = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.writer?.close();
  }

  /**
   * Work inside a transaction that reaches for the storage's own repositories
   * would run beside its own transaction on another connection, and could wait
   * for its own row locks until MySQL gives up. Refuse, as on SQLite. Work it
   * merely started, still running after the transaction ended, is free to go.
   */
  private isReentry(): boolean {
    return this.holder.getStore()?.holding === true;
  }

  private track<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('The storage is closed'));
    const running = work();
    this.inFlight.add(running);
    const forget = (): void => {
      this.inFlight.delete(running);
    };
    running.then(forget, forget);
    return running;
  }

  /** One pooled connection for the whole of `work`, back to the pool afterwards (or dropped, see above). */
  private async withConnection<T>(work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await work(runner);
    } catch (error) {
      if (isQueryTimeout(error)) await discardConnection(runner);
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async retryingDeadlocks<T>(attempt: () => Promise<T>): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await attempt();
      } catch (error) {
        if (!isDeadlock(error) || retry >= this.deadlockRetries) throw error;
        // A short random pause, longer at each retry, so the same transactions do not collide again.
        await sleep(1 + Math.floor(Math.random() * 10 * (retry + 1)));
      }
    }
  }
}

function reentryError(): Error {
  return new Error(
    "The storage's repositories were used inside a unit of work: use the repositories the unit of work hands over",
  );
}

/** mysql2's code for a statement that got no answer within the query timeout. */
function isQueryTimeout(error: unknown): boolean {
  return driverErrorCode(error) === 'PROTOCOL_SEQUENCE_TIMEOUT';
}

/**
 * Rolls the transaction back after `cause`. When that cannot be done (the
 * connection timed out or broke) the connection is dropped instead: the server
 * rolls back the transaction of a connection that goes away.
 */
async function rollBack(runner: QueryRunner, cause: unknown): Promise<void> {
  if (isQueryTimeout(cause)) return discardConnection(runner);
  try {
    await runner.rollbackTransaction();
  } catch {
    await discardConnection(runner);
  }
}

/** Closes the runner's connection and takes it out of the pool; releasing it later does nothing. */
async function discardConnection(runner: QueryRunner): Promise<void> {
  if (runner.isReleased) return;
  const connection: unknown = await runner.connect().catch(() => null);
  if (typeof connection === 'object' && connection !== null && 'destroy' in connection) {
    const { destroy } = connection;
    if (typeof destroy === 'function') destroy.call(connection);
  }
}
