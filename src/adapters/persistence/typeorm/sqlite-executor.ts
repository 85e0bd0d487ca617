import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from 'typeorm';
import { driverErrorCode } from './database-errors';
import type { Executor } from './executor';
import { GatheredWork, type SqliteOperation } from './sqlite-operations';
import { inSavepoint } from './sqlite-prepared';
import { NO_STORAGE_OBSERVER, type StorageObserver } from './storage-observer';
import { sqliteConnectionOf, statementsOf, type SqliteAccess, type SqliteStatements } from './sqlite-statements';
import type { JobOutcome, SqliteWriteThread } from './sqlite-write-thread';

/** One piece of work waiting for the connection. */
type Job =
  | {
      /** TypeORM work: awaited, in a savepoint of its own. */
      readonly kind: 'async';
      readonly work: (manager: EntityManager) => Promise<unknown>;
      readonly settle: (outcome: Outcome) => void;
    }
  | {
      /** Prepared statements run synchronously; `atomic` when they are several. */
      readonly kind: 'sync';
      readonly work: (statements: SqliteStatements) => unknown;
      readonly atomic: boolean;
      readonly settle: (outcome: Outcome) => void;
      readonly onStart?: () => void;
    }
  | {
      /** A write operation for the write thread: its name and arguments. */
      readonly kind: 'operation';
      readonly name: string;
      readonly args: readonly unknown[];
      readonly settle: (outcome: Outcome) => void;
      readonly onStart?: () => void;
    };

type Outcome = JobOutcome;

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
 *
 * The hot paths hand synchronous prepared-statement work instead (see `sqlite`):
 * a single statement is atomic by itself and needs no savepoint, and a read of
 * committed rows runs at once when no batch is open.
 *
 * With a write thread (a database file; see sqlite-write-thread.ts) the hot write
 * paths, named operations, run there in transactions of their own: their statements,
 * COMMIT and disk sync leave the event loop. Everything else (TypeORM work, reads)
 * stays on this thread's connection. Jobs still run in the order they were asked
 * for: operations are handed to the write thread as they come (once per turn of the
 * event loop), and a run of the other jobs is a batch here once every operation asked
 * for before it is settled. A wait for the
 * write lock held by another process blocks the write thread, never this one: here
 * the connection does not wait for locks, and a BEGIN that finds the lock taken is
 * tried again later without holding up the event loop.
 */
export class SqliteExecutor implements Executor {
  /** One transaction at a time already: nothing to lock row by row. */
  readonly locksRows = false;
  readonly sqlite: SqliteAccess;
  private queue: Job[] = [];
  private running: Promise<void> | null = null;
  /** Between a batch's BEGIN and its COMMIT (or ROLLBACK). */
  private batchOpen = false;
  /** A read transaction shared by the reads of this turn of the event loop (see openSnapshot). */
  private snapshotOpen = false;
  /**
   * Marks the async context of TypeORM work running inside a batch. Enabled only
   * while such work runs: an enabled AsyncLocalStorage makes every promise of the
   * process pay for async hooks.
   */
  private readonly holder = new AsyncLocalStorage<{ holding: boolean }>();
  private closed = false;
  private readonly statements: SqliteStatements;
  /** What the open batch's jobs asked to have written before its COMMIT. */
  private readonly gathered = new GatheredWork();

  constructor(
    private readonly manager: EntityManager,
    /** Most jobs in one batch, so one huge burst cannot hold the event loop for long. */
    private readonly maxBatch = 512,
    /** Told each batch's size and how long its COMMIT took. */
    private readonly observer: StorageObserver = NO_STORAGE_OBSERVER,
    /** Runs the write operations, when the database is a file; this connection then never waits for a lock. */
    private readonly writer: SqliteWriteThread | null = null,
    /** With a write thread: how long a batch here keeps trying to take the write lock. */
    private readonly lockWaitMs = 5_000,
  ) {
    if (writer) {
      writer.onSettling = (jobs, commitSeconds) => {
        // What this thread's connection reads next must include what was just committed.
        this.closeSnapshot();
        if (commitSeconds !== null) observer.committed(jobs, commitSeconds);
      };
    }
    const connection = sqliteConnectionOf(manager);
    if (!connection) throw new Error('SqliteExecutor needs a TypeORM better-sqlite3 connection');
    this.statements = statementsOf(connection);
    this.sqlite = {
      write: (work) => this.enqueueStatements(work, false),
      writeAtomically: (work) => this.enqueueStatements(work, true),
      read: (work) => this.read(work),
      perform: (operation, args, onStart) => this.enqueueOperation(operation, args, onStart),
    };
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.enqueue(work);
  }

  /** Every job is atomic here: each runs in a savepoint of its own inside its batch's transaction. */
  atomically<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.enqueue(work);
  }

  /** Resolves once the database has answered a trivial query (after the work already queued, if a batch is open). */
  ping(): Promise<void> {
    return this.read((statements) => {
      statements.get('SELECT 1', []);
    });
  }

  /** Runs `work` once every queued job has finished and the write thread has ended, with nothing else running beside it (closing). */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.closed = true;
    while (this.running) await this.running;
    await this.writer?.close();
    this.closeSnapshot();
    return work();
  }

  private read<T>(work: (statements: SqliteStatements) => T): Promise<T> {
    if (this.batchOpen || (this.statements.inTransaction && !this.snapshotOpen)) {
      return this.enqueueStatements(work, false);
    }
    if (this.closed) return Promise.reject(closedError());
    try {
      if (!this.snapshotOpen) this.openSnapshot();
      return Promise.resolve(work(this.statements));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The reads of one turn of the event loop share one read transaction: in WAL mode
   * a statement outside a transaction pays for taking a snapshot of its own, several
   * times the cost of the read. It ends before the next batch begins and at the end
   * of the turn, so it never shows rows older than what the turn could have read.
   */
  private openSnapshot(): void {
    this.statements.run('BEGIN');
    this.snapshotOpen = true;
    setImmediate(closeSnapshot, this);
  }

  /** Ends the shared read transaction, if one is open. */
  closeSnapshot(): void {
    if (!this.snapshotOpen) return;
    this.snapshotOpen = false;
    try {
      if (this.statements.inTransaction) this.statements.run('COMMIT');
    } catch {
      // A read-only transaction has nothing to lose; the next BEGIN reports a broken connection.
    }
  }

  private enqueue<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        kind: 'async',
        work,
        settle: (outcome) => (outcome.ok ? resolve(outcome.value as T) : reject(outcome.error)),
      });
      this.running ??= this.drain();
    });
  }

  private enqueueStatements<T>(
    work: (statements: SqliteStatements) => T,
    atomic: boolean,
    onStart?: () => void,
  ): Promise<T> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        kind: 'sync',
        work,
        atomic,
        onStart,
        settle: (outcome) => (outcome.ok ? resolve(outcome.value as T) : reject(outcome.error)),
      });
      this.running ??= this.drain();
    });
  }

  private enqueueOperation<A extends readonly unknown[], R>(
    operation: SqliteOperation<A, R>,
    args: A,
    onStart?: () => void,
  ): Promise<R> {
    if (!this.writer) {
      return this.enqueueStatements((s) => operation.run(this.gathered.context(s), args), operation.atomic(args), onStart);
    }
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return new Promise<R>((resolve, reject) => {
      this.queue.push({
        kind: 'operation',
        name: operation.name,
        args,
        onStart,
        settle: (outcome) => (outcome.ok ? resolve(outcome.value as R) : reject(outcome.error)),
      });
      this.running ??= this.drain();
    });
  }

  private refusal(): Error | null {
    if (this.holder.getStore()?.holding === true) return reentryError();
    if (this.closed) return closedError();
    return null;
  }

  /** Runs batches until the queue is empty, letting I/O in between them. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Let sockets be read (and more work queue up) before the next batch.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.queue[0]!.kind === 'operation') {
          this.handOver();
        } else {
          // A run of jobs for this connection, after the operations asked for before them.
          await this.writer?.idle();
          let size = 1;
          while (size < this.queue.length && size < this.maxBatch && this.queue[size]!.kind !== 'operation') size++;
          await this.runBatch(this.queue.splice(0, size));
        }
      }
    } finally {
      this.running = null;
    }
  }

  /**
   * Hands the operations at the head of the queue (up to a batch's worth) to the write
   * thread, without waiting for the ones before them: the thread takes whatever has
   * arrived into its next transaction, and each job is settled once that committed.
   */
  private handOver(): void {
    const batch: OperationJob[] = [];
    while (batch.length < this.maxBatch && this.queue.length > 0) {
      const job = this.queue[0]!;
      if (!isOperation(job)) break;
      this.queue.shift();
      job.onStart?.();
      batch.push(job);
    }
    this.writer!.submit(batch);
  }

  private async runBatch(batch: readonly Job[]): Promise<void> {
    this.closeSnapshot();
    try {
      await this.begin();
    } catch (error) {
      for (const job of batch) job.settle({ ok: false, error });
      return;
    }
    this.batchOpen = true;
    const outcomes: Outcome[] = [];
    let usedHolder = false;
    let lost: { error: unknown } | null = null;
    try {
      for (const job of batch) {
        let outcome: Outcome;
        if (job.kind === 'operation') {
          // Operations are only queued when there is a write thread, and never run here.
          outcome = { ok: false, error: new Error('A write operation reached the main connection') };
        } else if (job.kind === 'sync') {
          job.onStart?.();
          outcome = this.runStatements(job.work, job.atomic);
        } else {
          usedHolder = true;
          outcome = await this.runJob(job.work);
        }
        outcomes.push(outcome);
        // A full disk or an I/O error can end the whole transaction, earlier jobs' writes with it.
        if (!this.statements.inTransaction) {
          lost = { error: outcome.ok ? new Error('The transaction ended before its COMMIT') : outcome.error };
          break;
        }
      }
      if (!lost) this.gathered.flush(this.statements);
    } catch (error) {
      lost = { error };
    } finally {
      if (usedHolder) this.holder.disable();
      if (lost) this.gathered.discard();
      this.gathered.clear();
    }
    if (lost) {
      this.abandon(batch, outcomes.length, lost.error);
      return;
    }
    const started = performance.now();
    try {
      this.statements.run('COMMIT');
    } catch (error) {
      this.abandon(batch, batch.length, error);
      return;
    }
    const seconds = (performance.now() - started) / 1000;
    this.batchOpen = false;
    batch.forEach((job, i) => job.settle(outcomes[i]!));
    this.observer.committed(batch.length, seconds);
  }

  /**
   * BEGIN IMMEDIATE. Without a write thread the connection waits for the write lock
   * itself (its busy timeout). With one it never waits, so that another process
   * holding the lock cannot stop the event loop: a BEGIN that finds the lock taken is
   * tried again a little later, for up to `lockWaitMs`, and then fails as a busy
   * timeout would.
   */
  private async begin(): Promise<void> {
    const deadline = performance.now() + this.lockWaitMs;
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      try {
        this.statements.run('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        if (!this.writer || driverErrorCode(error) !== 'SQLITE_BUSY' || performance.now() >= deadline) throw error;
      }
      await sleep(pause);
    }
  }

  /**
   * The batch's transaction is lost: the jobs that ran fail (their writes are gone),
   * the ones that did not run yet go back to the front of the queue.
   */
  private abandon(batch: readonly Job[], ran: number, error: unknown): void {
    try {
      if (this.statements.inTransaction) this.statements.run('ROLLBACK');
    } catch {
      // The connection is broken beyond a rollback; the next BEGIN reports it.
    }
    this.batchOpen = false;
    this.queue.unshift(...batch.slice(ran));
    for (const job of batch.slice(0, ran)) job.settle({ ok: false, error });
  }

  private runStatements(work: (statements: SqliteStatements) => unknown, atomic: boolean): Outcome {
    try {
      // A single statement that fails undoes its own changes and leaves the transaction open.
      return { ok: true, value: atomic ? inSavepoint(this.statements, work) : work(this.statements) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** One job in a savepoint of its own, so its failure undoes only its own writes. */
  private async runJob(work: (manager: EntityManager) => Promise<unknown>): Promise<Outcome> {
    this.statements.run('SAVEPOINT job');
    const hold = { holding: true };
    try {
      const value = await this.holder.run(hold, () => work(this.manager));
      this.statements.run('RELEASE SAVEPOINT job');
      return { ok: true, value };
    } catch (error) {
      if (this.statements.inTransaction) {
        this.statements.run('ROLLBACK TO SAVEPOINT job');
        this.statements.run('RELEASE SAVEPOINT job');
      }
      return { ok: false, error };
    } finally {
      hold.holding = false;
    }
  }
}

type OperationJob = Extract<Job, { kind: 'operation' }>;

function isOperation(job: Job): job is OperationJob {
  return job.kind === 'operation';
}

function closeSnapshot(executor: SqliteExecutor): void {
  executor.closeSnapshot();
}

function closedError(): Error {
  return new Error('The storage is closed');
}

function reentryError(): Error {
  return new Error(
    "The storage's repositories were used inside a unit of work: use the repositories the unit of work hands over",
  );
}

