import { In } from 'typeorm';
import type { AccountRepository } from '../../../../application/ports';
import { Username, type Account, type AccountStatus, type NewAccount, type UserId } from '../../../../domain';
import type { Executor } from '../executor';
import { AccountMapper } from '../mappers';
import { chunksOf, insertReturningId } from '../query-helpers';
import { AccountSchema, type AccountRecord } from '../schemas';
import { jsonIds } from '../sqlite-statements';
import { isUniqueViolation } from '../unique-violation';

/*
 * The look-ups run on every login and message, so they are plain parameterized
 * SQL: the query builder costs several times the statement itself. The names
 * are unquoted (none is reserved in SQLite or MySQL), so the text serves both.
 */
const ACCOUNT_COLUMNS =
  'id, username, username_key AS usernameKey, password_hash AS passwordHash, status, created_at AS createdAt';
const FIND_BY_ID = `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = ?`;
const FIND_BY_USERNAME_KEY = `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE username_key = ?`;
/** SQLite: any number of ids as one bound JSON array. */
const SQLITE_FILTER_BANNED = "SELECT id FROM accounts WHERE id IN (SELECT value FROM json_each(?)) AND status = 'banned'";

export class TypeOrmAccountRepository implements AccountRepository {
  constructor(private readonly db: Executor) {}

  async create(account: NewAccount): Promise<Account | 'username-taken'> {
    const record = AccountMapper.toPersistence(account);
    try {
      const id = await this.db.run((manager) => insertReturningId(manager, AccountSchema, record));
      return AccountMapper.toDomain({ id, ...record });
    } catch (error) {
      // The unique index on username_key decides, so two racing registrations cannot both win.
      if (isUniqueViolation(error)) return 'username-taken';
      throw error;
    }
  }

  findById(id: UserId): Promise<Account | null> {
    const sqlite = this.db.sqlite;
    if (sqlite) return sqlite.read((s) => toAccount(s.get(FIND_BY_ID, [id])));
    return this.db.run(async (manager) => {
      const records: AccountRecord[] = await manager.query(FIND_BY_ID, [id]);
      return records[0] ? AccountMapper.toDomain(records[0]) : null;
    });
  }

  findByUsername(username: string): Promise<Account | null> {
    const sqlite = this.db.sqlite;
    if (sqlite) return sqlite.read((s) => toAccount(s.get(FIND_BY_USERNAME_KEY, [Username.keyOf(username)])));
    return this.db.run(async (manager) => {
      const records: AccountRecord[] = await manager.query(FIND_BY_USERNAME_KEY, [Username.keyOf(username)]);
      return records[0] ? AccountMapper.toDomain(records[0]) : null;
    });
  }

  async setStatus(id: UserId, status: AccountStatus): Promise<void> {
    await this.db.run((manager) =>
      manager.createQueryBuilder().update(AccountSchema).set({ status }).where({ id }).execute(),
    );
  }

  async filterBanned(ids: readonly UserId[]): Promise<UserId[]> {
    if (ids.length === 0) return [];
    const sqlite = this.db.sqlite;
    if (sqlite) {
      return sqlite.read((s) =>
        s.allRows(SQLITE_FILTER_BANNED, [jsonIds([...new Set(ids)])]).map(([id]) => Number(id)).sort((a, b) => a - b),
      );
    }
    return this.db.run(async (manager) => {
      const banned: UserId[] = [];
      for (const chunk of chunksOf([...new Set(ids)], 500)) {
        const records = await manager.find(AccountSchema, {
          select: { id: true },
          where: { id: In(chunk), status: 'banned' },
        });
        for (const record of records) banned.push(record.id);
      }
      return banned;
    });
  }
}

/** A row read through a prepared statement (SQLite), or undefined when there is none. */
function toAccount(row: unknown): Account | null {
  return row === undefined ? null : AccountMapper.toDomain(row as AccountRecord);
}
