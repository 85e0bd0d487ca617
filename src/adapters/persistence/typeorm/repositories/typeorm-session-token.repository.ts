import { In, LessThanOrEqual, MoreThan, type EntityManager } from 'typeorm';
import type { NewSessionToken, SessionToken, SessionTokenRepository } from '../../../../application/ports';
import type { Timestamp, UserId } from '../../../../domain';
import type { Executor } from '../executor';
import { SessionTokenMapper } from '../mappers';
import { chunksOf, insertReturningId } from '../query-helpers';
import { AccountSchema, SessionTokenSchema } from '../schemas';

/** Ids per `IN (...)` list. */
const ID_CHUNK = 500;

/**
 * Session tokens are asked for once per device and read once per reconnect: not a
 * hot path, so plain TypeORM calls on both engines.
 */
export class TypeOrmSessionTokenRepository implements SessionTokenRepository {
  constructor(private readonly db: Executor) {}

  issue(token: NewSessionToken, maxLive: number, now: Timestamp): Promise<number> {
    const record = SessionTokenMapper.toPersistence(token);
    return this.db.atomically(async (manager) => {
      // MySQL runs transactions side by side: two tokens issued to one user at once
      // would each count the other's row as missing and overshoot the cap, and their
      // deletes would wait on each other's new rows. Holding the account row makes
      // them take turns. SQLite runs one transaction at a time already.
      if (!this.db.sqlite) await lockAccount(manager, token.userId);
      const id = await insertReturningId(manager, SessionTokenSchema, record);
      await manager
        .createQueryBuilder()
        .delete()
        .from(SessionTokenSchema)
        .where({ userId: token.userId, expiresAt: LessThanOrEqual(now) })
        .execute();
      const live = await manager.find(SessionTokenSchema, {
        select: { id: true },
        where: { userId: token.userId },
        order: { createdAt: 'ASC', id: 'ASC' },
      });
      const evicted = live.slice(0, Math.max(0, live.length - maxLive)).map((row) => row.id);
      await deleteIds(manager, evicted);
      return id;
    });
  }

  findByHash(tokenHash: string): Promise<SessionToken | null> {
    return this.db.run(async (manager) => {
      const record = await manager.findOneBy(SessionTokenSchema, { tokenHash });
      return record ? SessionTokenMapper.toDomain(record) : null;
    });
  }

  async revoke(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.run((manager) => deleteIds(manager, ids));
  }

  revokeAllOf(userId: UserId): Promise<number> {
    return this.db.run(async (manager) => {
      const result = await manager.createQueryBuilder().delete().from(SessionTokenSchema).where({ userId }).execute();
      return result.affected ?? 0;
    });
  }

  listLive(userId: UserId, now: Timestamp): Promise<SessionToken[]> {
    return this.db.run(async (manager) => {
      const records = await manager.find(SessionTokenSchema, {
        where: { userId, expiresAt: MoreThan(now) },
        order: { createdAt: 'ASC', id: 'ASC' },
      });
      return records.map((record) => SessionTokenMapper.toDomain(record));
    });
  }
}

/** `SELECT ... FOR UPDATE` on the account: held until the transaction ends. */
async function lockAccount(manager: EntityManager, userId: UserId): Promise<void> {
  await manager
    .createQueryBuilder(AccountSchema, 'a')
    .select('a.id', 'id')
    .where('a.id = :userId', { userId })
    .setLock('pessimistic_write')
    .getRawOne();
}

async function deleteIds(manager: EntityManager, ids: readonly number[]): Promise<void> {
  for (const chunk of chunksOf(ids, ID_CHUNK)) {
    await manager.createQueryBuilder().delete().from(SessionTokenSchema).where({ id: In(chunk) }).execute();
  }
}
