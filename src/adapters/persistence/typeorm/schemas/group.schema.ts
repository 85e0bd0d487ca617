import { EntitySchema } from 'typeorm';
import { AccountSchema } from './account.schema';
import { generatedId, integer, millis, varchar, type StoredBigInt } from './columns';

export interface GroupRecord {
  id: number;
  name: string;
  createdBy: number;
  createdAt: StoredBigInt;
  /** The group's newest message (0 while there is none), kept by every message stored: the inbox reads it. */
  lastMessageId: number;
  /** When that message was sent (0 while there is none). */
  lastMessageAt: StoredBigInt;
}

export interface GroupMemberRecord {
  groupId: number;
  userId: number;
  role: string;
  joinedAt: StoredBigInt;
  /** The newest group message this member has read (PROTOCOL.md §9); 0 for none. */
  lastReadMessageId: number;
  /**
   * The group's newest message when this membership began: the member sees only
   * messages above it (and sent at or after joined_at), so history is an index range.
   */
  joinedAfterMessageId: number;
}

/** `groups` is a reserved word in MySQL 8: TypeORM quotes it, and so must any raw SQL. */
export const GroupSchema = new EntitySchema<GroupRecord>({
  name: 'Group',
  tableName: 'groups',
  columns: {
    id: generatedId(),
    name: varchar('name', 255),
    createdBy: integer('created_by', {
      foreignKey: { target: AccountSchema, name: 'FK_groups_created_by' },
    }),
    createdAt: millis('created_at'),
    lastMessageId: integer('last_message_id', { default: 0 }),
    lastMessageAt: millis('last_message_at', { default: 0 }),
  },
});

export const GroupMemberSchema = new EntitySchema<GroupMemberRecord>({
  name: 'GroupMember',
  tableName: 'group_members',
  withoutRowid: true,
  columns: {
    groupId: integer('group_id', {
      primary: true,
      primaryKeyConstraintName: 'PK_group_members',
      foreignKey: { target: GroupSchema, name: 'FK_group_members_group', onDelete: 'CASCADE' },
    }),
    userId: integer('user_id', {
      primary: true,
      primaryKeyConstraintName: 'PK_group_members',
      foreignKey: { target: AccountSchema, name: 'FK_group_members_user' },
    }),
    role: varchar('role', 16),
    joinedAt: millis('joined_at'),
    lastReadMessageId: integer('last_read_message_id', { default: 0 }),
    joinedAfterMessageId: integer('joined_after_message_id', { default: 0 }),
  },
  indices: [{ name: 'IDX_group_members_user', columns: ['userId'] }],
  checks: [{ name: 'CHK_group_members_role', expression: `role IN ('admin', 'member')` }],
});
