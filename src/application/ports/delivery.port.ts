import type { FriendRequestId, GroupId, MessageId, PresenceStatus, Timestamp, UserId } from '../../domain';

export type MembershipChange = 'added' | 'removed' | 'left';

/** What the server pushes to a user's connections. */
export type PushEvent =
  | {
      readonly kind: 'direct-message';
      /** The stored message, so whichever node writes the push can record it delivered. */
      readonly messageId: MessageId;
      readonly senderId: UserId;
      readonly senderUsername: string;
      readonly content: string;
      readonly sentAt: Timestamp;
    }
  | {
      readonly kind: 'group-message';
      readonly messageId: MessageId;
      readonly groupId: GroupId;
      readonly groupName: string;
      readonly senderId: UserId;
      readonly senderUsername: string;
      readonly content: string;
      readonly sentAt: Timestamp;
    }
  | {
      readonly kind: 'friend-request';
      readonly requestId: FriendRequestId;
      readonly senderId: UserId;
      readonly senderUsername: string;
      readonly sentAt: Timestamp;
    }
  | {
      readonly kind: 'presence';
      readonly userId: UserId;
      readonly username: string;
      readonly status: PresenceStatus;
    }
  | {
      readonly kind: 'friend-request-accepted';
      readonly requestId: FriendRequestId;
      /** The user who accepted. */
      readonly userId: UserId;
      readonly username: string;
      readonly acceptedAt: Timestamp;
    }
  | {
      readonly kind: 'membership-changed';
      readonly groupId: GroupId;
      readonly groupName: string;
      /** The member concerned. */
      readonly userId: UserId;
      readonly username: string;
      readonly change: MembershipChange;
    }
  | {
      /** A read receipt (PROTOCOL.md §9), to the sender of the messages read. */
      readonly kind: 'messages-read';
      readonly readerId: UserId;
      readonly readerUsername: string;
      /** The client id (`messageKey`) of the newest message now read. */
      readonly upToMessageKey: number;
      readonly readAt: Timestamp;
    };

/** Pushes events to the connections where a user is logged in. */
export interface Delivery {
  /**
   * Resolves true once the event has been written to at least one of the user's
   * connections, false when it reached none (offline, or every connection closed first).
   */
  push(userId: UserId, event: PushEvent): Promise<boolean>;
  /** Closes every connection of the user (a ban). */
  disconnectUser(userId: UserId): Promise<void>;
}

/** Who is logged in, and on which connections. */
export interface Presence {
  /** Marks a connection logged in as the user; `first` when it is the user's only one. */
  attach(userId: UserId, connectionId: string): Promise<{ readonly first: boolean }>;
  /** Ends a connection's login; `last` when the user has no other. */
  detach(userId: UserId, connectionId: string): Promise<{ readonly last: boolean }>;
  isOnline(userId: UserId): Promise<boolean>;
  onlineAmong(userIds: readonly UserId[]): Promise<ReadonlySet<UserId>>;
  onlineUsers(): Promise<UserId[]>;
}
