import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema for MySQL (8.0.16+) and MariaDB (10.4+): the same tables, columns
 * and constraints as the SQLite migration of the same name.
 *
 * - utf8mb4 everywhere, so emoji and every other 4-byte character round-trip.
 *   Text that is only stored and shown uses utf8mb4_unicode_ci; the keys the code
 *   compares or orders by (username_key, pending_key, node_id, connection_id) use
 *   utf8mb4_bin: username_key is lower-cased before it is stored, so binary
 *   comparison is exactly "case-insensitive, as registered", and lists ordered by it
 *   come out in the same order as on SQLite.
 * - Uniqueness the protocol promises is enforced here: usernames in any letter case
 *   (UQ_accounts_username_key), one pending request per pair (UQ_friend_requests_pending_key,
 *   NULL once answered), one friendship per pair and one membership per user and
 *   group (primary keys).
 * - MySQL has no partial indexes: the undelivered-message indexes lead with
 *   (recipient, delivered), so the inbox query reads only undelivered rows, in id order.
 * - CHECK constraints are enforced by MySQL 8.0.16+ and MariaDB 10.2+ (older
 *   servers parse and ignore them).
 *
 * MySQL commits every DDL statement on its own: a migration that fails half-way
 * leaves the tables it made behind (drop them, or run `down`, before trying again).
 */
export class InitialSchemaMysql1764201600000 implements MigrationInterface {
  /** The same name as the SQLite migration: one history, whichever engine stores it. */
  name = 'InitialSchema1764201600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}

const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

const UP: readonly string[] = [
  `CREATE TABLE \`accounts\` (
    \`id\` int NOT NULL AUTO_INCREMENT,
    \`username\` varchar(32) NOT NULL,
    \`username_key\` varchar(32) COLLATE utf8mb4_bin NOT NULL,
    \`password_hash\` varchar(255) NOT NULL,
    \`status\` varchar(16) NOT NULL DEFAULT 'active',
    \`created_at\` bigint NOT NULL,
    PRIMARY KEY (\`id\`),
    UNIQUE INDEX \`UQ_accounts_username_key\` (\`username_key\`),
    CONSTRAINT \`CHK_accounts_status\` CHECK (\`status\` IN ('active', 'banned'))
  ) ${TABLE_OPTIONS}`,

  `CREATE TABLE \`friend_requests\` (
    \`id\` int NOT NULL AUTO_INCREMENT,
    \`sender_id\` int NOT NULL,
    \`receiver_id\` int NOT NULL,
    \`status\` varchar(16) NOT NULL,
    \`created_at\` bigint NOT NULL,
    \`answered_at\` bigint NULL,
    \`pending_key\` varchar(64) COLLATE utf8mb4_bin NULL,
    PRIMARY KEY (\`id\`),
    UNIQUE INDEX \`UQ_friend_requests_pending_key\` (\`pending_key\`),
    INDEX \`IDX_friend_requests_receiver_status\` (\`receiver_id\`, \`status\`, \`id\`),
    CONSTRAINT \`CHK_friend_requests_status\` CHECK (\`status\` IN ('pending', 'accepted', 'rejected')),
    CONSTRAINT \`CHK_friend_requests_pending_key\` CHECK ((\`status\` = 'pending') = (\`pending_key\` IS NOT NULL)),
    CONSTRAINT \`CHK_friend_requests_not_self\` CHECK (\`sender_id\` <> \`receiver_id\`),
    CONSTRAINT \`FK_friend_requests_sender\` FOREIGN KEY (\`sender_id\`) REFERENCES \`accounts\` (\`id\`) ON DELETE NO ACTION ON UPDATE NO ACTION,
    CONSTRAINT \`FK_friend_requests_receiver\` FOREIGN KEY (\`receiver_id\`) REFERENCES \`accounts\` (\`id\`) ON DELETE NO ACTION ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`,

  `CREATE TABLE \`friend_lists\` (
    \`user_low\` int NOT NULL,
    \`user_high\` int NOT NULL,
    \`created_at\` bigint NOT NULL,
    PRIMARY KEY (\`user_low\`, \`user_high\`),
    INDEX \`IDX_friend_lists_user_high\` (\`user_high\`),
    CONSTRAINT \`CHK_friend_lists_order\` CHECK (\`user_low\` < \`user_high\`),
    CONSTRAINT \`FK_friend_lists_user_low\` FOREIGN KEY (\`user_low\`) REFERENCES \`accounts\` (\`id\`) ON DELETE NO ACTION ON UPDATE NO ACTION,
    CONSTRAINT \`FK_friend_lists_user_high\` FOREIGN KEY (\`user_high\`) REFERENCES \`accounts\` (\`id\`) ON DELETE NO ACTION ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`,

  // `groups` is a reserved word in MySQL 8: always quoted.
  `CREATE TABLE \`groups\` (
    \`id\` int NOT NULL AUTO_INCREMENT,
    \`name\` varchar(255) NOT NULL,
    \`created_by\` int NOT NULL,
    \`created_at\` bigint NOT NULL,
    PRIMARY KEY (\`id\`),
    CONSTRAINT \`FK_groups_created_by\` FOREIGN KEY (\`created_by\`) REFERENCES \`accounts\` (\`id\`) ON DELETE NO ACTION ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`,

  `CREATE TABLE \`group_members\` (
    \`group_id\` int NOT NULL,
    \`user_id\` int NOT NULL,
    \`role\` varchar(16) NOT NULL,
    \`joined_at\` bigint NOT NULL,
    PRIMARY KEY (\`group_id\`, \`user_id\`),
    INDEX \`IDX_group_members_user\` (\`user_id\`),
    CONSTRAINT \`CHK_group_members_role\` CHECK (\`role\` IN ('admin', 'member')),
    CONSTRAINT \`FK_group_members_group\` FOREIGN KEY (\`group_id\`) REFERENCES \`groups\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT \`FK_group_members_user\` FOREIGN KEY (\`user_id\`) REFERENCES \`accounts\` (\`id\`) ON DELETE NO ACTION ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`,

  `CREATE TABLE \`messages\` (
    \`id\` int NOT NULL AUTO_INCREMENT,
    \`sender_id\` int NOT NULL,
    \`receiver_id\` int NOT NULL,
    \`content\` text NOT NULL,
    \`created_at\` bigint NOT NULL,
    \`delivered\` tinyint NOT NULL DEFAULT 0,
    PRIMARY KEY (\`id\`),
    INDEX \`IDX_messages_undelivered\` (\`receiver_id\`, \`delivered\`, \`id\`),
    CONSTRAINT \`FK_messages_sender\` FOREIGN KEY (\`sender_id\`) REFERENCES \`accounts\` (\`id\`) ON DELETE NO ACTION ON UPDATE NO ACTION,
    CONSTRAINT \`FK_messages_receiver\` FOREIGN KEY (\`receiver_id\`) REFERENCES \`accounts\` (\`id\`) ON DELETE NO ACTION ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`,

  `CREATE TABLE \`group_messages\` (
    \`id\` int NOT NULL AUTO_INCREMENT,
    \`group_id\` int NOT NULL,
    \`sender_id\` int NOT NULL,
    \`content\` text NOT NULL,
    \`created_at\` bigint NOT NULL,
    PRIMARY KEY (\`id\`),
    INDEX \`IDX_group_messages_group\` (\`group_id\`, \`id\`),
    CONSTRAINT \`FK_group_messages_group\` FOREIGN KEY (\`group_id\`) REFERENCES \`groups\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT \`FK_group_messages_sender\` FOREIGN KEY (\`sender_id\`) REFERENCES \`accounts\` (\`id\`) ON DELETE NO ACTION ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`,

  `CREATE TABLE \`group_message_deliveries\` (
    \`message_id\` int NOT NULL,
    \`user_id\` int NOT NULL,
    \`delivered\` tinyint NOT NULL DEFAULT 0,
    PRIMARY KEY (\`message_id\`, \`user_id\`),
    INDEX \`IDX_group_message_deliveries_undelivered\` (\`user_id\`, \`delivered\`, \`message_id\`),
    CONSTRAINT \`FK_group_message_deliveries_message\` FOREIGN KEY (\`message_id\`) REFERENCES \`group_messages\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT \`FK_group_message_deliveries_user\` FOREIGN KEY (\`user_id\`) REFERENCES \`accounts\` (\`id\`) ON DELETE NO ACTION ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`,

  `CREATE TABLE \`sessions\` (
    \`id\` int NOT NULL AUTO_INCREMENT,
    \`user_id\` int NOT NULL,
    \`node_id\` varchar(64) COLLATE utf8mb4_bin NOT NULL,
    \`connection_id\` varchar(64) COLLATE utf8mb4_bin NOT NULL,
    \`created_at\` bigint NOT NULL,
    PRIMARY KEY (\`id\`),
    INDEX \`IDX_sessions_node\` (\`node_id\`),
    CONSTRAINT \`FK_sessions_user\` FOREIGN KEY (\`user_id\`) REFERENCES \`accounts\` (\`id\`) ON DELETE NO ACTION ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`,

  `CREATE TABLE \`activity_logs\` (
    \`id\` int NOT NULL AUTO_INCREMENT,
    \`user_id\` int NULL,
    \`action\` varchar(32) NOT NULL,
    \`detail\` varchar(255) NULL,
    \`created_at\` bigint NOT NULL,
    PRIMARY KEY (\`id\`),
    INDEX \`IDX_activity_logs_user\` (\`user_id\`, \`id\`),
    INDEX \`IDX_activity_logs_created_at\` (\`created_at\`),
    CONSTRAINT \`FK_activity_logs_user\` FOREIGN KEY (\`user_id\`) REFERENCES \`accounts\` (\`id\`) ON DELETE SET NULL ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`,
];

/** Children before parents; each table takes its indexes and constraints with it. */
const DOWN: readonly string[] = [
  'DROP TABLE `activity_logs`',
  'DROP TABLE `sessions`',
  'DROP TABLE `group_message_deliveries`',
  'DROP TABLE `group_messages`',
  'DROP TABLE `messages`',
  'DROP TABLE `group_members`',
  'DROP TABLE `groups`',
  'DROP TABLE `friend_lists`',
  'DROP TABLE `friend_requests`',
  'DROP TABLE `accounts`',
];
