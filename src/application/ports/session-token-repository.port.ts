import type { Timestamp, UserId } from '../../domain';

export interface NewSessionToken {
  readonly userId: UserId;
  /** SHA-256 of the token, lowercase hex (64 characters): the token itself is never stored. */
  readonly tokenHash: string;
  readonly createdAt: Timestamp;
  readonly expiresAt: Timestamp;
}

export interface SessionToken extends NewSessionToken {
  readonly id: number;
}

/** Session tokens (PROTOCOL.md §8), kept only as hashes. */
export interface SessionTokenRepository {
  /**
   * Stores the token, then removes the user's tokens that expired by `now` and, past
   * `maxLive` live ones, the oldest (by creation, then id). Returns the new token's id.
   */
  issue(token: NewSessionToken, maxLive: number, now: Timestamp): Promise<number>;
  /** The token with this hash, expired or not, or null. */
  findByHash(tokenHash: string): Promise<SessionToken | null>;
  /** Removes these tokens; ids already gone are no error. */
  revoke(ids: readonly number[]): Promise<void>;
  /** Removes every token of the user; how many there were. */
  revokeAllOf(userId: UserId): Promise<number>;
  /** The user's tokens not expired at `now`, oldest first. */
  listLive(userId: UserId, now: Timestamp): Promise<SessionToken[]>;
}
