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
import { NO_STORAGE_OBSERVER } from '../../src/adapters/persistence/typeorm/storage-observer';

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

describe('SqliteExecutor handing jobs to the write thread as they come', () => {
  let dir: string;
  let file: string;
  let dataSource: DataSource;
  let thread: SqliteWriteThread;
  let executor: SqliteExecutor;
  let holder: Database.Database | null;
  const commits: number[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chat-sqlite-worker-'));
    file = join(dir, 'chat.sqlite');
    dataSource = await connectDataSource(createDataSource({ database: file }), 'sqlite');
    await dataSource.runMigrations({ transaction: 'each' });
    thread = await SqliteWriteThread.start({ file, synchronous: 'FULL', busyTimeoutMs: 5_000 });
    commits.length = 0;
    const observer = { ...NO_STORAGE_OBSERVER, committed: (jobs: number) => void commits.push(jobs) };
    executor = new SqliteExecutor(dataSource.manager, undefined, observer, thread, 2_000);
    holder = new Database(file);
  });

  afterEach(async () => {
    if (holder?.inTransaction) holder.exec('ROLLBACK');
    holder?.close();
    await executor.exclusive(() => dataSource.destroy());
    rmSync(dir, { recursive: true, force: true });
  });

  /** Jobs asked for in separate turns of the event loop: each turn's are handed over on their own. */
  async function performInTurns(ids: readonly number[]): Promise<Promise<void>[]> {
    const jobs: Promise<void>[] = [];
    for (const id of ids) {
      jobs.push(executor.sqlite.perform(deleteSession, [id]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return jobs;
  }

  it('runs what was handed over while the thread waited for the write lock as one transaction', async () => {
    holder!.exec('BEGIN IMMEDIATE');
    const jobs = await performInTurns([1, 2, 3]);
    // The thread waits for the lock inside its first job's BEGIN; the next two are already on their way.
    holder!.exec('ROLLBACK');

    await expect(Promise.all(jobs)).resolves.toEqual([undefined, undefined, undefined]);
    expect(commits).toEqual([3]);
  });

  it('fails the jobs a thread held when it died, and starts a new one for the next jobs', async () => {
    holder!.exec('BEGIN IMMEDIATE');
    const held = await performInTurns([1, 2]);
    const dying = workerOf(thread);
    // As a crash would end it (a real one in the middle of a statement would take the process with it here).
    dying.emit('exit', 1);

    const outcomes = await Promise.allSettled(held);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/The SQLite write thread stopped \(exit code 1\)/);
    holder!.exec('ROLLBACK');
    await expect(executor.sqlite.perform(deleteSession, [3])).resolves.toBeUndefined();
    expect(workerOf(thread).threadId).not.toBe(dying.threadId);
    await dying.terminate();
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
