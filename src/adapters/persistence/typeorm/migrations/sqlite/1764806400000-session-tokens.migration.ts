import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Session tokens for RESUME (PROTOCOL.md §8), stored as SHA-256 hashes so that a
 * copy of the database resumes nobody. The unique hash is how RESUME finds a token;
 * the (user, creation) index serves what issuing a token reads and deletes (the
 * user's expired tokens, then the oldest past the cap). A deleted account takes its
 * tokens with it.
 */
export class SessionTokens1764806400000 implements MigrationInterface {
  name = 'SessionTokens1764806400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}

const UP: readonly string[] = [
  `CREATE TABLE "session_tokens" (
    "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    "user_id" integer NOT NULL,
    "token_hash" varchar(64) NOT NULL,
    "created_at" bigint NOT NULL,
    "expires_at" bigint NOT NULL,
    CONSTRAINT "UQ_session_tokens_token_hash" UNIQUE ("token_hash"),
    CONSTRAINT "FK_session_tokens_user" FOREIGN KEY ("user_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
  )`,
  `CREATE INDEX "IDX_session_tokens_user_created" ON "session_tokens" ("user_id", "created_at", "id")`,
];

const DOWN: readonly string[] = [`DROP INDEX "IDX_session_tokens_user_created"`, `DROP TABLE "session_tokens"`];
