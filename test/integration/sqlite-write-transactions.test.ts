import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqliteOperation } from '../../src/adapters/persistence/typeorm/sqlite-operations';
import { SqliteStatements } from '../../src/adapters/persistence/typeorm/sqlite-prepared';
import type { SettledReply, WriteJob } from '../../src/adapters/persistence/typeorm/sqlite-write-protocol';
import { WriteTransactions } from '../../src/adapters/persistence/typeorm/sqlite-write-transactions';

/** A failed statement as the write thread reports it: the driver's message and code. */
function failed(_sql: string, _parameters: unknown, error: unknown): Error {
  const driver = typeof error === 'object' && error !== null ? (error as { message?: unknown; code?: unknown }) : {};
  return Object.assign(new Error(String(driver.message ?? error)), { code: driver.code });
}

/** Stores a text: its id. */
const put: SqliteOperation<readonly [text: string], number> = {
  name: 'put',
  atomic: () => false,
  run: ({ statements }, [text]) => Number(statements.run('INSERT INTO notes (text) VALUES (?)', [text]).lastInsertRowid),
};

/** Two rows, the second one refused (NOT NULL): a savepoint must take the first away too. */
const putHalf: SqliteOperation<readonly [text: string], void> = {
  name: 'putHalf',
  atomic: () => true,
  run: ({ statements }, [text]) => {
    statements.run('INSERT INTO notes (text) VALUES (?)', [text]);
    statements.run('INSERT INTO notes (text) VALUES (NULL)');
  },
};

/** What an I/O error or a full disk does: the statement fails and the whole transaction is gone. */
const loseTransaction: SqliteOperation<readonly [], void> = {
  name: 'loseTransaction',
  atomic: () => false,
  run: ({ statements }) => {
    statements.run('ROLLBACK');
    throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
  },
};

const OPERATIONS = new Map<string, SqliteOperation<never, unknown>>(
  [put, putHalf, loseTransaction].map((operation) => [operation.name, operation as SqliteOperation<never, unknown>]),
);

/**
 * The write thread's transactions, run here on a connection of the test's own: group
 * commit without waiting (a transaction takes what arrives while it runs), order kept
 * across transactions, a failing job failing alone, and a lost transaction failing
 * only the jobs it had run.
 */
describe('WriteTransactions', () => {
  let dir: string;
  let file: string;
  let db: Database.Database;
  /** What "arrives" while a transaction runs: each receive() takes the next entry. */
  let arriving: WriteJob[][];
  let transactions: WriteTransactions;

  function open(maxJobs?: number): WriteTransactions {
    const statements = new SqliteStatements(db, failed);
    const made = new WriteTransactions(
      statements,
      (name) => OPERATIONS.get(name) as SqliteOperation<readonly unknown[], unknown> | undefined,
      () => {
        const next = arriving.shift();
        if (next === undefined) return false;
        made.add(next);
        return true;
      },
      maxJobs,
    );
    return made;
  }

  function notes(): string[] {
    return (db.prepare('SELECT text FROM notes ORDER BY id').all() as { text: string }[]).map((row) => row.text);
  }

  function values(reply: SettledReply): unknown[] {
    return reply.outcomes.map((outcome) => (outcome.ok ? outcome.value : `failed: ${outcome.error.code ?? outcome.error.message}`));
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat-write-transactions-'));
    file = join(dir, 'notes.sqlite');
    db = new Database(file, { timeout: 50 });
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)');
    arriving = [];
    transactions = open();
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the jobs that arrive while it runs into the same transaction, in the order they were sent', () => {
    transactions.add([['put', ['a']]]);
    // Two deliveries, an empty one between them (a message that held no jobs).
    arriving = [
      [
        ['put', ['b']],
        ['put', ['c']],
      ],
      [],
      [['put', ['d']]],
    ];

    // One call, one transaction: its reply answers all four.
    const reply = transactions.next();

    expect(reply.commitSeconds).not.toBeNull();
    expect(values(reply)).toEqual([1, 2, 3, 4]);
    expect(arriving).toEqual([]);
    expect(transactions.backlog).toBe(0);
    expect(notes()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('stops at its most jobs and leaves the rest first in line for the next transaction', () => {
    transactions = open(2);
    transactions.add([
      ['put', ['a']],
      ['put', ['b']],
      ['put', ['c']],
    ]);

    expect(values(transactions.next())).toEqual([1, 2]);
    expect(transactions.backlog).toBe(1);
    arriving = [[['put', ['d']]]];
    expect(values(transactions.next())).toEqual([3, 4]);
    expect(notes()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('fails a failing job alone, a job of several statements with all its writes undone', () => {
    transactions.add([
      ['put', ['a']],
      ['putHalf', ['half']],
      ['noSuchOperation', []],
      ['put', ['b']],
    ]);

    const reply = transactions.next();

    expect(reply.commitSeconds).not.toBeNull();
    // Row 2 of the undone job was never kept: the next insert takes its id.
    expect(values(reply)).toEqual([1, 'failed: SQLITE_CONSTRAINT_NOTNULL', 'failed: No SQLite operation named noSuchOperation', 2]);
    expect(notes()).toEqual(['a', 'b']);
  });

  it('fails the jobs a lost transaction ran, and runs the ones it had not reached next, in order', () => {
    transactions = open(10);
    transactions.add([
      ['put', ['a']],
      ['put', ['b']],
      ['loseTransaction', []],
      ['put', ['c']],
      ['put', ['d']],
    ]);

    const lost = transactions.next();
    expect(lost.commitSeconds).toBeNull();
    expect(values(lost)).toEqual(['failed: SQLITE_IOERR', 'failed: SQLITE_IOERR', 'failed: SQLITE_IOERR']);
    expect(notes()).toEqual([]);
    expect(transactions.backlog).toBe(2);

    const next = transactions.next();
    expect(next.commitSeconds).not.toBeNull();
    expect(values(next)).toHaveLength(2);
    expect(notes()).toEqual(['c', 'd']);
  });

  it('fails every waiting job when the write lock stays taken for the whole busy timeout', () => {
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    try {
      transactions.add([
        ['put', ['a']],
        ['put', ['b']],
      ]);
      const reply = transactions.next();
      expect(reply.commitSeconds).toBeNull();
      expect(values(reply)).toEqual(['failed: SQLITE_BUSY', 'failed: SQLITE_BUSY']);
      expect(transactions.backlog).toBe(0);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    transactions.add([['put', ['c']]]);
    expect(values(transactions.next())).toEqual([1]);
  });
});
