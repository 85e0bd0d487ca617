import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TypeOrmStorage } from '../../src/adapters/persistence/typeorm/typeorm-storage';
import type { Account } from '../../src/domain';
import { freshWorkerDatabase, mysqlTestUrl, rawMysql } from '../support/mysql';

const T0 = 1_764_201_600_000;

/** A fresh database of a TypeORM engine, and a way to count a table's rows behind the storage's back. */
interface EngineDatabase {
  readonly database: string;
  countRows(table: string): Promise<number>;
  dispose(): void;
}

const engines: Array<[string, () => Promise<EngineDatabase>]> = [
  [
    'SQLite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'chat-uow-'));
      const database = join(dir, 'chat.sqlite');
      return {
        database,
        async countRows(table) {
          const db = new Database(database);
          try {
            return Number(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get());
          } finally {
            db.close();
          }
        },
        dispose: () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  ],
];
const mysqlUrl = mysqlTestUrl();
if (mysqlUrl !== null) {
  engines.push([
    'MySQL/MariaDB',
    async () => {
      const database = await freshWorkerDatabase();
      return {
        database,
        async countRows(table) {
          const connection = await rawMysql(database);
          try {
            const [rows] = await connection.query(`SELECT COUNT(*) AS n FROM ${connection.escapeId(table)}`);
            return Array.isArray(rows) ? Number(Reflect.get(rows[0] ?? {}, 'n')) : Number.NaN;
          } finally {
            await connection.end();
          }
        },
        dispose: () => undefined,
      };
    },
  ]);
}

/** How TypeORM transactions behave beyond the repository contract, on every TypeORM engine. */
describe.each(engines)('TypeORM transactions on %s', (_engine, freshDatabase) => {
  let db: EngineDatabase;
  let storage: TypeOrmStorage;

  beforeEach(async () => {
    db = await freshDatabase();
    storage = await TypeOrmStorage.open({ database: db.database });
  });

  afterEach(async () => {
    await storage.close();
    db.dispose();
  });

  async function register(username: string): Promise<Account> {
    const account = await storage.repositories.accounts.create({ username, passwordHash: 'h', createdAt: T0 });
    if (account === 'username-taken') throw new Error(`test setup: ${username} is taken`);
    return account;
  }

  it('undoes only the failed step when work catches its error and carries on', async () => {
    const alice = await register('alice');

    const group = await storage.unitOfWork.run(async (tx) => {
      const created = await tx.groups.create('kept', alice.id, T0);
      const toNobody = { groupId: created.id, senderId: alice.id, content: 'x', sentAt: T0 };
      await expect(tx.messages.saveGroup(toNobody, [alice.id + 1000])).rejects.toThrow(/foreign key/i);
      return created;
    });

    expect(await storage.repositories.groups.findById(group.id)).toEqual(group);
    expect(await db.countRows('group_messages')).toBe(0);
  });

  it('stores none of a group message when one of its delivery rows fails', async () => {
    const sender = await register('sender');
    const group = await storage.repositories.groups.create('g', sender.id, T0);

    await expect(
      storage.repositories.messages.saveGroup({ groupId: group.id, senderId: sender.id, content: 'x', sentAt: T0 }, [
        sender.id + 1000,
      ]),
    ).rejects.toThrow(/foreign key/i);

    expect(await db.countRows('group_messages')).toBe(0);
  });
});
