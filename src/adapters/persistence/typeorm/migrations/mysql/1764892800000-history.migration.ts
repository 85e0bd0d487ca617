import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * History and read state for MySQL and MariaDB: the same tables, columns and
 * backfill as the SQLite migration of the same name (see there for why).
 *
 * MySQL commits every DDL statement on its own: a migration that fails half-way
 * leaves what it made behind (run `down`, or undo it by hand, before trying again).
 */
export class HistoryMysql1764892800000 implements MigrationInterface {
  /** The same name as the SQLite migration: one history, whichever engine stores it. */
  name = 'History1764892800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
    // The new index serves the sender's foreign key, and the server may have dropped the
    // index it had made for that key on its own: give the key one back before dropping ours.
    const rows: Array<{ count: number | string }> = await queryRunner.query(
      `SELECT COUNT(*) AS count FROM information_schema.statistics
       WHERE table_schema = DATABASE() AND table_name = 'messages' AND index_name = 'FK_messages_sender'`,
    );
    await queryRunner.query(
      Number(rows[0]?.count) > 0
        ? 'ALTER TABLE `messages` DROP INDEX `IDX_messages_sender_receiver`'
        : 'ALTER TABLE `messages` ADD INDEX `FK_messages_sender` (`sender_id`), DROP INDEX `IDX_messages_sender_receiver`',
    );
  }
}

const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

const UP: readonly string[] = [
  `CREATE TABLE \`direct_conversations\` (
    \`user_lo\` int NOT NULL,
    \`user_hi\` int NOT NULL,
    \`last_message_id\` int NOT NULL,
    \`last_at\` bigint NOT NULL,
    \`lo_read_up_to\` int NOT NULL DEFAULT 0,
    \`hi_read_up_to\` int NOT NULL DEFAULT 0,
    \`lo_unread\` int NOT NULL DEFAULT 0,
    \`hi_unread\` int NOT NULL DEFAULT 0,
    PRIMARY KEY (\`user_lo\`, \`user_hi\`),
    INDEX \`IDX_direct_conversations_user_hi\` (\`user_hi\`, \`user_lo\`),
    CONSTRAINT \`CHK_direct_conversations_order\` CHECK (\`user_lo\` < \`user_hi\`),
    CONSTRAINT \`FK_direct_conversations_user_lo\` FOREIGN KEY (\`user_lo\`) REFERENCES \`accounts\` (\`id\`) ON DELETE NO ACTION ON UPDATE NO ACTION,
    CONSTRAINT \`FK_direct_conversations_user_hi\` FOREIGN KEY (\`user_hi\`) REFERENCES \`accounts\` (\`id\`) ON DELETE NO ACTION ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`,
  'ALTER TABLE `messages` ADD INDEX `IDX_messages_sender_receiver` (`sender_id`, `receiver_id`, `id`)',
  // `groups` is a reserved word in MySQL 8: always quoted.
  'ALTER TABLE `groups` ADD COLUMN `last_message_id` int NOT NULL DEFAULT 0, ADD COLUMN `last_message_at` bigint NOT NULL DEFAULT 0',
  'ALTER TABLE `group_members` ADD COLUMN `last_read_message_id` int NOT NULL DEFAULT 0, ADD COLUMN `joined_after_message_id` int NOT NULL DEFAULT 0',

  `INSERT INTO \`direct_conversations\` (\`user_lo\`, \`user_hi\`, \`last_message_id\`, \`last_at\`, \`lo_unread\`, \`hi_unread\`)
   SELECT LEAST(sender_id, receiver_id), GREATEST(sender_id, receiver_id), MAX(id), 0,
          SUM(receiver_id < sender_id), SUM(receiver_id > sender_id)
   FROM \`messages\` WHERE sender_id <> receiver_id
   GROUP BY LEAST(sender_id, receiver_id), GREATEST(sender_id, receiver_id)`,
  `UPDATE \`direct_conversations\` c
   SET c.last_at = (SELECT m.created_at FROM \`messages\` m WHERE m.id = c.last_message_id)`,
  `UPDATE \`groups\` g
   SET g.last_message_id = COALESCE((SELECT MAX(m.id) FROM \`group_messages\` m WHERE m.group_id = g.id), 0)`,
  `UPDATE \`groups\` g
   SET g.last_message_at = COALESCE((SELECT m.created_at FROM \`group_messages\` m WHERE m.id = g.last_message_id), 0)`,
  `UPDATE \`group_members\` gm
   SET gm.joined_after_message_id = COALESCE((SELECT MAX(m.id) FROM \`group_messages\` m
     WHERE m.group_id = gm.group_id AND m.created_at < gm.joined_at), 0)`,
];

const DOWN: readonly string[] = [
  'ALTER TABLE `group_members` DROP COLUMN `joined_after_message_id`, DROP COLUMN `last_read_message_id`',
  'ALTER TABLE `groups` DROP COLUMN `last_message_at`, DROP COLUMN `last_message_id`',
  'DROP TABLE `direct_conversations`',
];
