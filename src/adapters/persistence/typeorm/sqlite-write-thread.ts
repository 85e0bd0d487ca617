import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { QueryFailedError } from 'typeorm';
import type { ThreadReply, WireFailure, WireOutcome, WriteThreadSetup } from './sqlite-write-protocol';

/** A job for the write thread: an operation's name and arguments, and who hears how it went. */
export interface ThreadJob {
  readonly name: string;
  readonly args: readonly unknown[];
  settle(outcome: JobOutcome): void;
}

export type JobOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * The SQLite write thread, seen from the main thread: a worker (sqlite-write-worker.ts)
 * with a connection of its own to the database file. Jobs are handed over as they
 * come, without waiting for the ones before: the thread runs them in order, in
 * transactions that take whatever has arrived, and a job is settled once its
 * transaction has committed. The statements, the COMMIT and the disk sync run there,
 * and so does any wait for the write lock another process holds: the event loop goes
 * on serving connections, and the thread never waits for the event loop to be handed
 * its next batch.
 *
 * Should the thread die, the jobs it held fail (whether they committed is unknown, as
 * when a connection drops before its reply) and the next jobs start a new thread.
 */
export class SqliteWriteThread {
  /** Told before each answered transaction's jobs are settled: how many, and its COMMIT's seconds (null: none). */
  onSettling: (jobs: number, commitSeconds: number | null) => void = () => undefined;
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  /** Handed to the worker, not yet answered, first sent first. */
  private sent: ThreadJob[] = [];
  /** Waiting for a worker to start. */
  private held: ThreadJob[] = [];
  private idleWaiters: (() => void)[] = [];
  private closing: Promise<void> | null = null;

  private constructor(private readonly setup: Omit<WriteThreadSetup, 'requireFrom'>) {}

  /** Starts the thread and waits until its connection is open. */
  static async start(setup: Omit<WriteThreadSetup, 'requireFrom'>): Promise<SqliteWriteThread> {
    const thread = new SqliteWriteThread(setup);
    await thread.ready();
    return thread;
  }

  /** Hands jobs over, to run after every job handed over before them. Never throws: a job that cannot run is settled failed. */
  submit(jobs: readonly ThreadJob[]): void {
    if (this.closing) {
      for (const job of jobs) job.settle({ ok: false, error: new Error('The storage is closed') });
      return;
    }
    // Jobs held for a starting worker go first: they were handed over earlier.
    if (this.worker && this.held.length === 0) {
      this.post(this.worker, jobs);
      return;
    }
    for (const job of jobs) this.held.push(job);
    if (this.held.length > jobs.length) return;
    this.ready().then(
      (worker) => {
        const held = this.held;
        this.held = [];
        if (held.length === 0) return;
        // A worker that died as soon as it started has had its jobs failed already: these go to the next one.
        if (this.worker === worker) this.post(worker, held);
        else this.submit(held);
      },
      (error: unknown) => {
        const held = this.held;
        this.held = [];
        this.fail(held, error);
      },
    );
  }

  /** Resolves once every job handed over is settled. */
  idle(): Promise<void> {
    if (this.sent.length === 0 && this.held.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Ends the thread once the jobs handed over are settled; closing twice is harmless. */
  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private post(worker: Worker, jobs: readonly ThreadJob[]): void {
    for (const job of jobs) this.sent.push(job);
    // Keeps the process alive while jobs are out, and only then.
    worker.ref();
    worker.postMessage({ kind: 'jobs', jobs: jobs.map((job) => [job.name, job.args]) });
  }

  private settled(outcomes: readonly WireOutcome[], commitSeconds: number | null): void {
    const jobs = this.sent.splice(0, outcomes.length);
    this.onSettling(jobs.length, commitSeconds);
    jobs.forEach((job, i) => {
      const outcome = outcomes[i]!;
      job.settle(outcome.ok ? outcome : { ok: false, error: failureFromWire(outcome.error) });
    });
    this.afterSettling();
  }

  private fail(jobs: readonly ThreadJob[], error: unknown): void {
    if (jobs.length === 0) return;
    this.onSettling(jobs.length, null);
    for (const job of jobs) job.settle({ ok: false, error });
    this.afterSettling();
  }

  private afterSettling(): void {
    if (this.sent.length > 0 || this.held.length > 0) return;
    this.worker?.unref();
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async stop(): Promise<void> {
    await this.idle();
    const worker = this.worker ?? (await this.starting?.catch(() => null)) ?? null;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Whoever awaits the close keeps the process alive until the thread is gone.
    worker.ref();
    worker.postMessage({ kind: 'close' });
    await exited;
  }

  private ready(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= this.spawn().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private spawn(): Promise<Worker> {
    return new Promise<Worker>((resolve, reject) => {
      const worker = startWorker({ ...this.setup, requireFrom: __filename });
      let started = false;
      worker.on('message', (reply: ThreadReply) => {
        if (reply.kind === 'ready') {
          started = true;
          this.worker = worker;
          worker.unref();
          resolve(worker);
        } else if (reply.kind === 'settled' && this.worker === worker) {
          // A thread already taken for dead has had its jobs failed: what it says now is not heard.
          this.settled(reply.outcomes, reply.commitSeconds);
        }
      });
      const died = (error: Error): void => {
        if (this.worker !== worker) {
          if (!started) reject(error);
          return;
        }
        this.worker = null;
        const lost = this.sent;
        this.sent = [];
        this.fail(lost, error);
      };
      worker.on('error', (error) => died(new Error(`The SQLite write thread failed: ${error.message}`)));
      worker.on('exit', (code) => died(new Error(`The SQLite write thread stopped (exit code ${code})`)));
    });
  }
}

/** The error a failed job's caller gets: TypeORM's QueryFailedError around the driver's code, as on the main connection. */
export function failureFromWire(failure: WireFailure): Error {
  const driverError = Object.assign(new Error(failure.message), failure.code === undefined ? {} : { code: failure.code });
  return failure.sql === undefined ? driverError : new QueryFailedError(failure.sql, [], driverError);
}

function startWorker(setup: WriteThreadSetup): Worker {
  if (__filename.endsWith('.js')) return new Worker(join(__dirname, 'sqlite-write-worker.js'), { workerData: setup });
  return new Worker(bundledWorkerSource(), { eval: true, workerData: setup });
}

let bundled: string | null = null;

/**
 * Run from the TypeScript sources (the tests, compiled as they load), there is no
 * JavaScript file for the worker to load: esbuild, a development dependency,
 * bundles the worker's entry once per process instead.
 */
function bundledWorkerSource(): string {
  if (bundled === null) {
    const esbuild = createRequire(__filename)('esbuild') as typeof import('esbuild');
    const built = esbuild.buildSync({
      entryPoints: [join(__dirname, 'sqlite-write-worker.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      write: false,
      external: ['better-sqlite3'],
    });
    const [output] = built.outputFiles;
    if (!output) throw new Error('esbuild produced no SQLite write thread');
    bundled = output.text;
  }
  return bundled;
}
