import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Blocking, privacy and reports for MySQL and MariaDB: the same tables, column and
 * constraints as the SQLite migration of the same name. Existing accounts get the
 * privacy `everyone`.
 */
export class SafetyMysql1764979200000 implements MigrationInterface {
  /** The same name as the SQLite migration: one history, whichever engine stores it. */
  name = 'Safety1764979200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}

const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

const UP: readonly string[] = [
  `ALTER TABLE \`accounts\`
    ADD COLUMN \`privacy\` varchar(16) NOT NULL DEFAULT 'everyone',
    ADD CONSTRAINT \`CHK_accounts_privacy\` CHECK (\`privacy\` IN ('everyone', 'friends'))`,

  `CREATE TABLE \`blocks\` (
    \`blocker_id\` int NOT NULL,
    \`blocked_id\` int NOT NULL,
    \`created_at\` bigint NOT NULL,
    PRIMARY KEY (\`blocker_id\`, \`blocked_id\`),
    INDEX \`IDX_blocks_blocked\` (\`blocked_id\`, \`blocker_id\`),
    CONSTRAINT \`CHK_blocks_not_self\` CHECK (\`blocker_id\` <> \`blocked_id\`),
    CONSTRAINT \`FK_blocks_blocker\` FOREIGN KEY (\`blocker_id\`) REFERENCES \`accounts\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT \`FK_blocks_blocked\` FOREIGN KEY (\`blocked_id\`) REFERENCES \`accounts\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`,

  `CREATE TABLE \`reports\` (
    \`id\` int NOT NULL AUTO_INCREMENT,
    \`reporter_id\` int NOT NULL,
    \`reported_id\` int NOT NULL,
    \`reason\` text NOT NULL,
    \`created_at\` bigint NOT NULL,
    PRIMARY KEY (\`id\`),
    INDEX \`IDX_reports_created_at\` (\`created_at\`, \`id\`),
    INDEX \`IDX_reports_reported\` (\`reported_id\`, \`created_at\`, \`id\`),
    INDEX \`IDX_reports_reporter\` (\`reporter_id\`, \`created_at\`),
    CONSTRAINT \`CHK_reports_not_self\` CHECK (\`reporter_id\` <> \`reported_id\`),
    CONSTRAINT \`FK_reports_reporter\` FOREIGN KEY (\`reporter_id\`) REFERENCES \`accounts\` (\`id\`) ON DELETE NO ACTION ON UPDATE NO ACTION,
    CONSTRAINT \`FK_reports_reported\` FOREIGN KEY (\`reported_id\`) REFERENCES \`accounts\` (\`id\`) ON DELETE NO ACTION ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`,
];

/** The tables take their indexes and constraints with them; the CHECK goes before its column. */
const DOWN: readonly string[] = [
  'DROP TABLE `reports`',
  'DROP TABLE `blocks`',
  'ALTER TABLE `accounts` DROP CONSTRAINT `CHK_accounts_privacy`',
  'ALTER TABLE `accounts` DROP COLUMN `privacy`',
];
