import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StorageObserver } from '../../src/adapters/persistence/typeorm/storage-observer';
import { TypeOrmStorage } from '../../src/adapters/persistence/typeorm/typeorm-storage';
import type { Repositories } from '../../src/application/ports';
import type { Account } from '../../src/domain';
import { describeOnMysql, freshMysqlStorage } from '../support/mysql';

/**
 * The storage tells an observer about every transaction it commits (the metrics'
 * batch size and commit latency), and answers a ping while the database does.
 */
const T0 = 1_764_201_600_000;

class RecordingStorageObserver implements StorageObserver {
  readonly commits: Array<{ jobs: number; seconds: number }> = [];
  committed(jobs: number, seconds: number): void {
    this.commits.push({ jobs, seconds });
  }
  get jobs(): number {
    return this.commits.reduce((sum, commit) => sum + commit.jobs, 0);
  }
}

async function register(repos: Repositories, username: string): Promise<Account> {
  const account = await repos.accounts.create({ username, passwordHash: 'h', createdAt: T0 });
  if (account === 'username-taken') throw new Error(`test setup: ${username} is taken`);
  return account;
}

describe('the storage observer and ping, on SQLite', () => {
  let directory: string;
  const open: TypeOrmStorage[] = [];

  beforeAll(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-observer-'));
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((storage) => storage.close()));
  });
  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

  async function makeSut() {
    const observer = new RecordingStorageObserver();
    const storage = await TypeOrmStorage.open({ database: path.join(directory, `${open.length}-${Date.now()}.sqlite`), observer });
    open.push(storage);
    return { storage, observer };
  }

  it('reports each group commit: the jobs it stored together and how long its COMMIT took', async () => {
    const { storage, observer } = await makeSut();
    const alice = await register(storage.repositories, 'alice');
    const bob = await register(storage.repositories, 'bob');
    const before = observer.jobs;
    expect(before).toBe(2);

    // Sent without waiting in between: they queue up behind each other and share commits.
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        storage.repositories.messages.saveDirect({ senderId: alice.id, receiverId: bob.id, content: `m${i}`, sentAt: T0 + i }),
      ),
    );
    const sends = observer.commits.slice(2);
    expect(observer.jobs - before).toBe(50);
    expect(Math.max(...sends.map((commit) => commit.jobs))).toBeGreaterThan(1);
    for (const commit of observer.commits) {
      expect(commit.seconds).toBeGreaterThanOrEqual(0);
      expect(commit.seconds).toBeLessThan(5);
    }
  });

  it('reports nothing for the reads that run outside the write queue (prepared statements on a snapshot)', async () => {
    const { storage, observer } = await makeSut();
    const alice = await register(storage.repositories, 'alice');
    const commits = observer.commits.length;
    expect(await storage.repositories.accounts.findById(alice.id)).not.toBeNull();
    expect(observer.commits.length).toBe(commits);
  });

  it('answers a ping while open, and refuses it once closed', async () => {
    const { storage } = await makeSut();
    await expect(storage.ping()).resolves.toBeUndefined();
    await storage.close();
    await expect(storage.ping()).rejects.toThrow(/closed/);
  });
});

describeOnMysql()('the storage observer and ping, on MySQL/MariaDB', () => {
  let storage: TypeOrmStorage | null = null;
  afterEach(async () => {
    await storage?.close();
    storage = null;
  });

  it('reports a batch of sends with its jobs and a unit of work as one job; a ping answers while the server does', async () => {
    const observer = new RecordingStorageObserver();
    storage = await freshMysqlStorage({ observer });
    const alice = await register(storage.repositories, 'alice');
    const bob = await register(storage.repositories, 'bob');
    const commits = observer.commits.length;
    // Sends asked for together are one group-commit batch.
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        storage!.repositories.messages.saveDirect({ senderId: alice.id, receiverId: bob.id, content: `m${i}`, sentAt: T0 + i }),
      ),
    );
    expect(observer.commits.slice(commits).map((commit) => commit.jobs)).toEqual([5]);
    // A unit of work is a transaction of its own: one job.
    await storage.unitOfWork.run((tx) => tx.accounts.create({ username: 'carol', passwordHash: 'h', createdAt: T0 }));
    expect(observer.commits.slice(commits).map((commit) => commit.jobs)).toEqual([5, 1]);
    expect(observer.commits.every((commit) => commit.seconds >= 0 && commit.seconds < 5)).toBe(true);
    await expect(storage.ping()).resolves.toBeUndefined();
    await storage.close();
    await expect(storage.ping()).rejects.toThrow(/closed/);
  });
});
