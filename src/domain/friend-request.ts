import type { FriendRequestId, Timestamp, UserId } from './ids';

export type FriendRequestStatus = 'pending' | 'accepted' | 'rejected';

export interface FriendRequest {
  readonly id: FriendRequestId;
  readonly senderId: UserId;
  readonly receiverId: UserId;
  readonly status: FriendRequestStatus;
  readonly createdAt: Timestamp;
}

/** A pending request as its receiver sees it. */
export interface IncomingFriendRequest {
  readonly id: FriendRequestId;
  readonly senderId: UserId;
  readonly senderUsername: string;
  readonly createdAt: Timestamp;
}
