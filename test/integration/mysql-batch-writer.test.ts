import type { RowDataPacket } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { QueryFailedError } from 'typeorm';
import { createMysqlDataSource } from '../../src/adapters/persistence/typeorm/data-source';
import { parseMysqlUrl } from '../../src/adapters/persistence/typeorm/database-url';
import { MysqlBatchWriter } from '../../src/adapters/persistence/typeorm/mysql-batch-writer';
import { MysqlExecutor } from '../../src/adapters/persistence/typeorm/mysql-executor';
import { TypeOrmMessageRepository } from '../../src/adapters/persistence/typeorm/repositories/typeorm-message.repository';
import { TypeOrmStorage } from '../../src/adapters/persistence/typeorm/typeorm-storage';
import type { MessageRepository, Repositories } from '../../src/application/ports';
import type { Account, DirectMessage } from '../../src/domain';
import { describeOnMysql, freshWorkerDatabase, rawMysql } from '../support/mysql';

/*
 * The MySQL/MariaDB group commit (mysql-batch-writer.ts) on a real server: what
 * batching could break. Calls made in one turn of the event loop share a batch.
 */

const T0 = 1_764_201_600_000;

interface Commit {
  readonly jobs: number;
}

describeOnMysql()('MySQL group-commit batches', () => {
  const toClose: Array<{ close(): Promise<unknown> }> = [];
  let url = '';
  let storage: TypeOrmStorage;
  let repos: Repositories;
  let commits: Commit[];

  beforeEach(async () => {
    url = await freshWorkerDatabase();
    commits = [];
    storage = await TypeOrmStorage.open({ database: url, observer: { committed: (jobs) => commits.push({ jobs }) } });
    toClose.push(storage);
    repos = storage.repositories;
  });

  afterEach(async () => {
    for (const resource of toClose.splice(0).reverse()) await resource.close();
  });

  async function raw(): Promise<Connection> {
    const connection = await rawMysql(url);
    toClose.push({ close: () => connection.end() });
    return connection;
  }

  async function register(username: string): Promise<Account> {
    const account = await repos.accounts.create({ username, passwordHash: 'h', createdAt: T0 });
    if (account === 'username-taken') throw new Error(`test setup: ${username} is taken`);
    return account;
  }

  function send(from: Account, to: Account | number, content: string, messages: MessageRepository = repos.messages) {
    return messages.saveDirect({ senderId: from.id, receiverId: typeof to === 'number' ? to : to.id, content, sentAt: T0 });
  }

  /**
   * The message repository of the storage (one round trip per batch on MariaDB), or
   * one whose batches send the conversation rows in a second round trip, as they go
   * where the server interleaves auto-increment ids (MySQL 8's default).
   */
  async function messagesFor(path: 'one round trip' | 'two round trips'): Promise<MessageRepository> {
    if (path === 'one round trip') return repos.messages;
    const dataSource = createMysqlDataSource(parseMysqlUrl(url), { poolSize: 2 });
    await dataSource.initialize();
    const writer = MysqlBatchWriter.open(parseMysqlUrl(url), {
      connections: 1,
      connectTimeoutMs: 5000,
      queryTimeoutMs: 10_000,
      deadlockRetries: 4,
      observer: { committed: (jobs) => commits.push({ jobs }) },
      interleavedIds: true,
    });
    const executor = new MysqlExecutor(dataSource, { writer });
    toClose.push({ close: async () => (await executor.drain(), await dataSource.destroy()) });
    return new TypeOrmMessageRepository(executor);
  }

  function stored(outcome: Awaited<ReturnType<typeof send>>): DirectMessage {
    if (typeof outcome === 'string') throw new Error(`expected a stored message, got ${outcome}`);
    return outcome;
  }

  async function rows<T>(connection: Connection, sql: string, values: unknown[] = []): Promise<T[]> {
    const [result] = await connection.query<Array<T & RowDataPacket>>(sql, values);
    return result;
  }

  /**
   * The connection of the batch that is updating conversation rows, once it is (its
   * INSERT has run): the rows are held by another transaction, so it waits there.
   * The processlist shows the statement of a multi-statement query being run, and
   * the user's own connections without any privilege.
   */
  async function batchUpdatingConversations(connection: Connection): Promise<number> {
    for (;;) {
      const [waiting] = await rows<{ thread: number }>(
        connection,
        "SELECT ID AS thread FROM information_schema.processlist WHERE TRIM(INFO) LIKE 'INSERT INTO direct_conversations%' AND ID <> CONNECTION_ID()",
      );
      if (waiting) return Number(waiting.thread);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it.each(['one round trip', 'two round trips'] as const)(
    'stores the allowed messages of a batch with their ids, refuses the others, and keeps each conversation row (%s)',
    async (path) => {
    const [ann, ben, cat, dan] = [await register('ann'), await register('ben'), await register('cat'), await register('dan')];
    await repos.safety.block(cat.id, ann.id, T0);
    await repos.safety.setPrivacy(dan.id, 'friends');
    const messages = await messagesFor(path);
    const before = commits.length;

    const outcomes = await Promise.all([
      send(ann, ben, 'first', messages),
      send(ann, cat, 'blocked', messages),
      send(ann, 999_999, 'nobody', messages),
      send(ann, dan, 'not a friend', messages),
      send(ben, ann, 'reply', messages),
      send(ann, ben, 'second', messages),
    ]);

    // One batch for all six calls.
    expect(commits.slice(before).map((commit) => commit.jobs)).toEqual([6]);
    expect(outcomes.slice(1, 4)).toEqual(['not-allowed', 'receiver-not-found', 'not-allowed']);
    const [first, reply, second] = [stored(outcomes[0]!), stored(outcomes[4]!), stored(outcomes[5]!)];
    expect([first.content, reply.content, second.content]).toEqual(['first', 'reply', 'second']);
    // Ids follow the order of the calls.
    expect(first.id).toBeLessThan(reply.id);
    expect(reply.id).toBeLessThan(second.id);
    const db = await raw();
    const storedRows = await rows<{ id: number; senderId: number; receiverId: number; content: string }>(
      db,
      'SELECT id, sender_id AS senderId, receiver_id AS receiverId, content FROM messages ORDER BY id',
    );
    expect(storedRows.map((m) => [Number(m.id), Number(m.senderId), Number(m.receiverId), m.content])).toEqual([
      [first.id, ann.id, ben.id, 'first'],
      [reply.id, ben.id, ann.id, 'reply'],
      [second.id, ann.id, ben.id, 'second'],
    ]);
    const [annFirst] = [ann.id < ben.id];
    const conversations = await rows<{ lastId: number; loUnread: number; hiUnread: number }>(
      db,
      'SELECT last_message_id AS lastId, lo_unread AS loUnread, hi_unread AS hiUnread FROM direct_conversations',
    );
    // ben got two, ann one; only the pair that talked has a row.
    expect(conversations).toHaveLength(1);
    expect(Number(conversations[0]!.lastId)).toBe(second.id);
    expect([Number(conversations[0]!.loUnread), Number(conversations[0]!.hiUnread)]).toEqual(annFirst ? [1, 2] : [2, 1]);
    },
  );

  it('keeps any text exactly as sent: quotes, backslashes, line breaks, emoji', async () => {
    const [ann, ben] = [await register('ann'), await register('ben')];
    const texts = ["it's", 'a \\ b \\\\', 'line\nbreak\r\n\ttab', '😀 é ß 中文', '"; DROP TABLE messages; --', '?', '@id'];
    const outcomes = await Promise.all(texts.map((text) => send(ann, ben, text)));
    expect(outcomes.map((outcome) => stored(outcome).content)).toEqual(texts);
    const received = await repos.messages.listUndeliveredDirect(ben.id, 100);
    expect(received.map((message) => message.content)).toEqual(texts);
  });

  it('fails only the job whose statement fails: the rest of its batch is stored', async () => {
    const [ann, ben] = [await register('ann'), await register('ben')];
    const before = commits.length;

    const [toBen, toNoGroup, toAnn] = await Promise.allSettled([
      send(ann, ben, 'kept'),
      // No such group: the message's foreign key fails.
      repos.messages.saveGroup({ groupId: 424_242, senderId: ann.id, content: 'lost', sentAt: T0 }, [ben.id]),
      send(ben, ann, 'kept too'),
    ]);

    expect(toBen.status).toBe('fulfilled');
    expect(toAnn.status).toBe('fulfilled');
    expect(toNoGroup.status).toBe('rejected');
    const failure = toNoGroup.status === 'rejected' ? (toNoGroup.reason as unknown) : null;
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect(failure instanceof QueryFailedError ? (failure.driverError as { code?: unknown }).code : null).toBe('ER_NO_REFERENCED_ROW_2');
    // The failed batch of three committed nothing; its jobs then ran one by one.
    expect(commits.slice(before).map((commit) => commit.jobs)).toEqual([1, 1]);
    const db = await raw();
    expect(await rows(db, 'SELECT id FROM group_messages')).toHaveLength(0);
    const contents = await rows<{ content: string }>(db, 'SELECT content FROM messages ORDER BY id');
    expect(contents.map((row) => row.content)).toEqual(['kept', 'kept too']);
  });

  it('runs a batch that lost a deadlock again, and stores it once', async () => {
    const [ann, ben] = [await register('ann'), await register('ben')];
    stored(await send(ann, ben, 'before'));
    const db = await raw();
    const deadlocks = async (): Promise<number> =>
      Number((await rows<{ Value: string }>(db, "SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'"))[0]?.Value ?? 0);
    const deadlocksBefore = await deadlocks();

    // Another transaction, heavier than the batch (so the server rolls the batch back),
    // holds the pair's conversation row, which the batch needs last.
    const other = await raw();
    await other.query('START TRANSACTION');
    const heavy = Array.from({ length: 200 }, () => [ann.id, 'weight', T0]);
    await other.query('INSERT INTO activity_logs (user_id, action, created_at) VALUES ?', [heavy]);
    await other.query('SELECT * FROM direct_conversations FOR UPDATE');

    const sent = send(ann, ben, 'after');
    await batchUpdatingConversations(db);
    // The batch holds a shared lock on ben's account (its INSERT read it): wanting it closes the cycle.
    // The server rolls the batch back, so the other transaction goes on and ends; the batch runs again after it.
    await other.query('UPDATE accounts SET privacy = privacy WHERE id = ?', [ben.id]);
    await other.query('COMMIT');
    const message = stored(await sent);

    expect(message.content).toBe('after');
    expect(await deadlocks()).toBeGreaterThan(deadlocksBefore);
    const contents = await rows<{ content: string }>(db, 'SELECT content FROM messages ORDER BY id');
    expect(contents.map((row) => row.content)).toEqual(['before', 'after']);
    const [conversation] = await rows<{ lastId: number }>(db, 'SELECT last_message_id AS lastId FROM direct_conversations');
    expect(Number(conversation?.lastId)).toBe(message.id);
  });

  it('fails the jobs of a batch whose connection is lost, stores none of them, and runs the next batch on a new connection', async () => {
    const [ann, ben] = [await register('ann'), await register('ben')];
    stored(await send(ann, ben, 'before'));
    const db = await raw();
    const other = await raw();
    await other.query('START TRANSACTION');
    await other.query('SELECT * FROM direct_conversations FOR UPDATE');

    const lost = Promise.allSettled([send(ann, ben, 'lost 1'), send(ben, ann, 'lost 2')]);
    const batchThread = await batchUpdatingConversations(db);
    await db.query(`KILL ${batchThread}`);
    const outcomes = await lost;
    await other.query('ROLLBACK');

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(stored(await send(ann, ben, 'after')).content).toBe('after');
    const contents = await rows<{ content: string }>(db, 'SELECT content FROM messages ORDER BY id');
    expect(contents.map((row) => row.content)).toEqual(['before', 'after']);
  });

  it.each(['one round trip', 'two round trips'] as const)(
    'stores one caller’s messages in call order across batches, and splits a long queue into batches (%s)',
    async (path) => {
    const [ann, ben] = [await register('ann'), await register('ben')];
    const messages = await messagesFor(path);
    const calls: Array<Promise<unknown>> = [];
    // 2,500 calls over five turns of the event loop: more than one batch holds.
    for (let turn = 0; turn < 5; turn++) {
      for (let i = 0; i < 500; i++) calls.push(send(ann, ben, `m${turn * 500 + i}`, messages));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const outcomes = (await Promise.all(calls)).map((outcome) => stored(outcome as Awaited<ReturnType<typeof send>>));

    const ids = outcomes.map((message) => message.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(commits.length).toBeGreaterThan(2);
    expect(Math.max(...commits.map((commit) => commit.jobs))).toBeLessThanOrEqual(1024);
    const db = await raw();
    const contents = await rows<{ content: string }>(db, 'SELECT content FROM messages ORDER BY id');
    expect(contents.map((row) => row.content)).toEqual(outcomes.map((_, i) => `m${i}`));
    const [conversation] = await rows<{ lastId: number; unread: number }>(
      db,
      'SELECT last_message_id AS lastId, lo_unread + hi_unread AS unread FROM direct_conversations',
    );
    expect([Number(conversation?.lastId), Number(conversation?.unread)]).toEqual([ids[ids.length - 1], 2500]);
    },
  );

  it('keeps each batch of large messages under the packet size of the oldest servers (4 MiB)', async () => {
    const [ann, ben] = [await register('ann'), await register('ben')];
    // 64,000 bytes of UTF-8 each, 6.4 MB together.
    const texts = Array.from({ length: 100 }, (_, i) => `${i}:${'😀'.repeat(16_000)}`);
    const before = commits.length;
    const outcomes = await Promise.all(texts.map((text) => send(ann, ben, text)));
    expect(outcomes.map((outcome) => stored(outcome).content)).toEqual(texts);
    const batches = commits.slice(before).map((commit) => commit.jobs);
    // Every byte escaped at worst: no batch of these holds more than 3 MiB / 128 KB.
    expect(Math.max(...batches)).toBeLessThanOrEqual(24);
    expect(batches.reduce((sum, jobs) => sum + jobs, 0)).toBe(100);
  });

  it('lets the calls already queued finish when the storage closes, and refuses new ones', async () => {
    const [ann, ben] = [await register('ann'), await register('ben')];
    const queued = Array.from({ length: 20 }, (_, i) => send(ann, ben, `q${i}`));
    const closed = storage.close();
    await expect(send(ann, ben, 'late')).rejects.toThrow(/closed/);
    expect((await Promise.all(queued)).map((outcome) => stored(outcome).content)).toEqual(queued.map((_, i) => `q${i}`));
    await closed;
  });
});
