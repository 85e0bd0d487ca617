import type { RowDataPacket } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { createMysqlDataSource, MYSQL_MIGRATIONS } from '../../src/adapters/persistence/typeorm/data-source';
import { parseMysqlUrl } from '../../src/adapters/persistence/typeorm/database-url';
import { migrateDatabase } from '../../src/adapters/persistence/typeorm/migration-runner';
import { TypeOrmStorage } from '../../src/adapters/persistence/typeorm/typeorm-storage';
import type { Account } from '../../src/domain';
import { stored } from '../support/stored-message';
import { describeOnMysql, rawMysql, recreateDatabase, requireMysqlUrl, urlOfDatabase, workerDatabaseName } from '../support/mysql';

const T0 = 1_765_065_600_000;
/** Past what a signed INT holds. */
const ABOVE_INT = 2 ** 31 + 10;

const toClose: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const resource of toClose.splice(0).reverse()) await resource.close();
});

async function raw(url: string, database: string): Promise<Connection> {
  const connection = await rawMysql(url, { database });
  toClose.push({ close: () => connection.end() });
  return connection;
}

describeOnMysql()('ids as BIGINT on MySQL/MariaDB', () => {
  let url: string;
  let name: string;
  let database: string;

  beforeAll(() => {
    url = requireMysqlUrl();
    name = workerDatabaseName(url, 'bigint');
    database = urlOfDatabase(url, name);
  });

  beforeEach(async () => {
    await recreateDatabase(url, name);
  });

  it('keeps the rows, the keys and the indexes while every id column becomes BIGINT', async () => {
    const previous = createMysqlDataSource(parseMysqlUrl(database), { poolSize: 1 }).setOptions({
      migrations: MYSQL_MIGRATIONS.filter((m) => m.name !== 'BigintIdsMysql1765065600000'),
    });
    await previous.initialize();
    await previous.runMigrations({ transaction: 'none' });
    await previous.destroy();
    const db = await raw(url, name);
    await db.query(
      `INSERT INTO accounts (id, username, username_key, password_hash, created_at) VALUES (7, 'Alice', 'alice', 'h', ?), (9, 'Bob', 'bob', 'h', ?)`,
      [T0, T0],
    );
    await db.query(`INSERT INTO messages (id, sender_id, receiver_id, content, created_at) VALUES (41, 7, 9, 'hi', ?)`, [T0]);
    const [before] = await db.query<RowDataPacket[]>(
      `SELECT table_name AS t, index_name AS i FROM information_schema.statistics WHERE table_schema = DATABASE() ORDER BY 1, 2`,
    );

    expect(await migrateDatabase({ database })).toEqual(['BigintIdsMysql1765065600000']);

    const [messages] = await db.query<RowDataPacket[]>('SELECT id, sender_id, receiver_id, content FROM messages');
    expect(messages.map((m) => ({ ...m }))).toEqual([{ id: 41, sender_id: 7, receiver_id: 9, content: 'hi' }]);
    const [types] = await db.query<RowDataPacket[]>(
      `SELECT DISTINCT data_type AS type FROM information_schema.columns
       WHERE table_schema = DATABASE() AND (column_name = 'id' OR column_name LIKE '%\\_id' OR column_name IN ('user_low', 'user_high', 'user_lo', 'user_hi', 'created_by', 'lo_read_up_to', 'hi_read_up_to'))
       AND column_name NOT IN ('node_id', 'connection_id') AND table_name <> 'migrations'`,
    );
    expect(types.map((t) => t.type)).toEqual(['bigint']);
    const [keys] = await db.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM information_schema.table_constraints WHERE constraint_schema = DATABASE() AND constraint_type = 'FOREIGN KEY'`,
    );
    expect(Number(keys[0]!['n'])).toBe(22);
    const [after] = await db.query<RowDataPacket[]>(
      `SELECT table_name AS t, index_name AS i FROM information_schema.statistics WHERE table_schema = DATABASE() ORDER BY 1, 2`,
    );
    expect(after).toEqual(before);
    await expect(
      db.query(`INSERT INTO messages (sender_id, receiver_id, content, created_at) VALUES (7, ${ABOVE_INT}, 'x', 0)`),
    ).rejects.toThrow(/FK_messages_receiver/);
  });

  it('stores and reads back ids above 2^31 for accounts, groups and messages', async () => {
    await migrateDatabase({ database });
    const db = await raw(url, name);
    for (const table of ['accounts', '`groups`', 'messages', 'group_messages']) {
      await db.query(`ALTER TABLE ${table} AUTO_INCREMENT = ${ABOVE_INT}`);
    }
    const storage = await TypeOrmStorage.open({ database });
    toClose.push(storage);
    const repos = storage.repositories;
    const register = async (username: string): Promise<Account> => {
      const account = await repos.accounts.create({ username, passwordHash: 'h', createdAt: T0 });
      if (account === 'username-taken') throw new Error(`test setup: ${username} is taken`);
      return account;
    };
    const alice = await register('alice');
    const bob = await register('bob');
    expect(alice.id).toBe(ABOVE_INT);
    expect(bob.id).toBe(ABOVE_INT + 1);
    expect(await repos.accounts.findById(bob.id)).toMatchObject({ id: bob.id, username: 'bob' });
    expect(await repos.friendships.add(alice.id, bob.id, T0)).toBe(true);
    expect(await repos.friendships.exists(bob.id, alice.id)).toBe(true);

    const direct = stored(await repos.messages.saveDirect({ senderId: alice.id, receiverId: bob.id, content: 'hi', sentAt: T0 }));
    expect(direct.id).toBe(ABOVE_INT);
    expect(await repos.messages.listUndeliveredDirect(bob.id, 10)).toEqual([
      expect.objectContaining({ id: ABOVE_INT, senderId: alice.id, content: 'hi' }),
    ]);
    await repos.messages.markDirectDelivered([direct.id]);
    expect(await repos.messages.listUndeliveredDirect(bob.id, 10)).toEqual([]);

    const group = await repos.groups.create('g', alice.id, T0);
    expect(group.id).toBe(ABOVE_INT);
    await repos.groups.addMember({ groupId: group.id, userId: bob.id, role: 'member', joinedAt: T0 });
    const posted = await repos.messages.saveGroup({ groupId: group.id, senderId: alice.id, content: 'all', sentAt: T0 + 1 }, [bob.id]);
    expect(posted.id).toBe(ABOVE_INT);
    expect(await repos.messages.listUndeliveredGroup(bob.id, 10)).toEqual([
      expect.objectContaining({ id: ABOVE_INT, groupId: group.id, content: 'all' }),
    ]);
    await repos.messages.markGroupDeliveredTo(bob.id, [posted.id]);
    expect(await repos.messages.listUndeliveredGroup(bob.id, 10)).toEqual([]);
  });
});
