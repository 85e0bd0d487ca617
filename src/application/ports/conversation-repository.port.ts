import type {
  ConversationSummary,
  GroupId,
  HistoryMessage,
  MessageId,
  MessageRef,
  ReadMark,
  UserId,
} from '../../domain';

/**
 * History, read state and the inbox (PROTOCOL.md §9) over the messages that the
 * MessageRepository stores. Ids here are store ids (see `messageKey`). Read state only
 * grows: marking read up to a message marks everything before it in that conversation,
 * so it never has to be stored per message.
 */
export interface ConversationRepository {
  /** Direct messages between the two users, both ways, with ids at most `upToId`, newest first, at most `limit`. */
  directHistory(userId: UserId, peerId: UserId, upToId: MessageId, limit: number): Promise<HistoryMessage[]>;
  /**
   * The group's messages with ids at most `upToId`, newest first, at most `limit`, sent
   * since the user's current membership began; null when the user is not a member.
   */
  groupHistory(userId: UserId, groupId: GroupId, upToId: MessageId, limit: number): Promise<HistoryMessage[] | null>;
  /** Marks read, and delivered, every direct message from `senderId` to `readerId` with an id at most `upToId`. */
  markDirectRead(readerId: UserId, senderId: UserId, upToId: MessageId): Promise<ReadMark>;
  /**
   * Marks read, and delivered, every message of the group with an id at most `upToId`
   * that others sent since the reader's membership began; null when not a member.
   */
  markGroupRead(readerId: UserId, groupId: GroupId, upToId: MessageId): Promise<ReadMark | null>;
  /**
   * The user's conversations, newest activity first: by the time of their latest
   * message, then by its client id (`messageKey`), both descending. A direct
   * conversation exists once a message went either way; a group's, while the user is a
   * member and a message was sent since they joined. With `before`, only the ones
   * whose latest message comes after that message in this order; none when `before`
   * is not a message the user sent, received or can see in one of their groups.
   */
  listConversations(userId: UserId, limit: number, before: MessageRef | null): Promise<ConversationSummary[]>;
}
