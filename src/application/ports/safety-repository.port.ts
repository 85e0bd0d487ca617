import type { NewReport, Privacy, Timestamp, UserId, UserRef } from '../../domain';

/**
 * Blocks, the privacy setting and abuse reports (PROTOCOL.md §10). What they forbid
 * on the hot send path is checked where the message is stored (see
 * `MessageRepository.saveDirect`), not here: no extra round trip per message.
 */
export interface SafetyRepository {
  /** The blocker blocks the user; false when that block exists already (nothing changes). */
  block(blockerId: UserId, blockedId: UserId, at: Timestamp): Promise<boolean>;
  /** Lifts the blocker's block of the user; false when there was none. */
  unblock(blockerId: UserId, blockedId: UserId): Promise<boolean>;
  /**
   * Whether either user has blocked the other. Inside a unit of work on an engine
   * that runs transactions side by side, the read holds what it read until the unit
   * ends, so a block and a write that it forbids cannot both commit.
   */
  isBlockedEitherWay(a: UserId, b: UserId): Promise<boolean>;
  /** The users the blocker has blocked, ordered by username case-insensitively (then id). */
  listBlocked(blockerId: UserId): Promise<UserRef[]>;
  /** Stores the user's setting; false when it was that already (or there is no such user). */
  setPrivacy(userId: UserId, privacy: Privacy): Promise<boolean>;
  /** The user's setting; null for an unknown user. */
  privacyOf(userId: UserId): Promise<Privacy | null>;
  /**
   * Stores the report unless its reporter has made `cap.max` reports at or after
   * `cap.since` (one check and insert: racing reports cannot pass the cap together).
   * The new report's id, or 'limit-reached'.
   */
  addReport(report: NewReport, cap: { readonly max: number; readonly since: Timestamp }): Promise<number | 'limit-reached'>;
}
