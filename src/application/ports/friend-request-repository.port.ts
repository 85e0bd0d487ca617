import type { FriendRequest, FriendRequestId, IncomingFriendRequest, Timestamp, UserId } from '../../domain';

export interface FriendRequestRepository {
  /** Stores a pending request; `'already-pending'` when one is pending between the two, either way. */
  createPending(senderId: UserId, receiverId: UserId, at: Timestamp): Promise<FriendRequest | 'already-pending'>;
  /** The pending request between two users, in either direction. */
  findPendingBetween(a: UserId, b: UserId): Promise<FriendRequest | null>;
  /** Pending requests addressed to the user, oldest first. */
  listPendingFor(receiverId: UserId): Promise<IncomingFriendRequest[]>;
  /**
   * Answers a request only if it is still pending and addressed to `receiverId`;
   * returns the request as it was, or null. Of two racing answers exactly one wins.
   */
  resolve(
    id: FriendRequestId,
    receiverId: UserId,
    outcome: 'accepted' | 'rejected',
    at: Timestamp,
  ): Promise<FriendRequest | null>;
}
