import type { GroupId, MessageId, Timestamp, UserId } from './ids';
import type { MessageKind } from './message-key';

/** One stored message of a conversation's history, as one participant sees it. */
export interface HistoryMessage {
  readonly kind: MessageKind;
  /** The message's id in its store (direct or group); `messageKey` gives the client's. */
  readonly id: MessageId;
  readonly senderId: UserId;
  readonly senderUsername: string;
  readonly content: string;
  readonly sentAt: Timestamp;
  /**
   * Direct message: whether its receiver has read it. Group message: whether the
   * viewer has (their own messages count as read).
   */
  readonly read: boolean;
}

/** A conversation in a user's inbox: a direct peer or a group, with its latest message. */
export interface ConversationSummary {
  readonly kind: MessageKind;
  /** The other user (direct) or the group. */
  readonly peerId: UserId | GroupId;
  /** The peer's username or the group's name. */
  readonly name: string;
  /** Store id of the newest message, of the conversation's kind. */
  readonly lastMessageId: MessageId;
  readonly lastSentAt: Timestamp;
  /** Messages sent to the user in this conversation that the user has not read. */
  readonly unreadCount: number;
}

/** What marking a conversation read changed. */
export interface ReadMark {
  /** How many messages went from unread to read. */
  readonly changed: number;
  /** Store id of the newest message now read by this call; 0 when nothing changed. */
  readonly upToId: MessageId;
}
