import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { QueryFailedError, type DataSource } from 'typeorm';
import { connectDataSource } from '../../src/adapters/persistence/typeorm/connect';
import { createDataSource } from '../../src/adapters/persistence/typeorm/data-source';
import { driverErrorCode } from '../../src/adapters/persistence/typeorm/database-errors';
import { SqliteExecutor } from '../../src/adapters/persistence/typeorm/sqlite-executor';
import { deleteSession, type SqliteOperation } from '../../src/adapters/persistence/typeorm/sqlite-operations';
import { TypeOrmStorage } from '../../src/adapters/persistence/typeorm/typeorm-storage';
import { SqliteWriteThread } from '../../src/adapters/persistence/typeorm/sqlite-write-thread';
import type { BatchReply, WriteJob } from '../../src/adapters/persistence/typeorm/sqlite-write-protocol';

/** An operation the write thread does not know: only its name crosses to the thread. */
const unknownOperation: SqliteOperation<readonly [], void> = {
  name: 'noSuchOperation',
  atomic: () => false,
  run: () => undefined,
};

/** The thread's worker, to stop it as a crash would (a test-only look inside). */
function workerOf(thread: SqliteWriteThread): Worker {
  const worker = (thread as unknown as { worker: Worker | null }).worker;
  if (!worker) throw new Error('test setup: the write thread has no worker');
  return worker;
}

/**
 * The SQLite executor with its write thread, where batching and a second thread
 * could break what callers rely on: a failing job fails alone, the thread's
 * failures never take the process down, and a thread that dies fails its batch
 * (never leaves it hanging) and is started again for the next one.
 */
describe('SqliteExecutor with the write thread', () => {
  let dir: string;
  let file: string;
  let dataSource: DataSource;
  let thread: SqliteWriteThread;
  let executor: SqliteExecutor;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chat-sqlite-worker-'));
    file = join(dir, 'chat.sqlite');
    dataSource = await connectDataSource(createDataSource({ database: file }), 'sqlite');
    await dataSource.runMigrations({ transaction: 'each' });
    // A short wait for the lock: the test below holds it from a connection of its own.
    thread = await SqliteWriteThread.start({ file, synchronous: 'FULL', busyTimeoutMs: 100 });
    executor = new SqliteExecutor(dataSource.manager, undefined, undefined, thread, 2_000);
  });

  afterEach(async () => {
    await executor.exclusive(() => dataSource.destroy());
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails only the job the thread cannot run, and runs the others of its batch', async () => {
    const jobs = [
      executor.sqlite.perform(deleteSession, [1]),
      executor.sqlite.perform(unknownOperation, []),
      executor.sqlite.perform(deleteSession, [2]),
    ];
    const [first, unknown, last] = await Promise.allSettled(jobs);
    expect(first.status).toBe('fulfilled');
    expect(last.status).toBe('fulfilled');
    expect(unknown.status).toBe('rejected');
    expect(String((unknown as PromiseRejectedResult).reason)).toMatch(/No SQLite operation named noSuchOperation/);
    // The thread is still there for the next batch.
    await expect(executor.sqlite.perform(deleteSession, [3])).resolves.toBeUndefined();
  });

  it("hands a failure back as TypeORM's QueryFailedError with the driver's code", async () => {
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    try {
      const error: unknown = await executor.sqlite.perform(deleteSession, [1]).then(
        () => null,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(QueryFailedError);
      expect(driverErrorCode(error)).toBe('SQLITE_BUSY');
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('starts a new thread for the next batch once the thread died', async () => {
    await executor.sqlite.perform(deleteSession, [1]);
    // Stopped between batches: terminate() in the middle of a failing statement would
    // abort the whole process (better-sqlite3 cannot build the error in a dying thread).
    const dying = workerOf(thread);
    await dying.terminate();

    await expect(executor.sqlite.perform(deleteSession, [2])).resolves.toBeUndefined();
    expect(workerOf(thread).threadId).not.toBe(dying.threadId);
  });
});

describe('SqliteExecutor after a lost batch on the write thread', () => {
  let dir: string;
  let dataSource: DataSource;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chat-sqlite-worker-'));
    dataSource = await connectDataSource(createDataSource({ database: join(dir, 'chat.sqlite') }), 'sqlite');
  });

  afterEach(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails every job of the batch a dying thread held, and goes on with the next batch', async () => {
    let calls = 0;
    // Stands in for the thread: SqliteWriteThread.run rejects when the worker exits mid-batch.
    const dying = {
      run: async (jobs: readonly WriteJob[]): Promise<BatchReply> => {
        calls += 1;
        if (calls === 1) throw new Error('The SQLite write thread stopped (exit code 1)');
        return { kind: 'batch', outcomes: jobs.map(() => ({ ok: true, value: null })), commitSeconds: 0 };
      },
      close: async (): Promise<void> => undefined,
    } as unknown as SqliteWriteThread;
    const executor = new SqliteExecutor(dataSource.manager, undefined, undefined, dying);

    const held = await Promise.allSettled([1, 2].map((id) => executor.sqlite.perform(deleteSession, [id])));
    expect(held.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    await expect(executor.sqlite.perform(deleteSession, [3])).resolves.toBeNull();
    await executor.exclusive(async () => undefined);
  });

  it('fails the jobs that ran and sends the ones that did not again, first and in order', async () => {
    const sent: (readonly WriteJob[])[] = [];
    // Stands in for the thread: its first batch is lost after one job, as on a full disk.
    const lossy = {
      run: async (jobs: readonly WriteJob[]): Promise<BatchReply> => {
        sent.push(jobs);
        if (sent.length === 1) {
          const lost = { ok: false, error: { message: 'disk I/O error', code: 'SQLITE_IOERR' } } as const;
          return { kind: 'batch', outcomes: [lost], commitSeconds: null };
        }
        return { kind: 'batch', outcomes: jobs.map(() => ({ ok: true, value: null })), commitSeconds: 0 };
      },
      close: async (): Promise<void> => undefined,
    } as unknown as SqliteWriteThread;
    const executor = new SqliteExecutor(dataSource.manager, undefined, undefined, lossy);

    const results = await Promise.allSettled([1, 2, 3].map((id) => executor.sqlite.perform(deleteSession, [id])));

    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(driverErrorCode((results[0] as PromiseRejectedResult).reason)).toBe('SQLITE_IOERR');
    expect(sent).toEqual([
      [
        ['deleteSession', [1]],
        ['deleteSession', [2]],
        ['deleteSession', [3]],
      ],
      [
        ['deleteSession', [2]],
        ['deleteSession', [3]],
      ],
    ]);
    await executor.exclusive(async () => undefined);
  });
});

describe('TypeORM work on SQLite with the write thread', () => {
  let dir: string;
  let file: string;
  let storage: TypeOrmStorage;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chat-sqlite-worker-'));
    file = join(dir, 'chat.sqlite');
    storage = await TypeOrmStorage.open({ database: file });
  });

  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits for a write lock held on this very thread without blocking it, and goes on once it is free', async () => {
    // Held by a connection of this thread: were the wait a synchronous busy wait,
    // the lock could never be released before the wait gave up and the work failed.
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    let settled = false;
    const created = storage.repositories.accounts.create({ username: 'alice', passwordHash: 'h', createdAt: 0 });
    void created.finally(() => {
      settled = true;
    });
    // Several turns of the event loop, timers included, while the work waits.
    for (let turn = 0; turn < 5; turn += 1) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(settled).toBe(false);
    holder.exec('COMMIT');
    holder.close();

    await expect(created).resolves.toMatchObject({ username: 'alice' });
    expect(await storage.repositories.accounts.findByUsername('alice')).toMatchObject({ username: 'alice' });
  });
});
