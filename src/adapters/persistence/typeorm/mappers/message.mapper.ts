import type {
  DirectMessage,
  GroupMessage,
  MessageId,
  ReceivedDirectMessage,
  ReceivedGroupMessage,
  UserId,
} from '../../../../domain';
import type { NewDirectMessage, NewGroupMessage } from '../../../../application/ports';
import type {
  DirectMessageRecord,
  GroupMessageDeliveryRecord,
  GroupMessageRecord,
  StoredBigInt,
} from '../schemas';

/** A stored direct message joined with its sender's name. */
export interface ReceivedDirectMessageRow {
  id: number;
  senderId: number;
  senderUsername: string;
  receiverId: number;
  content: string;
  createdAt: StoredBigInt;
}

/** A stored group message joined with its group's and sender's names. */
export interface ReceivedGroupMessageRow {
  id: number;
  groupId: number;
  groupName: string;
  senderId: number;
  senderUsername: string;
  content: string;
  createdAt: StoredBigInt;
}

export const MessageMapper = {
  directToDomain(record: Omit<DirectMessageRecord, 'delivered'>): DirectMessage {
    return {
      id: record.id,
      senderId: record.senderId,
      receiverId: record.receiverId,
      content: record.content,
      sentAt: Number(record.createdAt),
    };
  },

  receivedToDomain(row: ReceivedDirectMessageRow): ReceivedDirectMessage {
    return {
      id: row.id,
      senderId: row.senderId,
      senderUsername: row.senderUsername,
      receiverId: row.receiverId,
      content: row.content,
      sentAt: Number(row.createdAt),
    };
  },

  /** Every message is stored undelivered; delivery marks it afterwards. */
  directToPersistence(message: NewDirectMessage): Omit<DirectMessageRecord, 'id'> {
    return {
      senderId: message.senderId,
      receiverId: message.receiverId,
      content: message.content,
      createdAt: message.sentAt,
      delivered: false,
    };
  },

  groupToDomain(record: GroupMessageRecord): GroupMessage {
    return {
      id: record.id,
      groupId: record.groupId,
      senderId: record.senderId,
      content: record.content,
      sentAt: Number(record.createdAt),
    };
  },

  receivedGroupToDomain(row: ReceivedGroupMessageRow): ReceivedGroupMessage {
    return {
      id: row.id,
      groupId: row.groupId,
      groupName: row.groupName,
      senderId: row.senderId,
      senderUsername: row.senderUsername,
      content: row.content,
      sentAt: Number(row.createdAt),
    };
  },

  groupToPersistence(message: NewGroupMessage): Omit<GroupMessageRecord, 'id'> {
    return {
      groupId: message.groupId,
      senderId: message.senderId,
      content: message.content,
      createdAt: message.sentAt,
    };
  },

  /** One undelivered row per distinct recipient. */
  deliveriesToPersistence(messageId: MessageId, recipientIds: readonly UserId[]): GroupMessageDeliveryRecord[] {
    return [...new Set(recipientIds)].map((userId) => ({ messageId, userId, delivered: false }));
  },
};
