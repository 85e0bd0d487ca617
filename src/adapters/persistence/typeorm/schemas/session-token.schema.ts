import { EntitySchema } from 'typeorm';
import { AccountSchema } from './account.schema';
import { generatedId, integer, millis, varchar, type StoredBigInt } from './columns';

/** A session token (PROTOCOL.md §8), stored only as its SHA-256: a stolen table resumes nobody. */
export interface SessionTokenRecord {
  id: number;
  userId: number;
  /** Lowercase hex, 64 characters. */
  tokenHash: string;
  createdAt: StoredBigInt;
  expiresAt: StoredBigInt;
}

export const SessionTokenSchema = new EntitySchema<SessionTokenRecord>({
  name: 'SessionToken',
  tableName: 'session_tokens',
  columns: {
    id: generatedId(),
    userId: integer('user_id', {
      foreignKey: { target: AccountSchema, name: 'FK_session_tokens_user', onDelete: 'CASCADE' },
    }),
    tokenHash: varchar('token_hash', 64),
    createdAt: millis('created_at'),
    expiresAt: millis('expires_at'),
  },
  uniques: [{ name: 'UQ_session_tokens_token_hash', columns: ['tokenHash'] }],
  // A user's tokens, oldest first: what issuing (expiry, the cap) and listing read.
  indices: [{ name: 'IDX_session_tokens_user_created', columns: ['userId', 'createdAt', 'id'] }],
});
