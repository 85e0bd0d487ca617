import type { FriendRequestRepository } from '../../../../application/ports';
import type { FriendRequest, FriendRequestId, IncomingFriendRequest, Timestamp, UserId } from '../../../../domain';
import type { Executor } from '../executor';
import { FriendRequestMapper, type IncomingFriendRequestRow } from '../mappers';
import { insertReturningId } from '../query-helpers';
import { AccountSchema, FriendRequestSchema } from '../schemas';
import { isUniqueViolation } from '../unique-violation';

/**
 * SQLite: listed on every login, so a prepared statement (the query builder writes
 * the id into the SQL text, a new statement per user).
 */
const SQLITE_LIST_PENDING_FOR = `
  SELECT r.id AS id, r.sender_id AS senderId, a.username AS senderUsername, r.created_at AS createdAt
  FROM friend_requests r JOIN accounts a ON a.id = r.sender_id
  WHERE r.receiver_id = ? AND r.status = 'pending'
  ORDER BY r.created_at, r.id`;

export class TypeOrmFriendRequestRepository implements FriendRequestRepository {
  constructor(private readonly db: Executor) {}

  async createPending(
    senderId: UserId,
    receiverId: UserId,
    at: Timestamp,
  ): Promise<FriendRequest | 'already-pending'> {
    const record = FriendRequestMapper.toPersistence(senderId, receiverId, at);
    try {
      const id = await this.db.run((manager) => insertReturningId(manager, FriendRequestSchema, record));
      return FriendRequestMapper.toDomain({ id, ...record });
    } catch (error) {
      // pending_key is unique and the same for both directions.
      if (isUniqueViolation(error)) return 'already-pending';
      throw error;
    }
  }

  findPendingBetween(a: UserId, b: UserId): Promise<FriendRequest | null> {
    return this.db.run(async (manager) => {
      const record = await manager
        .createQueryBuilder(FriendRequestSchema, 'r')
        .where('r.pendingKey = :key', { key: FriendRequestMapper.pendingKey(a, b) })
        .getOne();
      return record ? FriendRequestMapper.toDomain(record) : null;
    });
  }

  listPendingFor(receiverId: UserId): Promise<IncomingFriendRequest[]> {
    const sqlite = this.db.sqlite;
    if (sqlite) {
      return sqlite.read((s) =>
        (s.all(SQLITE_LIST_PENDING_FOR, [receiverId]) as IncomingFriendRequestRow[]).map((row) =>
          FriendRequestMapper.incomingToDomain(row),
        ),
      );
    }
    return this.db.run(async (manager) => {
      const rows = await manager
        .createQueryBuilder(FriendRequestSchema, 'r')
        .innerJoin(AccountSchema.options.name, 'a', 'a.id = r.senderId')
        .select('r.id', 'id')
        .addSelect('r.senderId', 'senderId')
        .addSelect('a.username', 'senderUsername')
        .addSelect('r.createdAt', 'createdAt')
        .where('r.receiverId = :receiverId', { receiverId })
        .andWhere(`r.status = 'pending'`)
        .orderBy('r.createdAt', 'ASC')
        .addOrderBy('r.id', 'ASC')
        .getRawMany<IncomingFriendRequestRow>();
      return rows.map((row) => FriendRequestMapper.incomingToDomain(row));
    });
  }

  resolve(
    id: FriendRequestId,
    receiverId: UserId,
    outcome: 'accepted' | 'rejected',
    at: Timestamp,
  ): Promise<FriendRequest | null> {
    return this.db.run(async (manager) => {
      const pending = await manager
        .createQueryBuilder(FriendRequestSchema, 'r')
        .where({ id, receiverId, status: 'pending' })
        .getOne();
      if (!pending) return null;
      // The condition, not the read above, decides the winner: of two racing answers only one
      // still finds the request pending. Clearing pending_key lets a new request be sent.
      const answered = await manager
        .createQueryBuilder()
        .update(FriendRequestSchema)
        .set({ status: outcome, answeredAt: at, pendingKey: null })
        .where({ id, receiverId, status: 'pending' })
        .execute();
      return answered.affected === 1 ? FriendRequestMapper.toDomain(pending) : null;
    });
  }
}
