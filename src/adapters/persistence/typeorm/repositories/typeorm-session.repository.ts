import type { NewSession, SessionRepository } from '../../../../application/ports';
import type { UserId } from '../../../../domain';
import type { Executor } from '../executor';
import { SessionMapper } from '../mappers';
import { insertReturningId } from '../query-helpers';
import { SessionSchema } from '../schemas';
import { deleteSession } from '../sqlite-operations';


export class TypeOrmSessionRepository implements SessionRepository {
  constructor(private readonly db: Executor) {}

  open(session: NewSession): Promise<number> {
    return this.db.run((manager) => insertReturningId(manager, SessionSchema, SessionMapper.toPersistence(session)));
  }

  async close(sessionId: number): Promise<void> {
    const sqlite = this.db.sqlite;
    if (sqlite) {
      // A prepared statement (the query builder writes the id into the SQL text).
      await sqlite.perform(deleteSession, [sessionId]);
      return;
    }
    await this.db.run((manager) =>
      manager.createQueryBuilder().delete().from(SessionSchema).where({ id: sessionId }).execute(),
    );
  }

  closeAllOfNode(nodeId: string): Promise<UserId[]> {
    return this.db.atomically(async (manager) => {
      const sessions = await manager.find(SessionSchema, { select: { userId: true }, where: { nodeId } });
      await manager.createQueryBuilder().delete().from(SessionSchema).where({ nodeId }).execute();
      return [...new Set(sessions.map((session) => session.userId))].sort((a, b) => a - b);
    });
  }
}
