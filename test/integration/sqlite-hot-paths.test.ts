import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { connectDataSource } from '../../src/adapters/persistence/typeorm/connect';
import { createDataSource } from '../../src/adapters/persistence/typeorm/data-source';
import { SqliteExecutor } from '../../src/adapters/persistence/typeorm/sqlite-executor';
import type { BatchWork, BatchWorkKind, SqliteOperation } from '../../src/adapters/persistence/typeorm/sqlite-operations';
import type { SqliteAccess, SqliteStatements } from '../../src/adapters/persistence/typeorm/sqlite-statements';
import { TypeOrmStorage } from '../../src/adapters/persistence/typeorm/typeorm-storage';
import type { Account } from '../../src/domain';
import { stored } from '../support/stored-message';

const T0 = 1_764_201_600_000;

/**
 * The prepared-statement paths of the SQLite storage: same guarantees as the TypeORM
 * ones, with the write operations on the write thread (a file's default) and with
 * everything on one connection (what `:memory:` does).
 */
describe.each([
  ['with the write thread', true],
  ['on one connection', false],
])('SQLite hot paths %s', (_mode, writeThread) => {
  let dir: string;
  let file: string;
  let storage: TypeOrmStorage;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chat-hot-'));
    file = join(dir, 'chat.sqlite');
    storage = await TypeOrmStorage.open({ database: file, writeThread });
  });

  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Reads the file through a connection of its own: only committed rows are there. */
  function committed<T>(sql: string, ...parameters: unknown[]): T {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare(sql).pluck().get(...parameters) as T;
    } finally {
      db.close();
    }
  }

  async function register(username: string): Promise<Account> {
    const account = await storage.repositories.accounts.create({ username, passwordHash: 'h', createdAt: T0 });
    if (account === 'username-taken') throw new Error(`test setup: ${username} is taken`);
    return account;
  }

  it('runs calls in the order they were made (what overlapping message sends rely on)', async () => {
    expect(storage.runsInCallOrder).toBe(true);
    const alice = await register('alice');
    const bob = await register('bob');
    // Reads and writes of many callers at once, none awaited before the next starts.
    const calls: Promise<number>[] = [];
    for (let i = 0; i < 60; i++) {
      calls.push(
        i % 3 === 2
          ? storage.repositories.messages.listUndeliveredDirect(bob.id, 1000).then((waiting) => waiting.length)
          : storage.repositories.messages
              .saveDirect({ senderId: alice.id, receiverId: bob.id, content: `m${i}`, sentAt: T0 })
              .then((m) => stored(m).id),
      );
    }
    const results = await Promise.all(calls);
    const ids = results.filter((_, i) => i % 3 !== 2);
    // Stored in call order, and each read sees exactly the writes called before it.
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(results.filter((_, i) => i % 3 === 2)).toEqual(Array.from({ length: 20 }, (_, k) => 2 * (k + 1)));
  });

  it('resolves a stored message only once another connection can read it', async () => {
    const alice = await register('alice');
    const bob = await register('bob');

    const saves = Array.from({ length: 20 }, (_, i) =>
      storage.repositories.messages.saveDirect({ senderId: alice.id, receiverId: bob.id, content: `m${i}`, sentAt: T0 }),
    );
    const first = stored(await saves[0]!);

    expect(committed<string>('SELECT content FROM messages WHERE id = ?', first.id)).toBe('m0');
    const all = (await Promise.all(saves)).map(stored);
    expect(all.map((m) => m.content)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    expect(all.map((m) => m.id)).toEqual([...all.map((m) => m.id)].sort((a, b) => a - b));
  });

  it('marks messages delivered one by one, each call resolving once its mark is committed', async () => {
    const alice = await register('alice');
    const bob = await register('bob');
    const messages = (
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          storage.repositories.messages.saveDirect({ senderId: alice.id, receiverId: bob.id, content: `m${i}`, sentAt: T0 }),
        ),
      )
    ).map(stored);

    const marks = messages.slice(0, 25).map((m) => storage.repositories.messages.markDirectDelivered([m.id]));
    await marks[24];
    expect(committed<number>('SELECT count(*) FROM messages WHERE delivered = 1')).toBe(25);
    await Promise.all(marks);

    const left = await storage.repositories.messages.listUndeliveredDirect(bob.id, 100);
    expect(left.map((m) => m.content)).toEqual(['m25', 'm26', 'm27', 'm28', 'm29']);
  });

  it('fails only the job that broke a constraint, not the others of its batch', async () => {
    const alice = await register('alice');
    const bob = await register('bob');
    const nobody = bob.id + 1000;

    const [good, bad, alsoGood] = await Promise.allSettled([
      storage.repositories.messages.saveDirect({ senderId: alice.id, receiverId: bob.id, content: 'a', sentAt: T0 }),
      // From nobody: the receiver exists, so the insert runs and the sender's foreign key refuses it.
      storage.repositories.messages.saveDirect({ senderId: nobody, receiverId: alice.id, content: 'b', sentAt: T0 }),
      storage.repositories.accounts.create({ username: 'ALICE', passwordHash: 'h', createdAt: T0 }),
    ]);

    expect(good.status).toBe('fulfilled');
    expect(bad).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringMatching(/foreign key/i) }) });
    expect(alsoGood).toEqual({ status: 'fulfilled', value: 'username-taken' });
    expect(committed<number>('SELECT count(*) FROM messages')).toBe(1);
  });

  it("stores a direct message and its conversation's row together, or neither", async () => {
    const alice = await register('alice');
    const bob = await register('bob');

    const [toSelf, toBob] = await Promise.allSettled([
      // The message goes in; the conversation row breaks its CHECK (a pair of two users), so the message is undone.
      storage.repositories.messages.saveDirect({ senderId: alice.id, receiverId: alice.id, content: 'self', sentAt: T0 }),
      storage.repositories.messages.saveDirect({ senderId: alice.id, receiverId: bob.id, content: 'hi', sentAt: T0 + 1 }),
    ]);

    expect(toSelf).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringMatching(/CHECK/) }) });
    expect(toBob.status).toBe('fulfilled');
    expect(committed<number>('SELECT count(*) FROM messages')).toBe(1);
    expect(committed<string>('SELECT content FROM messages')).toBe('hi');
    expect(committed<number>('SELECT count(*) FROM direct_conversations')).toBe(1);
    expect(committed<number>('SELECT hi_unread + lo_unread FROM direct_conversations')).toBe(1);
  });

  it("keeps a pair's conversation row right when its messages and a read mark share a batch", async () => {
    const alice = await register('alice');
    const bob = await register('bob');
    const toBob = (content: string, at: number) =>
      storage.repositories.messages.saveDirect({ senderId: alice.id, receiverId: bob.id, content, sentAt: T0 + at });
    // Two messages, bob marks everything he can see, one more, and one back.
    const [, second, mark, , back] = await Promise.all([
      toBob('one', 1),
      toBob('two', 2),
      storage.repositories.conversations.markDirectRead(bob.id, alice.id, Number.MAX_SAFE_INTEGER),
      toBob('three', 3),
      storage.repositories.messages.saveDirect({ senderId: bob.id, receiverId: alice.id, content: 'back', sentAt: T0 + 4 }),
    ]);
    // With the write thread, the messages before the mark are a batch of their own, committed
    // before the mark runs: it reads them. On one connection they share the mark's batch, and the
    // pair had no row yet when the mark ran: as if the mark came first.
    expect(mark).toEqual(writeThread ? { changed: 2, upToId: stored(second).id } : { changed: 0, upToId: 0 });
    const [bobs] = await storage.repositories.conversations.listConversations(bob.id, 10, null);
    expect(bobs).toMatchObject({
      peerId: alice.id,
      unreadCount: writeThread ? 1 : 3,
      lastMessageId: stored(back).id,
      lastSentAt: T0 + 4,
    });
    const [alices] = await storage.repositories.conversations.listConversations(alice.id, 10, null);
    expect(alices).toMatchObject({ peerId: bob.id, unreadCount: 1 });

    // Now the row exists: a mark in the middle of a batch takes off what it read, the rest counts.
    const [, again, , last] = await Promise.all([
      toBob('four', 5),
      storage.repositories.conversations.markDirectRead(bob.id, alice.id, Number.MAX_SAFE_INTEGER),
      toBob('five', 6),
      toBob('six', 7),
    ]);
    expect(again.changed).toBe(writeThread ? 2 : 4);
    const [after] = await storage.repositories.conversations.listConversations(bob.id, 10, null);
    expect(after).toMatchObject({ unreadCount: 2, lastMessageId: stored(last).id });
    expect(committed<number>('SELECT lo_unread + hi_unread FROM direct_conversations')).toBe(3);
  });

  it('stores a group message with a delivery row per distinct recipient, and marks them', async () => {
    const sender = await register('sender');
    const members = await Promise.all(['m1', 'm2', 'm3'].map((name) => register(name)));
    const group = await storage.repositories.groups.create('g', sender.id, T0);
    const ids = members.map((m) => m.id);

    const message = await storage.repositories.messages.saveGroup(
      { groupId: group.id, senderId: sender.id, content: 'hi', sentAt: T0 },
      [...ids, ids[0]!],
    );
    await storage.repositories.messages.markGroupDelivered(message.id, [ids[0]!, ids[1]!]);

    expect(committed<number>('SELECT count(*) FROM group_message_deliveries WHERE message_id = ?', message.id)).toBe(3);
    expect(committed<number>('SELECT count(*) FROM group_message_deliveries WHERE delivered = 0')).toBe(1);
    await storage.repositories.messages.markGroupDeliveredTo(ids[2]!, [message.id]);
    expect(committed<number>('SELECT count(*) FROM group_message_deliveries WHERE delivered = 0')).toBe(0);
  });

  it('lists group members in the order they joined, and answers null for unknown ids', async () => {
    const admin = await register('admin');
    const later = await register('later');
    const group = await storage.repositories.groups.create('g', admin.id, T0);
    await storage.repositories.groups.addMember({ groupId: group.id, userId: later.id, role: 'member', joinedAt: T0 + 1 });

    expect(await storage.repositories.groups.listMembers(group.id)).toEqual([
      { groupId: group.id, userId: admin.id, role: 'admin', joinedAt: T0 },
      { groupId: group.id, userId: later.id, role: 'member', joinedAt: T0 + 1 },
    ]);
    expect(await storage.repositories.groups.findById(group.id + 1)).toBeNull();
    expect(await storage.repositories.accounts.findById(later.id + 1)).toBeNull();
    expect(await storage.repositories.accounts.findByUsername('LATER')).toMatchObject({ id: later.id });
  });

  it('lists the banned among any number of ids', async () => {
    const accounts = await Promise.all(Array.from({ length: 5 }, (_, i) => register(`u${i}`)));
    await storage.repositories.accounts.setStatus(accounts[1]!.id, 'banned');
    await storage.repositories.accounts.setStatus(accounts[3]!.id, 'banned');

    const ids = accounts.map((a) => a.id);
    expect(await storage.repositories.accounts.filterBanned([...ids, ...ids])).toEqual([accounts[1]!.id, accounts[3]!.id]);
  });
});

describe('SqliteExecutor', () => {
  let dir: string;
  let dataSource: DataSource;
  let executor: SqliteExecutor;
  let sqlite: SqliteAccess;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chat-executor-'));
    dataSource = await connectDataSource(createDataSource({ database: join(dir, 'chat.sqlite') }), 'sqlite');
    await dataSource.query('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)');
    executor = new SqliteExecutor(dataSource.manager);
    sqlite = executor.sqlite;
  });

  afterEach(async () => {
    await executor.exclusive(() => dataSource.destroy());
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (v: string): Promise<number> =>
    sqlite.write((s) => Number(s.run('INSERT INTO t (v) VALUES (?)', [v]).lastInsertRowid));
  const count = (): Promise<number> => sqlite.read((s) => Number(s.allRows('SELECT count(*) FROM t', [])[0]![0]));

  it('reads at once outside a batch, and in turn while one is queued', async () => {
    await insert('a');
    const queued = insert('b');
    // Not committed yet: a read now sees the table as it is on disk.
    expect(await count()).toBe(1);
    await queued;
    expect(await count()).toBe(2);
  });

  it('runs several statements together or not at all', async () => {
    await expect(
      sqlite.writeAtomically((s) => {
        s.run('INSERT INTO t (v) VALUES (?)', ['x']);
        s.run('INSERT INTO t (v) VALUES (?)', ['x']);
      }),
    ).rejects.toThrow(/UNIQUE/);
    expect(await count()).toBe(0);
  });

  it('fails the jobs whose writes a lost transaction took, and runs the ones after them again', async () => {
    const before = insert('before');
    const breaker = sqlite.write((s) => {
      // What a full disk or an I/O error does: SQLite ends the whole transaction.
      s.run('ROLLBACK');
      throw new Error('disk I/O error');
    });
    const after = insert('after');

    await expect(before).rejects.toThrow(/disk I\/O error/);
    await expect(breaker).rejects.toThrow(/disk I\/O error/);
    await expect(after).resolves.toEqual(expect.any(Number));
    expect(await sqlite.read((s) => s.allRows('SELECT v FROM t', []).map(([v]) => v))).toEqual(['after']);
  });

  it("writes work gathered over a batch once, before the batch's COMMIT", async () => {
    const joined = { values: [] as string[], discarded: 0 };
    const gather = gatheringOperation(joined, (s) => s.run('INSERT INTO t (v) VALUES (?)', [joined.values.join('+')]));
    await Promise.all(['a', 'b', 'c'].map((v) => sqlite.perform(gather, [v])));
    expect(await sqlite.read((s) => s.allRows('SELECT v FROM t ORDER BY id', []).map(([v]) => v))).toEqual(['a', 'b', 'c', 'a+b+c']);
  });

  it('loses the whole batch when its gathered work fails, and forgets what was gathered', async () => {
    const joined = { values: [] as string[], discarded: 0 };
    const failing = gatheringOperation(joined, () => {
      throw new Error('disk I/O error');
    });
    const first = sqlite.perform(failing, ['first']);
    const second = insert('second');
    await expect(first).rejects.toThrow(/disk I\/O error/);
    await expect(second).rejects.toThrow(/disk I\/O error/);
    expect(joined.discarded).toBe(1);
    expect(await count()).toBe(0);
    // The next batch runs without it.
    await insert('third');
    expect(await count()).toBe(1);
  });

  it('refuses to run once closed', async () => {
    await executor.exclusive(async () => undefined);
    await expect(count()).rejects.toThrow(/closed/);
    await expect(insert('late')).rejects.toThrow(/closed/);
  });
});

describe('SQLite repositories of a unit of work', () => {
  it('marks at once inside the transaction, with nothing left to join later', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-uow-marks-'));
    const storage = await TypeOrmStorage.open({ database: join(dir, 'chat.sqlite') });
    try {
      const alice = await storage.repositories.accounts.create({ username: 'alice', passwordHash: 'h', createdAt: T0 });
      const bob = await storage.repositories.accounts.create({ username: 'bob', passwordHash: 'h', createdAt: T0 });
      if (alice === 'username-taken' || bob === 'username-taken') throw new Error('test setup');
      const [m1, m2] = await storage.unitOfWork.run(async (tx) => {
        const first = stored(await tx.messages.saveDirect({ senderId: alice.id, receiverId: bob.id, content: '1', sentAt: T0 }));
        const second = stored(await tx.messages.saveDirect({ senderId: alice.id, receiverId: bob.id, content: '2', sentAt: T0 }));
        await tx.messages.markDirectDelivered([first.id]);
        await tx.messages.markDirectDelivered([second.id]);
        return [first, second];
      });
      expect(await storage.repositories.messages.listUndeliveredDirect(bob.id, 10)).toEqual([]);
      expect([m1.content, m2.content]).toEqual(['1', '2']);
    } finally {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** An operation that inserts its value and gathers it into batch work that `flush` writes before COMMIT. */
function gatheringOperation(
  joined: { values: string[]; discarded: number },
  flush: (statements: SqliteStatements) => void,
): SqliteOperation<readonly [value: string], number> {
  const kind: BatchWorkKind<BatchWork> = {
    key: 'joined',
    create: () => ({
      flush: (statements) => {
        flush(statements);
        joined.values = [];
      },
      discard: () => {
        joined.values = [];
        joined.discarded++;
      },
    }),
  };
  return {
    name: 'gather',
    atomic: () => false,
    run({ statements, gathered }, [value]) {
      gathered(kind);
      joined.values.push(value);
      return Number(statements.run('INSERT INTO t (v) VALUES (?)', [value]).lastInsertRowid);
    },
  };
}
