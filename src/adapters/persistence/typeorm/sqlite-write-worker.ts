/*
 * The SQLite write thread's entry (see sqlite-write-thread.ts): owns a connection of
 * its own to the database file and runs the write batches the main thread sends, one
 * at a time: BEGIN IMMEDIATE, each job (a savepoint when it is several statements),
 * the batch's gathered work, COMMIT. Waiting for the write lock and the disk happens
 * here, not on the main thread's event loop. Loaded as a worker only; it imports
 * nothing but the statements and the operations.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { GatheredWork, operationNamed } from './sqlite-operations';
import { SqliteStatements, type StatementFailure } from './sqlite-prepared';
import {
  failureToWire,
  isWriteThreadSetup,
  type BatchReply,
  type ThreadRequest,
  type WireOutcome,
  type WriteJob,
} from './sqlite-write-protocol';

if (!parentPort || !isWriteThreadSetup(workerData)) throw new Error('sqlite-write-worker runs as the SQLite write thread only');
const port = parentPort;
const setup = workerData;

/** A failed statement: the driver's message and code, and the statement's text (never its values). */
const failed: StatementFailure = (sql, _parameters, error) => {
  const failure = new Error(typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error));
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  return Object.assign(failure, { code, sql });
};

const Database = createRequire(setup.requireFrom)('better-sqlite3') as typeof import('better-sqlite3');
const db = new Database(setup.file, { timeout: setup.busyTimeoutMs });
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${setup.synchronous}`);
db.pragma('foreign_keys = ON');
const statements = new SqliteStatements(db, failed);
const gathered = new GatheredWork();
const context = gathered.context(statements);

port.on('message', (request: ThreadRequest) => {
  if (request.kind === 'close') {
    db.close();
    port.postMessage({ kind: 'closed' });
    port.close();
    return;
  }
  port.postMessage(runBatch(request.jobs));
});
port.postMessage({ kind: 'ready' });

function runBatch(jobs: readonly WriteJob[]): BatchReply {
  try {
    statements.run('BEGIN IMMEDIATE');
  } catch (error) {
    const outcome: WireOutcome = { ok: false, error: failureToWire(error) };
    return { kind: 'batch', outcomes: jobs.map(() => outcome), commitSeconds: null };
  }
  const outcomes: WireOutcome[] = [];
  let lost: unknown = null;
  try {
    for (const [name, args] of jobs) {
      const outcome = runJob(name, args);
      outcomes.push(outcome);
      // A full disk or an I/O error can end the whole transaction, earlier jobs' writes with it.
      if (!statements.inTransaction) {
        lost = outcome.ok ? new Error('The transaction ended before its COMMIT') : outcome.error;
        break;
      }
    }
    if (lost === null) gathered.flush(statements);
  } catch (error) {
    lost = error;
  }
  if (lost !== null) return abandon(outcomes.length, lost);
  const started = performance.now();
  try {
    statements.run('COMMIT');
  } catch (error) {
    return abandon(jobs.length, error);
  } finally {
    gathered.clear();
  }
  return { kind: 'batch', outcomes, commitSeconds: (performance.now() - started) / 1000 };
}

/** The batch's transaction is lost: the jobs that ran fail (their writes are gone); the others did not run. */
function abandon(ran: number, error: unknown): BatchReply {
  gathered.discard();
  gathered.clear();
  try {
    if (statements.inTransaction) statements.run('ROLLBACK');
  } catch {
    // The connection is broken beyond a rollback; the next BEGIN reports it.
  }
  const outcome: WireOutcome = { ok: false, error: failureToWire(error) };
  return { kind: 'batch', outcomes: Array.from({ length: ran }, () => outcome), commitSeconds: null };
}

function runJob(name: string, args: readonly unknown[]): WireOutcome {
  const operation = operationNamed(name);
  if (!operation) return { ok: false, error: failureToWire(new Error(`No SQLite operation named ${name}`)) };
  const atomic = operation.atomic(args);
  try {
    if (atomic) statements.run('SAVEPOINT job');
    const value = operation.run(context, args);
    if (atomic) statements.run('RELEASE SAVEPOINT job');
    return { ok: true, value };
  } catch (error) {
    // A single statement that fails undoes its own changes and leaves the transaction open.
    if (atomic && statements.inTransaction) {
      try {
        statements.run('ROLLBACK TO SAVEPOINT job');
        statements.run('RELEASE SAVEPOINT job');
      } catch (rollbackError) {
        return { ok: false, error: failureToWire(rollbackError) };
      }
    }
    return { ok: false, error: failureToWire(error) };
  }
}
