import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { QueryFailedError } from 'typeorm';
import type { BatchReply, ThreadReply, WireFailure, WriteJob, WriteThreadSetup } from './sqlite-write-protocol';

/**
 * The SQLite write thread, seen from the main thread: a worker (sqlite-write-worker.ts)
 * with a connection of its own to the database file, which runs one batch of write
 * operations at a time and answers with their outcomes once the batch has committed.
 * The statements, the COMMIT and the disk sync run there, and so does any wait for
 * the write lock another process holds: the event loop goes on serving connections.
 *
 * Should the thread die, the batch it held fails (whether it committed is unknown, as
 * when a connection drops before its reply) and the next batch starts a new thread.
 */
export class SqliteWriteThread {
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  private waiting: { resolve(reply: BatchReply): void; reject(error: Error): void } | null = null;
  private closing: Promise<void> | null = null;

  private constructor(private readonly setup: Omit<WriteThreadSetup, 'requireFrom'>) {}

  /** Starts the thread and waits until its connection is open. */
  static async start(setup: Omit<WriteThreadSetup, 'requireFrom'>): Promise<SqliteWriteThread> {
    const thread = new SqliteWriteThread(setup);
    await thread.ready();
    return thread;
  }

  /** Runs one batch; only one at a time. Rejects only when the thread died or could not start. */
  async run(jobs: readonly WriteJob[]): Promise<BatchReply> {
    if (this.closing) throw new Error('The storage is closed');
    if (this.waiting) throw new Error('The SQLite write thread runs one batch at a time');
    const worker = await this.ready();
    return new Promise<BatchReply>((resolve, reject) => {
      this.waiting = { resolve, reject };
      // Keeps the process alive while a batch is out, and only then.
      worker.ref();
      worker.postMessage({ kind: 'batch', jobs });
    });
  }

  /** Ends the thread once its batch (if any) is answered; closing twice is harmless. */
  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private async stop(): Promise<void> {
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
        } else if (reply.kind === 'batch') {
          const waiting = this.waiting;
          this.waiting = null;
          worker.unref();
          waiting?.resolve(reply);
        }
      });
      const died = (error: Error): void => {
        if (this.worker === worker) this.worker = null;
        if (!started) {
          reject(error);
          return;
        }
        const waiting = this.waiting;
        this.waiting = null;
        waiting?.reject(error);
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
