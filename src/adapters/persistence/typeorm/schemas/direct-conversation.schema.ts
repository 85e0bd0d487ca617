import { EntitySchema } from 'typeorm';
import { AccountSchema } from './account.schema';
import { integer, millis, type StoredBigInt } from './columns';

/**
 * One row per pair of users who exchanged a direct message, the pair stored ordered
 * (user_lo < user_hi). Kept by every message stored, in the same write: the inbox
 * reads it instead of the messages. Read state only grows (PROTOCOL.md §9), so it is
 * a position per side, not a flag per message.
 */
export interface DirectConversationRecord {
  userLo: number;
  userHi: number;
  /** The newest message between the two, either way. */
  lastMessageId: number;
  lastAt: StoredBigInt;
  /** The newest message from user_hi that user_lo has read (0: none); loUnread counts the ones to user_lo above it. */
  loReadUpTo: number;
  hiReadUpTo: number;
  loUnread: number;
  hiUnread: number;
}

export const DirectConversationSchema = new EntitySchema<DirectConversationRecord>({
  name: 'DirectConversation',
  tableName: 'direct_conversations',
  withoutRowid: true,
  columns: {
    userLo: integer('user_lo', {
      primary: true,
      primaryKeyConstraintName: 'PK_direct_conversations',
      foreignKey: { target: AccountSchema, name: 'FK_direct_conversations_user_lo' },
    }),
    userHi: integer('user_hi', {
      primary: true,
      primaryKeyConstraintName: 'PK_direct_conversations',
      foreignKey: { target: AccountSchema, name: 'FK_direct_conversations_user_hi' },
    }),
    lastMessageId: integer('last_message_id'),
    lastAt: millis('last_at'),
    loReadUpTo: integer('lo_read_up_to', { default: 0 }),
    hiReadUpTo: integer('hi_read_up_to', { default: 0 }),
    loUnread: integer('lo_unread', { default: 0 }),
    hiUnread: integer('hi_unread', { default: 0 }),
  },
  // The user_hi side of a user's conversations; the user_lo side is the primary key's range.
  indices: [{ name: 'IDX_direct_conversations_user_hi', columns: ['userHi', 'userLo'] }],
  checks: [{ name: 'CHK_direct_conversations_order', expression: `user_lo < user_hi` }],
});
