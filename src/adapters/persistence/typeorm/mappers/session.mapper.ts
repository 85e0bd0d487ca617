import type { NewSession } from '../../../../application/ports';
import type { SessionRecord } from '../schemas';

export const SessionMapper = {
  toPersistence(session: NewSession): Omit<SessionRecord, 'id'> {
    return {
      userId: session.userId,
      nodeId: session.nodeId,
      connectionId: session.connectionId,
      createdAt: session.createdAt,
    };
  },
};
