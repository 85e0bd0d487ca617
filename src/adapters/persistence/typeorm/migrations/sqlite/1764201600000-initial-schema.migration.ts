import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema for SQLite. Uniqueness the protocol promises lives in the
 * database: usernames in any letter case (accounts.username_key), one pending
 * request per pair (friend_requests.pending_key), one friendship per pair and one
 * membership per user and group (primary keys). The undelivered-message indexes
 * are partial, so messages delivered live never touch them. Tables keyed by a
 * pair are WITHOUT ROWID: one b-tree per table instead of a table and an index.
 *
 * No CHECK is the last clause of a table: TypeORM's SQLite schema reader finds
 * a CHECK only when a comma follows it on the same line, and a test compares
 * this schema with the entity schemas through that reader.
 */
export class InitialSchema1764201600000 implements MigrationInterface {
  name = 'InitialSchema1764201600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}

const UP: readonly string[] = [
  `CREATE TABLE "accounts" (
    "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    "username" varchar(32) NOT NULL,
    "username_key" varchar(32) NOT NULL,
    "password_hash" varchar(255) NOT NULL,
    "status" varchar(16) NOT NULL DEFAULT ('active'),
    "created_at" bigint NOT NULL,
    CONSTRAINT "CHK_accounts_status" CHECK (status IN ('active', 'banned')),
    CONSTRAINT "UQ_accounts_username_key" UNIQUE ("username_key")
  )`,

  `CREATE TABLE "friend_requests" (
    "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    "sender_id" integer NOT NULL,
    "receiver_id" integer NOT NULL,
    "status" varchar(16) NOT NULL,
    "created_at" bigint NOT NULL,
    "answered_at" bigint,
    "pending_key" varchar(64),
    CONSTRAINT "UQ_friend_requests_pending_key" UNIQUE ("pending_key"),
    CONSTRAINT "CHK_friend_requests_status" CHECK (status IN ('pending', 'accepted', 'rejected')),
    CONSTRAINT "CHK_friend_requests_pending_key" CHECK ((status = 'pending') = (pending_key IS NOT NULL)),
    CONSTRAINT "CHK_friend_requests_not_self" CHECK (sender_id <> receiver_id),
    CONSTRAINT "FK_friend_requests_sender" FOREIGN KEY ("sender_id") REFERENCES "accounts" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION,
    CONSTRAINT "FK_friend_requests_receiver" FOREIGN KEY ("receiver_id") REFERENCES "accounts" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION
  )`,
  `CREATE INDEX "IDX_friend_requests_receiver_status" ON "friend_requests" ("receiver_id", "status", "id")`,

  `CREATE TABLE "friend_lists" (
    "user_low" integer NOT NULL,
    "user_high" integer NOT NULL,
    "created_at" bigint NOT NULL,
    CONSTRAINT "PK_friend_lists" PRIMARY KEY ("user_low", "user_high"),
    CONSTRAINT "CHK_friend_lists_order" CHECK (user_low < user_high),
    CONSTRAINT "FK_friend_lists_user_low" FOREIGN KEY ("user_low") REFERENCES "accounts" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION,
    CONSTRAINT "FK_friend_lists_user_high" FOREIGN KEY ("user_high") REFERENCES "accounts" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION
  ) WITHOUT ROWID`,
  `CREATE INDEX "IDX_friend_lists_user_high" ON "friend_lists" ("user_high")`,

  `CREATE TABLE "groups" (
    "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" varchar(255) NOT NULL,
    "created_by" integer NOT NULL,
    "created_at" bigint NOT NULL,
    CONSTRAINT "FK_groups_created_by" FOREIGN KEY ("created_by") REFERENCES "accounts" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION
  )`,

  `CREATE TABLE "group_members" (
    "group_id" integer NOT NULL,
    "user_id" integer NOT NULL,
    "role" varchar(16) NOT NULL,
    "joined_at" bigint NOT NULL,
    CONSTRAINT "PK_group_members" PRIMARY KEY ("group_id", "user_id"),
    CONSTRAINT "CHK_group_members_role" CHECK (role IN ('admin', 'member')),
    CONSTRAINT "FK_group_members_group" FOREIGN KEY ("group_id") REFERENCES "groups" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT "FK_group_members_user" FOREIGN KEY ("user_id") REFERENCES "accounts" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION
  ) WITHOUT ROWID`,
  `CREATE INDEX "IDX_group_members_user" ON "group_members" ("user_id")`,

  `CREATE TABLE "messages" (
    "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    "sender_id" integer NOT NULL,
    "receiver_id" integer NOT NULL,
    "content" text NOT NULL,
    "created_at" bigint NOT NULL,
    "delivered" boolean NOT NULL DEFAULT (0),
    CONSTRAINT "FK_messages_sender" FOREIGN KEY ("sender_id") REFERENCES "accounts" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION,
    CONSTRAINT "FK_messages_receiver" FOREIGN KEY ("receiver_id") REFERENCES "accounts" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION
  )`,
  `CREATE INDEX "IDX_messages_undelivered" ON "messages" ("receiver_id", "id") WHERE delivered = 0`,

  `CREATE TABLE "group_messages" (
    "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    "group_id" integer NOT NULL,
    "sender_id" integer NOT NULL,
    "content" text NOT NULL,
    "created_at" bigint NOT NULL,
    CONSTRAINT "FK_group_messages_group" FOREIGN KEY ("group_id") REFERENCES "groups" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT "FK_group_messages_sender" FOREIGN KEY ("sender_id") REFERENCES "accounts" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION
  )`,
  `CREATE INDEX "IDX_group_messages_group" ON "group_messages" ("group_id", "id")`,

  `CREATE TABLE "group_message_deliveries" (
    "message_id" integer NOT NULL,
    "user_id" integer NOT NULL,
    "delivered" boolean NOT NULL DEFAULT (0),
    CONSTRAINT "PK_group_message_deliveries" PRIMARY KEY ("message_id", "user_id"),
    CONSTRAINT "FK_group_message_deliveries_message" FOREIGN KEY ("message_id") REFERENCES "group_messages" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT "FK_group_message_deliveries_user" FOREIGN KEY ("user_id") REFERENCES "accounts" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION
  ) WITHOUT ROWID`,
  `CREATE INDEX "IDX_group_message_deliveries_undelivered" ON "group_message_deliveries" ("user_id", "message_id") WHERE delivered = 0`,

  `CREATE TABLE "sessions" (
    "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    "user_id" integer NOT NULL,
    "node_id" varchar(64) NOT NULL,
    "connection_id" varchar(64) NOT NULL,
    "created_at" bigint NOT NULL,
    CONSTRAINT "FK_sessions_user" FOREIGN KEY ("user_id") REFERENCES "accounts" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION
  )`,
  `CREATE INDEX "IDX_sessions_node" ON "sessions" ("node_id")`,

  `CREATE TABLE "activity_logs" (
    "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    "user_id" integer,
    "action" varchar(32) NOT NULL,
    "detail" varchar(255),
    "created_at" bigint NOT NULL,
    CONSTRAINT "FK_activity_logs_user" FOREIGN KEY ("user_id") REFERENCES "accounts" ("id") ON DELETE SET NULL ON UPDATE NO ACTION
  )`,
  `CREATE INDEX "IDX_activity_logs_user" ON "activity_logs" ("user_id", "id")`,
  `CREATE INDEX "IDX_activity_logs_created_at" ON "activity_logs" ("created_at")`,
];

const DOWN: readonly string[] = [
  `DROP INDEX "IDX_activity_logs_created_at"`,
  `DROP INDEX "IDX_activity_logs_user"`,
  `DROP TABLE "activity_logs"`,
  `DROP INDEX "IDX_sessions_node"`,
  `DROP TABLE "sessions"`,
  `DROP INDEX "IDX_group_message_deliveries_undelivered"`,
  `DROP TABLE "group_message_deliveries"`,
  `DROP INDEX "IDX_group_messages_group"`,
  `DROP TABLE "group_messages"`,
  `DROP INDEX "IDX_messages_undelivered"`,
  `DROP TABLE "messages"`,
  `DROP INDEX "IDX_group_members_user"`,
  `DROP TABLE "group_members"`,
  `DROP TABLE "groups"`,
  `DROP INDEX "IDX_friend_lists_user_high"`,
  `DROP TABLE "friend_lists"`,
  `DROP INDEX "IDX_friend_requests_receiver_status"`,
  `DROP TABLE "friend_requests"`,
  `DROP TABLE "accounts"`,
];
