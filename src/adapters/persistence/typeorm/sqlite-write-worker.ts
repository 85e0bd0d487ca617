/*
 * The SQLite write thread's entry (see sqlite-write-thread.ts): owns a connection of
 * its own to the database file and runs the jobs the main thread sends, in
 * transactions that take whatever has arrived (sqlite-write-transactions.ts).
 * Waiting for the write lock and the disk happens here, not on the main thread's
 * event loop. Loaded as a worker only; it imports nothing but the statements and the
 * operations.
 */
import { createRequire } from 'node:module';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { operationNamed } from './sqlite-operations';
import { SqliteStatements, type StatementFailure } from './sqlite-prepared';
import { isWriteThreadSetup, type ThreadRequest } from './sqlite-write-protocol';
import { WriteTransactions } from './sqlite-write-transactions';

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

let closing = false;
const transactions = new WriteTransactions(new SqliteStatements(db, failed), operationNamed, () => {
  const received = receiveMessageOnPort(port);
  if (received === undefined) return false;
  accept(received.message as ThreadRequest);
  return true;
});

function accept(request: ThreadRequest): void {
  if (request.kind === 'close') closing = true;
  else transactions.add(request.jobs);
}

port.on('message', (request: ThreadRequest) => {
  accept(request);
  while (transactions.backlog > 0) port.postMessage(transactions.next());
  if (closing) {
    db.close();
    port.postMessage({ kind: 'closed' });
    port.close();
  }
});
port.postMessage({ kind: 'ready' });
