import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Blocking, privacy and reports (PROTOCOL.md §10). Existing data is kept: every
 * account gets the privacy `everyone` (the seed's behaviour), and the two new tables
 * start empty.
 *
 * - blocks: one row per (blocker, blocked), WITHOUT ROWID so the primary key is the
 *   table. Storing a direct message looks up both directions by primary key inside
 *   its INSERT; the (blocked, blocker) index serves who blocked a user.
 * - accounts.privacy: a column of the account, read by the same INSERT. SQLite adds
 *   the column (and its CHECK) at the end of the table's definition, where TypeORM's
 *   schema reader still finds the CHECK (it ends the definition).
 * - reports: the reason as free text. Indexes for the operator's listing newest
 *   first (all of them, or about one user) and for counting a reporter's last day.
 */
export class Safety1764979200000 implements MigrationInterface {
  name = 'Safety1764979200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}

const UP: readonly string[] = [
  `ALTER TABLE "accounts" ADD COLUMN "privacy" varchar(16) NOT NULL DEFAULT ('everyone') CONSTRAINT "CHK_accounts_privacy" CHECK (privacy IN ('everyone', 'friends'))`,

  `CREATE TABLE "blocks" (
    "blocker_id" integer NOT NULL,
    "blocked_id" integer NOT NULL,
    "created_at" bigint NOT NULL,
    CONSTRAINT "PK_blocks" PRIMARY KEY ("blocker_id", "blocked_id"),
    CONSTRAINT "CHK_blocks_not_self" CHECK (blocker_id <> blocked_id),
    CONSTRAINT "FK_blocks_blocker" FOREIGN KEY ("blocker_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT "FK_blocks_blocked" FOREIGN KEY ("blocked_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
  ) WITHOUT ROWID`,
  `CREATE INDEX "IDX_blocks_blocked" ON "blocks" ("blocked_id", "blocker_id")`,

  `CREATE TABLE "reports" (
    "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    "reporter_id" integer NOT NULL,
    "reported_id" integer NOT NULL,
    "reason" text NOT NULL,
    "created_at" bigint NOT NULL,
    CONSTRAINT "CHK_reports_not_self" CHECK (reporter_id <> reported_id),
    CONSTRAINT "FK_reports_reporter" FOREIGN KEY ("reporter_id") REFERENCES "accounts" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION,
    CONSTRAINT "FK_reports_reported" FOREIGN KEY ("reported_id") REFERENCES "accounts" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION
  )`,
  `CREATE INDEX "IDX_reports_created_at" ON "reports" ("created_at", "id")`,
  `CREATE INDEX "IDX_reports_reported" ON "reports" ("reported_id", "created_at", "id")`,
  `CREATE INDEX "IDX_reports_reporter" ON "reports" ("reporter_id", "created_at")`,
];

const DOWN: readonly string[] = [
  `DROP INDEX "IDX_reports_reporter"`,
  `DROP INDEX "IDX_reports_reported"`,
  `DROP INDEX "IDX_reports_created_at"`,
  `DROP TABLE "reports"`,
  `DROP INDEX "IDX_blocks_blocked"`,
  `DROP TABLE "blocks"`,
  // SQLite 3.35+; the column's own CHECK goes with it.
  `ALTER TABLE "accounts" DROP COLUMN "privacy"`,
];
