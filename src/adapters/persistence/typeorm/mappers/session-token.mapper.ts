import type { NewSessionToken, SessionToken } from '../../../../application/ports';
import type { SessionTokenRecord } from '../schemas';

export const SessionTokenMapper = {
  toDomain(record: SessionTokenRecord): SessionToken {
    return {
      id: record.id,
      userId: record.userId,
      tokenHash: record.tokenHash,
      createdAt: Number(record.createdAt),
      expiresAt: Number(record.expiresAt),
    };
  },

  toPersistence(token: NewSessionToken): Omit<SessionTokenRecord, 'id'> {
    return {
      userId: token.userId,
      tokenHash: token.tokenHash,
      createdAt: token.createdAt,
      expiresAt: token.expiresAt,
    };
  },
};
