import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';
import type { Executor } from './executor';

/** One piece of work waiting for the connection. */
interface Job {
  readonly work: (manager: EntityManager) => Promise<unknown>;
  readonly settle: (outcome: Outcome) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * Database access for SQLite, with group commit.
 *
 * TypeORM's better-sqlite3 driver has one connection for everything: two
 * transactions cannot be open at once, and a statement issued while another
 * caller's transaction is open silently joins it. So all access is queued and
 * runs on the connection one job at a time.
 *
 * With `synchronous = FULL` every commit waits for the disk, and that wait, not
 * the statements, is what a chat server's writes cost. So whatever has queued up
 * while the previous batch ran is executed as one batch inside one transaction:
 * each job in a savepoint of its own (a failing job undoes only its own writes and
 * fails alone), then one COMMIT, and only then is any job's result handed back, so
 * nothing is acknowledged before it is on disk. Under load the batches grow by
 * themselves; alone, a job is a transaction of its own as before.
 */
export class SqliteExecutor implements Executor {
  /** One transaction at a time already: nothing to lock row by row. */
  readonly locksRows = false;
  private queue: Job[] = [];
  private running: Promise<void> | null = null;
  /** Marks the async context of work running inside a batch. */
  private readonly holder = new AsyncLocalStorage<{ holding: boolean }>();
  private closed = false;

  constructor(
    private readonly manager: EntityManager,
    /** Most jobs in one batch, so one huge burst cannot hold the event loop for long. */
    private readonly maxBatch = 512,
  ) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.enqueue(work);
  }

  /** Every job is atomic here: each runs in a savepoint of its own inside its batch's transaction. */
  atomically<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.enqueue(work);
  }

  /** Runs `work` once every queued job has finished, with nothing else running beside it (closing). */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.closed = true;
    while (this.running) await this.running;
    return work();
  }

  private enqueue<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.holder.getStore()?.holding === true) return Promise.reject(reentryError());
    if (this.closed) return Promise.reject(new Error('The storage is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        work,
        settle: (outcome) => (outcome.ok ? resolve(outcome.value as T) : reject(outcome.error)),
      });
      this.running ??= this.drain();
    });
  }

  /** Runs batches until the queue is empty, letting I/O in between them. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Let sockets be read (and more work queue up) before the next batch.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const batch = this.queue.splice(0, this.maxBatch);
        await this.runBatch(batch);
      }
    } finally {
      this.running = null;
    }
  }

  private async runBatch(batch: readonly Job[]): Promise<void> {
    const outcomes: Outcome[] = [];
    try {
      await this.manager.query('BEGIN IMMEDIATE');
    } catch (error) {
      for (const job of batch) job.settle({ ok: false, error });
      return;
    }
    const hold = { holding: true };
    try {
      await this.holder.run(hold, async () => {
        for (const job of batch) outcomes.push(await this.runJob(job));
      });
    } finally {
      hold.holding = false;
    }
    try {
      await this.manager.query('COMMIT');
    } catch (error) {
      await this.manager.query('ROLLBACK').catch(() => undefined);
      for (const job of batch) job.settle({ ok: false, error });
      return;
    }
    batch.forEach((job, i) => job.settle(outcomes[i]!));
  }

  /** One job in a savepoint of its own, so its failure undoes only its own writes. */
  private async runJob(job: Job): Promise<Outcome> {
    await this.manager.query('SAVEPOINT job');
    try {
      const value = await job.work(this.manager);
      await this.manager.query('RELEASE SAVEPOINT job');
      return { ok: true, value };
    } catch (error) {
      await this.manager.query('ROLLBACK TO SAVEPOINT job');
      await this.manager.query('RELEASE SAVEPOINT job');
      return { ok: false, error };
    }
  }
}

function reentryError(): Error {
  return new Error(
    "The storage's repositories were used inside a unit of work: use the repositories the unit of work hands over",
  );
}
