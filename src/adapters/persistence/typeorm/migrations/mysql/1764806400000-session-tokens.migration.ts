import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Session tokens for MySQL and MariaDB: the same table as the SQLite migration of the
 * same name. token_hash is compared exactly (utf8mb4_bin): it is lowercase hex, and a
 * case-insensitive match would accept a token that was never issued.
 */
export class SessionTokensMysql1764806400000 implements MigrationInterface {
  /** The same name as the SQLite migration: one history, whichever engine stores it. */
  name = 'SessionTokens1764806400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}

const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

const UP: readonly string[] = [
  `CREATE TABLE \`session_tokens\` (
    \`id\` int NOT NULL AUTO_INCREMENT,
    \`user_id\` int NOT NULL,
    \`token_hash\` varchar(64) COLLATE utf8mb4_bin NOT NULL,
    \`created_at\` bigint NOT NULL,
    \`expires_at\` bigint NOT NULL,
    PRIMARY KEY (\`id\`),
    UNIQUE INDEX \`UQ_session_tokens_token_hash\` (\`token_hash\`),
    INDEX \`IDX_session_tokens_user_created\` (\`user_id\`, \`created_at\`, \`id\`),
    CONSTRAINT \`FK_session_tokens_user\` FOREIGN KEY (\`user_id\`) REFERENCES \`accounts\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`,
];

/** The table takes its indexes and constraints with it. */
const DOWN: readonly string[] = ['DROP TABLE `session_tokens`'];
