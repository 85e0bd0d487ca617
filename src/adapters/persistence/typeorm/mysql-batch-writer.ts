import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolConnection } from 'mysql2';
import { QueryFailedError } from 'typeorm';
import { isDeadlock } from './database-errors';
import type { MysqlTarget } from './database-url';
import { guardedMysql2 } from './mysql-driver';
import {
  directSendValues,
  insertDirectMessages,
  REMEMBER_DIRECT,
  STORED_DIRECT,
  UPSERT_CONVERSATIONS,
  UPSERT_STORED_CONVERSATIONS,
  writeDirectMarks,
  type DirectSend,
  type MysqlOperation,
  type MysqlStatementList,
  type MysqlValue,
} from './mysql-operations';
import { conversationValues } from './sqlite-operations';
import { NO_STORAGE_OBSERVER, type StorageObserver } from './storage-observer';

/*
 * Group commit for MySQL/MariaDB. The hot write paths (messages stored, delivery
 * marks, ACKs) of every caller that asks while the previous batch runs go into one
 * transaction, sent as one multi-statement query: START TRANSACTION, each job's
 * statements, the batch's direct messages as one INSERT and their conversation rows
 * as one upsert, the delivery marks as one UPDATE, COMMIT. One round trip per batch
 * (two where the server interleaves auto-increment ids, see consecutiveIds) instead
 * of four to six per message, and one commit (one log flush) for all.
 *
 * Each caller hears back once the batch committed. A statement that fails rolls the
 * batch back, and its jobs run again one by one, so only the job that fails fails; a
 * deadlock runs the whole batch again first. A batch whose connection breaks or times
 * out fails all its jobs: whether its COMMIT arrived is not known, and running the
 * jobs again could store a message twice.
 *
 * The batch connections are a small pool of their own, opened with
 * `multipleStatements`: only this module's fixed statement texts run on them, every
 * value escaped by mysql2. The TypeORM pool (reads, units of work) never allows it.
 */

export interface MysqlBatchWriterOptions {
  /** Lanes: batches in flight at once, each on a connection of its own. */
  readonly connections: number;
  readonly connectTimeoutMs: number;
  /** How long a batch may wait for its answer before its jobs fail and its connection is dropped; 0: no limit. */
  readonly queryTimeoutMs: number;
  /** How many times a batch that lost a deadlock runs again before its jobs run one by one. */
  readonly deadlockRetries: number;
  readonly observer?: StorageObserver;
  /**
   * Send conversation rows in a second round trip whatever the server's
   * `innodb_autoinc_lock_mode` (see consecutiveIds): how MySQL 8's default runs,
   * for tests on a MariaDB.
   */
  readonly interleavedIds?: boolean;
}

/** Jobs per batch at most: a batch's text stays far below any max_allowed_packet. */
const MAX_BATCH_JOBS = 1024;
/**
 * Bytes a batch's query may take at most, as estimated by estimatedBytes (text as
 * UTF-8, every character escaped): under the 4 MiB max_allowed_packet of the oldest
 * servers (MySQL 5.7; MariaDB 10.11 and MySQL 8 allow 16 and 64 MiB).
 */
const MAX_BATCH_BYTES = 3 << 20;

interface Job {
  readonly operation: MysqlOperation<readonly unknown[], unknown>;
  readonly args: readonly unknown[];
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Where one of a job's results comes from: a statement of the batch, or the batch's INSERT of direct messages. */
type ResultSource = { readonly statement: number } | { readonly direct: number };

/** A batch's statements as they are written, and where each job's results will come from. */
class BatchStatements implements MysqlStatementList {
  readonly texts: string[] = [];
  readonly values: MysqlValue[] = [];
  readonly directMarks = new Set<number>();
  readonly directSends: DirectSend[] = [];
  readonly sources: ResultSource[][] = [];
  private current: ResultSource[] = [];

  add(sql: string, values: readonly MysqlValue[]): void {
    this.current.push({ statement: this.texts.length });
    this.statement(sql, values);
  }

  readonly sendDirect = (send: DirectSend): void => {
    this.current.push({ direct: this.directSends.length });
    this.directSends.push(send);
  };

  /** A statement of the batch's own, whose result no job reads. */
  statement(sql: string, values: readonly MysqlValue[]): void {
    this.texts.push(sql);
    for (const value of values) this.values.push(value);
  }

  write(job: Job): void {
    this.current = [];
    job.operation.write(this, job.args);
    this.sources.push(this.current);
  }

  /** The statements written since the last query, as one multi-statement query. */
  take(): Query {
    const query = { sql: this.texts.slice(this.sent).join(';\n'), values: this.values.splice(0), count: this.texts.length - this.sent };
    this.sent = this.texts.length;
    return query;
  }

  private sent = 0;
}

/** Statements sent together, and how many (mysql2 hands back a list of results only for several). */
interface Query {
  readonly sql: string;
  readonly values: MysqlValue[];
  readonly count: number;
}

/** What one attempt at a batch came to: each job's results, or the error that ended it. */
type Attempt = { readonly ok: true; readonly results: unknown[][] } | { readonly ok: false; readonly error: unknown };

/**
 * One batch at a time, on a connection of its own: a lane. A caller's direct
 * messages always take the lane of their sender, so one sender's messages are
 * stored in call order (a batch and its retries end before the lane's next batch
 * begins) while other senders' batches commit beside them.
 */
interface Lane {
  readonly queue: Job[];
  running: boolean;
  scheduled: boolean;
}

export class MysqlBatchWriter {
  private readonly lanes: Lane[];
  private closed = false;
  private readonly observer: StorageObserver;
  private readonly idleWaiters: Array<() => void> = [];
  private idsConsecutive: Promise<boolean> | null = null;

  private constructor(
    private readonly pool: Pool,
    private readonly options: MysqlBatchWriterOptions,
  ) {
    this.observer = options.observer ?? NO_STORAGE_OBSERVER;
    this.lanes = Array.from({ length: Math.max(1, options.connections) }, () => ({ queue: [], running: false, scheduled: false }));
  }

  /** Connections are opened when the first batch needs them. */
  static open(target: MysqlTarget, options: MysqlBatchWriterOptions): MysqlBatchWriter {
    const pool = guardedMysql2.createPool({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database: target.database,
      charset: 'utf8mb4_unicode_ci',
      supportBigNumbers: true,
      bigNumberStrings: false,
      multipleStatements: true,
      connectionLimit: Math.max(1, options.connections),
      connectTimeout: options.connectTimeoutMs,
      enableKeepAlive: true,
      keepAliveInitialDelay: 10_000,
    });
    return new MysqlBatchWriter(pool, options);
  }

  /** Queues the operation for its lane's next batch; settles once that batch committed (or failed). */
  perform<A extends readonly unknown[], R>(operation: MysqlOperation<A, R>, args: A): Promise<R> {
    if (this.closed) return Promise.reject(new Error('The storage is closed'));
    const lane = this.laneFor(operation.lane(args));
    return new Promise<R>((resolve, reject) => {
      lane.queue.push({
        operation: operation as unknown as MysqlOperation<readonly unknown[], unknown>,
        args,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.schedule(lane);
    });
  }

  /** Refuses new work, lets the queued batches finish, then closes the connections. */
  async close(): Promise<void> {
    this.closed = true;
    if (!this.idle()) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await new Promise<void>((resolve) => this.pool.end(() => resolve()));
  }

  /** A sender's lane; a job that keeps no order goes where the least is waiting. */
  private laneFor(key: number | null): Lane {
    const { lanes } = this;
    const waiting = (lane: Lane): number => lane.queue.length + Number(lane.running);
    return lanes.reduce((chosen, lane, index) =>
      key === null ? (waiting(lane) < waiting(chosen) ? lane : chosen) : index === Math.abs(key) % lanes.length ? lane : chosen,
    );
  }

  private idle(): boolean {
    return this.lanes.every((lane) => !lane.running && lane.queue.length === 0);
  }

  /** A batch starts after the current turn of the event loop, with every job asked for meanwhile. */
  private schedule(lane: Lane): void {
    if (lane.scheduled || lane.running || lane.queue.length === 0) return;
    lane.scheduled = true;
    setImmediate(() => {
      lane.scheduled = false;
      this.startBatch(lane);
    });
  }

  private startBatch(lane: Lane): void {
    if (!lane.running && lane.queue.length > 0) void this.runBatch(lane, takeBatch(lane.queue));
  }

  private async runBatch(lane: Lane, jobs: Job[]): Promise<void> {
    lane.running = true;
    let released = false;
    // Called once the batch is over, before its callers hear back: the jobs queued
    // meanwhile go to the database while the callers' replies and pushes are written.
    const release = (): void => {
      if (released) return;
      released = true;
      lane.running = false;
      this.startBatch(lane);
    };
    try {
      await this.settle(jobs, release);
    } finally {
      release();
      if (this.idle()) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Runs the jobs as one transaction and settles each; on a failed statement, runs them again one by one. */
  private async settle(jobs: readonly Job[], beforeSettling: () => void = () => {}): Promise<void> {
    for (let retry = 0; ; retry++) {
      const started = performance.now();
      const attempt = await this.attempt(jobs);
      if (attempt.ok) {
        this.observer.committed(jobs.length, (performance.now() - started) / 1000);
        beforeSettling();
        jobs.forEach((job, index) => settleJob(job, attempt.results[index] ?? []));
        return;
      }
      const { error } = attempt;
      if (isDeadlock(error) && retry < this.options.deadlockRetries) {
        // A short random pause, longer at each retry, so the same transactions do not collide again.
        await sleep(1 + Math.floor(Math.random() * 10 * (retry + 1)));
        continue;
      }
      if (isStatementError(error) && jobs.length > 1) {
        for (const job of jobs) await this.settle([job]);
        return;
      }
      const failure = asQueryFailure(error, jobs);
      beforeSettling();
      for (const job of jobs) job.reject(failure);
      return;
    }
  }

  /**
   * The whole batch, committed or rolled back: one round trip, or two when it stores
   * direct messages (their conversation rows need the ids the first one returns).
   */
  private async attempt(jobs: readonly Job[]): Promise<Attempt> {
    let connection: PoolConnection;
    try {
      connection = await this.connection();
    } catch (error) {
      return { ok: false, error };
    }
    let oneTrip: boolean;
    try {
      oneTrip = await this.consecutiveIds(connection);
    } catch (error) {
      await this.rollBack(connection, error);
      return { ok: false, error };
    }
    const batch = new BatchStatements();
    batch.statement('START TRANSACTION WITH CONSISTENT SNAPSHOT', []);
    try {
      for (const job of jobs) batch.write(job);
    } catch (error) {
      connection.release();
      return { ok: false, error };
    }
    const sends = batch.directSends;
    let storedAt = -1;
    if (sends.length > 0) {
      batch.statement(insertDirectMessages(sends.length), sends.flatMap((send, seq) => directSendValues(seq, send)));
      batch.statement(REMEMBER_DIRECT, []);
      storedAt = batch.texts.length;
      batch.statement(STORED_DIRECT(sends.length), []);
      if (oneTrip) batch.statement(UPSERT_STORED_CONVERSATIONS, []);
    }
    writeDirectMarks({ add: (sql, values) => batch.statement(sql, values), directMarks: null, sendDirect: null }, batch.directMarks);
    const twoTrips = sends.length > 0 && !oneTrip;
    if (!twoTrips) batch.statement('COMMIT', []);

    try {
      // The first query's statements are numbered from 0, as the batch wrote them.
      const results = await this.query(connection, batch.take());
      const stored = sends.length > 0 ? storedOutcomes(sends, results[storedAt]) : [];
      if (twoTrips) {
        const rows = conversationRows(sends, stored);
        if (rows.length > 0) batch.statement(UPSERT_CONVERSATIONS(rows.length), rows.flat());
        batch.statement('COMMIT', []);
        await this.query(connection, batch.take());
      }
      connection.release();
      return {
        ok: true,
        results: batch.sources.map((sources) =>
          sources.map((source) => ('statement' in source ? results[source.statement] : stored[source.direct])),
        ),
      };
    } catch (error) {
      await this.rollBack(connection, error);
      return { ok: false, error };
    }
  }

  /**
   * Whether one INSERT's ids are consecutive on this server (`innodb_autoinc_lock_mode`
   * 0 or 1, MariaDB's default), so a batch updates its conversation rows in the same
   * round trip; asked once. MySQL 8's default 2 (and Galera) interleaves concurrent
   * inserts' ids: there the rows are sent in a second round trip, with their ids.
   */
  private consecutiveIds(connection: PoolConnection): Promise<boolean> {
    if (this.options.interleavedIds === true) return Promise.resolve(false);
    this.idsConsecutive ??= this.query(connection, { sql: 'SELECT @@innodb_autoinc_lock_mode AS mode', values: [], count: 1 }).then(
      ([rows]) => Array.isArray(rows) && Number((rows[0] as { mode?: unknown } | undefined)?.mode) <= 1,
    );
    // A failed question is asked again by the next batch.
    this.idsConsecutive.catch(() => {
      this.idsConsecutive = null;
    });
    return this.idsConsecutive;
  }

  private connection(): Promise<PoolConnection> {
    return new Promise((resolve, reject) => {
      this.pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection)));
    });
  }

  /** Runs the statements as one query; a result per statement. */
  private query(connection: PoolConnection, query: Query): Promise<unknown[]> {
    const timeout = this.options.queryTimeoutMs > 0 ? { timeout: this.options.queryTimeoutMs } : {};
    return new Promise((resolve, reject) => {
      connection.query({ sql: query.sql, values: query.values, ...timeout }, (error: unknown, results: unknown) => {
        if (error) reject(error);
        else resolve(query.count > 1 && Array.isArray(results) ? results : [results]);
      });
    });
  }

  /**
   * After a failed statement the transaction is still open (a deadlock victim's is
   * already rolled back): roll it back and hand the connection on. A connection that
   * broke or timed out is dropped; the server rolls back what it left open.
   */
  private async rollBack(connection: PoolConnection, cause: unknown): Promise<void> {
    if (!isStatementError(cause)) {
      connection.destroy();
      return;
    }
    try {
      await this.query(connection, { sql: 'ROLLBACK', values: [], count: 1 });
      connection.release();
    } catch {
      connection.destroy();
    }
  }
}

/**
 * Each direct message's outcome, shaped as a single INSERT's: the stored rows come in
 * id order, which is the batch's order, and a refused message has none (another
 * message of the same pair is refused as well, by the same checks).
 */
function storedOutcomes(sends: readonly DirectSend[], rows: unknown): unknown[] {
  if (!Array.isArray(rows)) throw new Error('The database did not list the messages it stored');
  let next = 0;
  return sends.map((send) => {
    const row: unknown = rows[next];
    if (isStoredRow(row) && Number(row.senderId) === send.senderId && Number(row.receiverId) === send.receiverId) {
      next++;
      return { affectedRows: 1, insertId: row.id };
    }
    return { affectedRows: 0, insertId: 0 };
  });
}

function isStoredRow(row: unknown): row is { id: unknown; senderId: unknown; receiverId: unknown } {
  return typeof row === 'object' && row !== null && 'id' in row && 'senderId' in row && 'receiverId' in row;
}

/** The conversation upsert's values for each message stored, pair by pair (the order their row locks are taken). */
function conversationRows(sends: readonly DirectSend[], outcomes: readonly unknown[]): number[][] {
  const rows: number[][] = [];
  sends.forEach((send, index) => {
    const outcome = outcomes[index];
    const id: unknown = typeof outcome === 'object' && outcome !== null ? Reflect.get(outcome, 'insertId') : 0;
    const stored = typeof id === 'string' ? Number(id) : id;
    if (typeof stored === 'number' && stored > 0) rows.push(conversationValues(send.senderId, send.receiverId, stored, send.sentAt));
  });
  rows.sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0) || (a[1] ?? 0) - (b[1] ?? 0) || (a[2] ?? 0) - (b[2] ?? 0));
  return rows;
}

function settleJob(job: Job, results: readonly unknown[]): void {
  try {
    job.resolve(job.operation.read(results, job.args));
  } catch (error) {
    job.reject(error);
  }
}

/** The server refused a statement and the connection is fine: nothing of the batch is committed once it is rolled back. */
function isStatementError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const errno: unknown = Reflect.get(error, 'errno');
  const fatal: unknown = Reflect.get(error, 'fatal');
  return typeof errno === 'number' && errno > 0 && fatal !== true;
}

/**
 * The error the callers get: TypeORM's QueryFailedError around the driver's code,
 * as the TypeORM pool's statements fail. mysql2 puts the batch's whole text on the
 * error, values included (other callers' messages): only the code and the server's
 * message cross over, and the statement texts of the jobs' operations.
 */
function asQueryFailure(error: unknown, jobs: readonly Job[]): unknown {
  if (typeof error !== 'object' || error === null || !('message' in error)) return error;
  const driverError = new Error(String(error.message));
  for (const field of ['code', 'errno', 'sqlState', 'fatal']) {
    const value: unknown = Reflect.get(error, field);
    if (value !== undefined) Reflect.set(driverError, field, value);
  }
  const names = [...new Set(jobs.map((job) => job.operation.name))].join(', ');
  return new QueryFailedError(`batch of ${names}`, [], driverError);
}

/** The queued jobs that fit in one batch, in lock order (see MysqlOperation.lockOrder); calls keep their order within a rank. */
function takeBatch(queue: Job[]): Job[] {
  const batch: Job[] = [];
  let bytes = 0;
  while (batch.length < MAX_BATCH_JOBS && queue.length > 0) {
    const job = queue[0];
    if (job === undefined) break;
    const size = estimatedBytes(job.args);
    if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
    bytes += size;
    batch.push(job);
    queue.shift();
  }
  return sortByLockOrder(batch);
}

/** A job's share of its batch's query, at most: its text values as UTF-8 with every byte escaped, its statements' text. */
function estimatedBytes(args: readonly unknown[]): number {
  let bytes = 1024;
  for (const arg of args) {
    if (typeof arg === 'string') bytes += 2 * Buffer.byteLength(arg);
    else if (Array.isArray(arg)) bytes += arg.length * 24;
    else bytes += 24;
  }
  return bytes;
}

function sortByLockOrder(jobs: Job[]): Job[] {
  const keyed = jobs.map((job, index) => ({ job, index, key: job.operation.lockOrder(job.args) }));
  keyed.sort((a, b) => {
    // Jobs without a lock to order go after the ones with, in call order.
    if (a.key === null || b.key === null) return a.key === b.key ? a.index - b.index : a.key === null ? 1 : -1;
    return a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2] || a.index - b.index;
  });
  return keyed.map(({ job }) => job);
}
