/**
 * What SQLite's share of a direct message costs, alone: the write thread's operations
 * (sqlite-operations.ts) run here on a connection of this process, as the write thread
 * runs them, with nothing else on the event loop: the message stored with its §10
 * checks, the batch's conversation rows, the delivery marks of the batch before, and
 * the COMMIT with its disk sync. Time per message of each part, over a table that grows
 * as in the dm workload.
 *
 *   node dist/bench/sqlite-write-path.js [--batch B] [--messages N] [--synchronous FULL|NORMAL] [--dir D]
 *
 * The database is a fresh file in D (default: the system's temporary folder; give the
 * folder the server's database lives in to measure that disk), migrated as the server
 * migrates it; 100 users, each message from one of 50 senders to one of 50 receivers
 * (who take messages from everyone), 100-byte texts.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GatheredWork, markDirectDelivered, saveDirect } from '../src/adapters/persistence/typeorm/sqlite-operations';
import { statementsOf } from '../src/adapters/persistence/typeorm/sqlite-statements';
import { TypeOrmStorage } from '../src/adapters/persistence/typeorm/typeorm-storage';

interface Options {
  readonly batch: number;
  readonly messages: number;
  readonly synchronous: 'FULL' | 'NORMAL';
  readonly dir: string;
}

function parseOptions(argv: readonly string[]): Options {
  let batch = 300;
  let messages = 300_000;
  let synchronous: 'FULL' | 'NORMAL' = 'FULL';
  let dir = tmpdir();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = (): string => {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      return value;
    };
    const count = (): number => {
      const n = Number(next());
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${arg} needs a positive integer`);
      return n;
    };
    if (arg === '--batch') batch = count();
    else if (arg === '--messages') messages = count();
    else if (arg === '--synchronous') {
      const value = next().toUpperCase();
      if (value !== 'FULL' && value !== 'NORMAL') throw new Error('--synchronous is FULL or NORMAL');
      synchronous = value;
    } else if (arg === '--dir') dir = next();
    else throw new Error(`unknown argument ${arg}`);
  }
  return { batch, messages, synchronous, dir };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const folder = mkdtempSync(join(o.dir, 'chat-write-path-'));
  const file = join(folder, 'chat.sqlite');
  try {
    await (await TypeOrmStorage.open({ database: file, writeThread: false })).close();
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${o.synchronous}`);
    db.pragma('foreign_keys = ON');
    const addUser = db.prepare("INSERT INTO accounts (username, username_key, password_hash, created_at) VALUES (?, ?, 'x', 0)");
    db.transaction(() => {
      for (let i = 1; i <= 100; i++) addUser.run(`user${i}`, `user${i}`);
    })();
    const statements = statementsOf(db);
    const gathered = new GatheredWork();
    const context = gathered.context(statements);
    const content = 'x'.repeat(100);
    const spent = { store: 0, conversations: 0, marks: 0, commit: 0 };
    let delivered: number[] = [];
    const batches = Math.ceil(o.messages / o.batch);
    for (let b = 0; b < batches; b++) {
      statements.run('BEGIN IMMEDIATE');
      let at = performance.now();
      const ids: number[] = [];
      for (let i = 0; i < o.batch; i++) {
        const sender = 1 + ((b * o.batch + i) % 50);
        const id = saveDirect.run(context, [sender, sender + 50, content, Date.now(), 0]);
        if (id !== null) ids.push(id);
      }
      spent.store += performance.now() - at;
      at = performance.now();
      gathered.flush(statements);
      gathered.clear();
      spent.conversations += performance.now() - at;
      // The server marks a batch's messages delivered in a later batch, once pushed.
      at = performance.now();
      if (delivered.length > 0) markDirectDelivered.run(context, [delivered]);
      spent.marks += performance.now() - at;
      delivered = ids;
      at = performance.now();
      statements.run('COMMIT');
      spent.commit += performance.now() - at;
    }
    db.close();
    const stored = batches * o.batch;
    const perMessage = (ms: number): string => `${((ms * 1000) / stored).toFixed(2)} µs`;
    const total = spent.store + spent.conversations + spent.marks + spent.commit;
    process.stdout.write(
      [
        `${stored.toLocaleString('en-US')} direct messages in group commits of ${o.batch}, synchronous=${o.synchronous}, in ${folder}`,
        `per message: stored ${perMessage(spent.store)}, conversation rows ${perMessage(spent.conversations)}, ` +
          `delivery marks ${perMessage(spent.marks)}, COMMIT ${perMessage(spent.commit)} ` +
          `(${(spent.commit / batches).toFixed(2)} ms each); all ${perMessage(total)}`,
        `one thread doing only this: ${Math.round((stored * 1000) / total).toLocaleString('en-US')} messages/s`,
      ].join('\n') + '\n',
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
