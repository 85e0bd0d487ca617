import type { ConversationSummary, HistoryMessage, MessageKind } from '../../../../domain';
import type { StoredBigInt } from '../schemas';

/** A history row: the message, its sender's name, and whether it counts as read (0/1). */
export interface HistoryRow {
  id: number;
  senderId: number;
  senderUsername: string;
  content: string;
  createdAt: StoredBigInt;
  isRead: number | string | null;
}

/** An inbox row: kind 0 direct, 1 group; counts may come back as strings from mysql2. */
export interface ConversationRow {
  kind: number | string;
  peerId: number;
  name: string | null;
  lastId: number;
  lastAt: StoredBigInt;
  unread: number | string;
}

export const ConversationMapper = {
  historyToDomain(kind: MessageKind, row: HistoryRow): HistoryMessage {
    return {
      kind,
      id: Number(row.id),
      senderId: Number(row.senderId),
      senderUsername: row.senderUsername,
      content: row.content,
      sentAt: Number(row.createdAt),
      read: Number(row.isRead) === 1,
    };
  },

  summaryToDomain(row: ConversationRow): ConversationSummary {
    return {
      kind: Number(row.kind) === 0 ? 'direct' : 'group',
      peerId: Number(row.peerId),
      name: row.name ?? '',
      lastMessageId: Number(row.lastId),
      lastSentAt: Number(row.lastAt),
      unreadCount: Number(row.unread),
    };
  },
};
