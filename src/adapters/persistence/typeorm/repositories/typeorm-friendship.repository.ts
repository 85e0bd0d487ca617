import type { FriendshipRepository } from '../../../../application/ports';
import type { Timestamp, UserId, UserRef } from '../../../../domain';
import type { Executor } from '../executor';
import { FriendshipMapper, type FriendRow } from '../mappers';
import { insertRow } from '../query-helpers';
import { AccountSchema, FriendshipSchema } from '../schemas';
import { isUniqueViolation } from '../unique-violation';

/**
 * SQLite: listed on every login and logout, so a prepared statement (the query
 * builder writes the id into the SQL text, a new statement per user).
 */
const SQLITE_LIST_FRIENDS = `
  SELECT a.id AS id, a.username AS username
  FROM friend_lists f JOIN accounts a ON a.id = CASE WHEN f.user_low = ? THEN f.user_high ELSE f.user_low END
  WHERE f.user_low = ? OR f.user_high = ?
  ORDER BY a.username_key, a.id`;

export class TypeOrmFriendshipRepository implements FriendshipRepository {
  constructor(private readonly db: Executor) {}

  async add(a: UserId, b: UserId, since: Timestamp): Promise<boolean> {
    try {
      await this.db.run((manager) => insertRow(manager, FriendshipSchema, FriendshipMapper.toPersistence(a, b, since)));
      return true;
    } catch (error) {
      // The pair is the primary key, stored low id first: one friendship per pair.
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  remove(a: UserId, b: UserId): Promise<boolean> {
    return this.db.run(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .delete()
        .from(FriendshipSchema)
        .where(FriendshipMapper.pair(a, b))
        .execute();
      return (result.affected ?? 0) > 0;
    });
  }

  exists(a: UserId, b: UserId): Promise<boolean> {
    return this.db.run((manager) => manager.existsBy(FriendshipSchema, FriendshipMapper.pair(a, b)));
  }

  listFriends(userId: UserId): Promise<UserRef[]> {
    const sqlite = this.db.sqlite;
    if (sqlite) {
      return sqlite.read((s) =>
        (s.all(SQLITE_LIST_FRIENDS, [userId, userId, userId]) as FriendRow[]).map((row) =>
          FriendshipMapper.friendToDomain(row),
        ),
      );
    }
    return this.db.run(async (manager) => {
      const rows = await manager
        .createQueryBuilder(FriendshipSchema, 'f')
        .innerJoin(AccountSchema.options.name, 'a', 'a.id = CASE WHEN f.userLow = :userId THEN f.userHigh ELSE f.userLow END')
        .select('a.id', 'id')
        .addSelect('a.username', 'username')
        .where('(f.userLow = :userId OR f.userHigh = :userId)', { userId })
        // username_key is the username lower-cased: case-insensitive order, ties by id.
        .orderBy('a.usernameKey', 'ASC')
        .addOrderBy('a.id', 'ASC')
        .getRawMany<FriendRow>();
      return rows.map((row) => FriendshipMapper.friendToDomain(row));
    });
  }
}
