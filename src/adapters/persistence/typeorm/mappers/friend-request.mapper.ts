import type {
  FriendRequest,
  FriendRequestStatus,
  IncomingFriendRequest,
  Timestamp,
  UserId,
} from '../../../../domain';
import type { FriendRequestRecord, StoredBigInt } from '../schemas';

/** A pending request joined with its sender's name. */
export interface IncomingFriendRequestRow {
  id: number;
  senderId: number;
  senderUsername: string;
  createdAt: StoredBigInt;
}

export const FriendRequestMapper = {
  toDomain(record: FriendRequestRecord): FriendRequest {
    return {
      id: record.id,
      senderId: record.senderId,
      receiverId: record.receiverId,
      status: requestStatus(record.status),
      createdAt: Number(record.createdAt),
    };
  },

  incomingToDomain(row: IncomingFriendRequestRow): IncomingFriendRequest {
    return {
      id: row.id,
      senderId: row.senderId,
      senderUsername: row.senderUsername,
      createdAt: Number(row.createdAt),
    };
  },

  toPersistence(senderId: UserId, receiverId: UserId, at: Timestamp): Omit<FriendRequestRecord, 'id'> {
    return {
      senderId,
      receiverId,
      status: 'pending',
      createdAt: at,
      answeredAt: null,
      pendingKey: FriendRequestMapper.pendingKey(senderId, receiverId),
    };
  },

  /** The same for both directions, so the unique index sees a reverse request as a duplicate. */
  pendingKey(a: UserId, b: UserId): string {
    return a < b ? `${a}:${b}` : `${b}:${a}`;
  },
};

function requestStatus(stored: string): FriendRequestStatus {
  if (stored === 'pending' || stored === 'accepted' || stored === 'rejected') return stored;
  throw new Error(`Unknown friend request status in storage: ${stored}`);
}
