import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ids as BIGINT on MySQL and MariaDB. The protocol allows ids up to 2^53 − 1, and a
 * signed INT stops at 2^31 − 1: every id column and every column holding an id
 * (foreign keys, last/read message ids) becomes BIGINT, keeping its rows, its
 * nullability, its default and AUTO_INCREMENT (with the counter where it was).
 *
 * Neither server changes the type of a column a foreign key uses while the key
 * exists, so the keys are dropped first and added back, with the same names and
 * actions, once both ends are BIGINT. The index a key made for itself stays
 * (dropping a key keeps its index) and serves the key again. Each table is
 * rebuilt once: all of its columns change in one ALTER TABLE.
 *
 * SQLite needs no twin: its INTEGER is already 64-bit.
 *
 * MySQL commits every DDL statement on its own: a migration that fails half-way
 * leaves some tables changed and some keys missing; run it again after fixing the
 * cause (every step can be repeated: MODIFY to the same type is harmless, and the
 * keys are dropped only when they exist). `down` fails on a table holding an id that
 * no longer fits in INT.
 */
export class BigintIdsMysql1765065600000 implements MigrationInterface {
  name = 'BigintIdsMysql1765065600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await changeIdColumns(queryRunner, 'bigint');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await changeIdColumns(queryRunner, 'int');
  }
}

interface IdColumn {
  readonly name: string;
  /** What follows the type in the column definition. */
  readonly rest: string;
}

interface ForeignKey {
  readonly name: string;
  readonly table: string;
  readonly column: string;
  readonly references: string;
  readonly onDelete: 'NO ACTION' | 'CASCADE' | 'SET NULL';
}

const ID = (name: string): IdColumn => ({ name, rest: 'NOT NULL' });
const AUTO_ID: IdColumn = { name: 'id', rest: 'NOT NULL AUTO_INCREMENT' };
const ID_DEFAULT_0 = (name: string): IdColumn => ({ name, rest: 'NOT NULL DEFAULT 0' });

/** Every table, with the columns that hold ids, as the earlier migrations made them. */
export const ID_COLUMNS: Readonly<Record<string, readonly IdColumn[]>> = {
  accounts: [AUTO_ID],
  friend_requests: [AUTO_ID, ID('sender_id'), ID('receiver_id')],
  friend_lists: [ID('user_low'), ID('user_high')],
  groups: [AUTO_ID, ID('created_by'), ID_DEFAULT_0('last_message_id')],
  group_members: [
    ID('group_id'),
    ID('user_id'),
    ID_DEFAULT_0('last_read_message_id'),
    ID_DEFAULT_0('joined_after_message_id'),
  ],
  messages: [AUTO_ID, ID('sender_id'), ID('receiver_id')],
  group_messages: [AUTO_ID, ID('group_id'), ID('sender_id')],
  group_message_deliveries: [ID('message_id'), ID('user_id')],
  sessions: [AUTO_ID, ID('user_id')],
  activity_logs: [AUTO_ID, { name: 'user_id', rest: 'NULL' }],
  session_tokens: [AUTO_ID, ID('user_id')],
  direct_conversations: [
    ID('user_lo'),
    ID('user_hi'),
    ID('last_message_id'),
    ID_DEFAULT_0('lo_read_up_to'),
    ID_DEFAULT_0('hi_read_up_to'),
  ],
  blocks: [ID('blocker_id'), ID('blocked_id')],
  reports: [AUTO_ID, ID('reporter_id'), ID('reported_id')],
};

const fk = (
  name: string,
  table: string,
  column: string,
  references: string,
  onDelete: ForeignKey['onDelete'] = 'NO ACTION',
): ForeignKey => ({ name, table, column, references, onDelete });

/** Every foreign key, as the earlier migrations made it. */
const FOREIGN_KEYS: readonly ForeignKey[] = [
  fk('FK_friend_requests_sender', 'friend_requests', 'sender_id', 'accounts'),
  fk('FK_friend_requests_receiver', 'friend_requests', 'receiver_id', 'accounts'),
  fk('FK_friend_lists_user_low', 'friend_lists', 'user_low', 'accounts'),
  fk('FK_friend_lists_user_high', 'friend_lists', 'user_high', 'accounts'),
  fk('FK_groups_created_by', 'groups', 'created_by', 'accounts'),
  fk('FK_group_members_group', 'group_members', 'group_id', 'groups', 'CASCADE'),
  fk('FK_group_members_user', 'group_members', 'user_id', 'accounts'),
  fk('FK_messages_sender', 'messages', 'sender_id', 'accounts'),
  fk('FK_messages_receiver', 'messages', 'receiver_id', 'accounts'),
  fk('FK_group_messages_group', 'group_messages', 'group_id', 'groups', 'CASCADE'),
  fk('FK_group_messages_sender', 'group_messages', 'sender_id', 'accounts'),
  fk('FK_group_message_deliveries_message', 'group_message_deliveries', 'message_id', 'group_messages', 'CASCADE'),
  fk('FK_group_message_deliveries_user', 'group_message_deliveries', 'user_id', 'accounts'),
  fk('FK_sessions_user', 'sessions', 'user_id', 'accounts'),
  fk('FK_activity_logs_user', 'activity_logs', 'user_id', 'accounts', 'SET NULL'),
  fk('FK_session_tokens_user', 'session_tokens', 'user_id', 'accounts', 'CASCADE'),
  fk('FK_direct_conversations_user_lo', 'direct_conversations', 'user_lo', 'accounts'),
  fk('FK_direct_conversations_user_hi', 'direct_conversations', 'user_hi', 'accounts'),
  fk('FK_blocks_blocker', 'blocks', 'blocker_id', 'accounts', 'CASCADE'),
  fk('FK_blocks_blocked', 'blocks', 'blocked_id', 'accounts', 'CASCADE'),
  fk('FK_reports_reporter', 'reports', 'reporter_id', 'accounts'),
  fk('FK_reports_reported', 'reports', 'reported_id', 'accounts'),
];

async function changeIdColumns(queryRunner: QueryRunner, type: 'bigint' | 'int'): Promise<void> {
  const existing: Array<{ name: string }> = await queryRunner.query(
    `SELECT CONSTRAINT_NAME AS name FROM information_schema.table_constraints
     WHERE constraint_schema = DATABASE() AND constraint_type = 'FOREIGN KEY'`,
  );
  const present = new Set(existing.map((row) => row.name));
  for (const key of FOREIGN_KEYS) {
    if (present.has(key.name)) {
      await queryRunner.query(`ALTER TABLE \`${key.table}\` DROP FOREIGN KEY \`${key.name}\``);
    }
  }
  for (const [table, columns] of Object.entries(ID_COLUMNS)) {
    const changes = columns.map((column) => `MODIFY \`${column.name}\` ${type} ${column.rest}`).join(', ');
    await queryRunner.query(`ALTER TABLE \`${table}\` ${changes}`);
  }
  for (const key of FOREIGN_KEYS) {
    await queryRunner.query(
      `ALTER TABLE \`${key.table}\` ADD CONSTRAINT \`${key.name}\` FOREIGN KEY (\`${key.column}\`) ` +
        `REFERENCES \`${key.references}\` (\`id\`) ON DELETE ${key.onDelete} ON UPDATE NO ACTION`,
    );
  }
}
