import type {
  DirectMessage,
  DirectMessageRefusal,
  GroupId,
  GroupMessage,
  MessageId,
  ReceivedDirectMessage,
  ReceivedGroupMessage,
  Timestamp,
  UserId,
} from '../../domain';

export interface NewDirectMessage {
  readonly senderId: UserId;
  readonly receiverId: UserId;
  readonly content: string;
  readonly sentAt: Timestamp;
}

export interface NewGroupMessage {
  readonly groupId: GroupId;
  readonly senderId: UserId;
  readonly content: string;
  readonly sentAt: Timestamp;
}

/** Messages with their delivery state: every message is stored undelivered until it reaches its receiver. */
export interface MessageRepository {
  /**
   * Stores the message undelivered, only if it may be sent (PROTOCOL.md §10): the
   * receiver exists, neither of the two has blocked the other, and the receiver's
   * privacy lets the sender write (`everyone`, or `friends` and the two are friends).
   * The check is part of the write itself, so it costs no extra round trip and a
   * block committed before it is always seen. When nothing was stored, why.
   */
  saveDirect(message: NewDirectMessage): Promise<DirectMessage | DirectMessageRefusal>;
  markDirectDelivered(ids: readonly MessageId[]): Promise<void>;
  /**
   * The receiver's undelivered direct messages with ids above `afterId` (default 0),
   * oldest first, at most `limit`. Messages from a user the receiver has blocked are
   * left out: they stay stored and undelivered, and come again once unblocked.
   */
  listUndeliveredDirect(receiverId: UserId, limit: number, afterId?: MessageId): Promise<ReceivedDirectMessage[]>;
  /** Stores a group message undelivered for each of `recipientIds`. */
  saveGroup(message: NewGroupMessage, recipientIds: readonly UserId[]): Promise<GroupMessage>;
  /** Marks one group message delivered to the given recipients (one statement for them all). */
  markGroupDelivered(messageId: MessageId, recipientIds: readonly UserId[]): Promise<void>;
  /**
   * Group messages not yet delivered to the member with ids above `afterId` (default 0),
   * oldest first, at most `limit`: only of groups the user is a member of now, sent
   * since that membership began.
   */
  listUndeliveredGroup(recipientId: UserId, limit: number, afterId?: MessageId): Promise<ReceivedGroupMessage[]>;
  markGroupDeliveredTo(recipientId: UserId, messageIds: readonly MessageId[]): Promise<void>;
  /**
   * A client's acknowledgement (PROTOCOL.md §8): marks delivered those of the direct
   * messages received by the user, and of the group messages stored for the user, that
   * were still undelivered to them. Ids that are unknown, delivered already or not the
   * user's change nothing. Returns how many changed.
   */
  acknowledge(userId: UserId, directIds: readonly MessageId[], groupIds: readonly MessageId[]): Promise<number>;
}
