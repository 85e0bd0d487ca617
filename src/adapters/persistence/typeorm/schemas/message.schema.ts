import { EntitySchema } from 'typeorm';
import { AccountSchema } from './account.schema';
import { generatedId, integer, millis, type StoredBigInt } from './columns';
import { GroupSchema } from './group.schema';

export interface DirectMessageRecord {
  id: number;
  senderId: number;
  receiverId: number;
  content: string;
  createdAt: StoredBigInt;
  delivered: boolean;
}

export interface GroupMessageRecord {
  id: number;
  groupId: number;
  senderId: number;
  content: string;
  createdAt: StoredBigInt;
}

/** One row per recipient of a group message: its delivery state for that recipient. */
export interface GroupMessageDeliveryRecord {
  messageId: number;
  userId: number;
  delivered: boolean;
}

/**
 * The undelivered-message indexes are partial (`WHERE delivered = 0`) where the
 * engine has them, so a message delivered live never touches them. Queries must
 * spell the condition as the literal `delivered = 0` for SQLite to use them.
 */
export const DirectMessageSchema = new EntitySchema<DirectMessageRecord>({
  name: 'DirectMessage',
  tableName: 'messages',
  columns: {
    id: generatedId(),
    senderId: integer('sender_id', {
      foreignKey: { target: AccountSchema, name: 'FK_messages_sender' },
    }),
    receiverId: integer('receiver_id', {
      foreignKey: { target: AccountSchema, name: 'FK_messages_receiver' },
    }),
    content: { name: 'content', type: 'text' },
    createdAt: millis('created_at'),
    delivered: { name: 'delivered', type: 'boolean', default: false },
  },
  indices: [
    { name: 'IDX_messages_undelivered', columns: ['receiverId', 'id'], where: 'delivered = 0' },
    // A direct conversation's history: one range per direction (PROTOCOL.md §9).
    { name: 'IDX_messages_sender_receiver', columns: ['senderId', 'receiverId', 'id'] },
  ],
});

export const GroupMessageSchema = new EntitySchema<GroupMessageRecord>({
  name: 'GroupMessage',
  tableName: 'group_messages',
  columns: {
    id: generatedId(),
    groupId: integer('group_id', {
      foreignKey: { target: GroupSchema, name: 'FK_group_messages_group', onDelete: 'CASCADE' },
    }),
    senderId: integer('sender_id', {
      foreignKey: { target: AccountSchema, name: 'FK_group_messages_sender' },
    }),
    content: { name: 'content', type: 'text' },
    createdAt: millis('created_at'),
  },
  indices: [{ name: 'IDX_group_messages_group', columns: ['groupId', 'id'] }],
});

export const GroupMessageDeliverySchema = new EntitySchema<GroupMessageDeliveryRecord>({
  name: 'GroupMessageDelivery',
  tableName: 'group_message_deliveries',
  withoutRowid: true,
  columns: {
    messageId: integer('message_id', {
      primary: true,
      primaryKeyConstraintName: 'PK_group_message_deliveries',
      foreignKey: { target: GroupMessageSchema, name: 'FK_group_message_deliveries_message', onDelete: 'CASCADE' },
    }),
    userId: integer('user_id', {
      primary: true,
      primaryKeyConstraintName: 'PK_group_message_deliveries',
      foreignKey: { target: AccountSchema, name: 'FK_group_message_deliveries_user' },
    }),
    delivered: { name: 'delivered', type: 'boolean', default: false },
  },
  indices: [
    {
      name: 'IDX_group_message_deliveries_undelivered',
      columns: ['userId', 'messageId'],
      where: 'delivered = 0',
    },
  ],
});
