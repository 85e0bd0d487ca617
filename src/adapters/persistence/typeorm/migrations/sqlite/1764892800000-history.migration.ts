import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * History and read state (PROTOCOL.md §9). Read state only grows, so it is stored as
 * positions: per direct pair in direct_conversations (with the inbox's newest message
 * and unread counts), per membership in group_members. The groups remember their
 * newest message, and a membership the group's newest message when it began, so a
 * member's view of a group is an index range. Messages get an index per direction of
 * a direct conversation.
 *
 * Existing data is kept and filled in: a conversation per pair that exchanged
 * messages, all of them unread (nothing was ever marked read); each group's newest
 * message; and for each membership the newest group message sent before it began.
 * A message a user sent to themselves (the protocol refuses them) is left out of the
 * conversations.
 */
export class History1764892800000 implements MigrationInterface {
  name = 'History1764892800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}

const UP: readonly string[] = [
  `CREATE TABLE "direct_conversations" (
    "user_lo" integer NOT NULL,
    "user_hi" integer NOT NULL,
    "last_message_id" integer NOT NULL,
    "last_at" bigint NOT NULL,
    "lo_read_up_to" integer NOT NULL DEFAULT (0),
    "hi_read_up_to" integer NOT NULL DEFAULT (0),
    "lo_unread" integer NOT NULL DEFAULT (0),
    "hi_unread" integer NOT NULL DEFAULT (0),
    CONSTRAINT "PK_direct_conversations" PRIMARY KEY ("user_lo", "user_hi"),
    CONSTRAINT "CHK_direct_conversations_order" CHECK (user_lo < user_hi),
    CONSTRAINT "FK_direct_conversations_user_lo" FOREIGN KEY ("user_lo") REFERENCES "accounts" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION,
    CONSTRAINT "FK_direct_conversations_user_hi" FOREIGN KEY ("user_hi") REFERENCES "accounts" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION
  ) WITHOUT ROWID`,
  `CREATE INDEX "IDX_direct_conversations_user_hi" ON "direct_conversations" ("user_hi", "user_lo")`,
  `CREATE INDEX "IDX_messages_sender_receiver" ON "messages" ("sender_id", "receiver_id", "id")`,
  `ALTER TABLE "groups" ADD COLUMN "last_message_id" integer NOT NULL DEFAULT (0)`,
  `ALTER TABLE "groups" ADD COLUMN "last_message_at" bigint NOT NULL DEFAULT (0)`,
  `ALTER TABLE "group_members" ADD COLUMN "last_read_message_id" integer NOT NULL DEFAULT (0)`,
  `ALTER TABLE "group_members" ADD COLUMN "joined_after_message_id" integer NOT NULL DEFAULT (0)`,

  `INSERT INTO "direct_conversations" ("user_lo", "user_hi", "last_message_id", "last_at", "lo_unread", "hi_unread")
   SELECT MIN(sender_id, receiver_id), MAX(sender_id, receiver_id), MAX(id), 0,
          SUM(receiver_id < sender_id), SUM(receiver_id > sender_id)
   FROM "messages" WHERE sender_id <> receiver_id
   GROUP BY MIN(sender_id, receiver_id), MAX(sender_id, receiver_id)`,
  `UPDATE "direct_conversations"
   SET "last_at" = (SELECT m.created_at FROM "messages" m WHERE m.id = "direct_conversations".last_message_id)`,
  `UPDATE "groups"
   SET "last_message_id" = COALESCE((SELECT MAX(m.id) FROM "group_messages" m WHERE m.group_id = "groups".id), 0)`,
  `UPDATE "groups"
   SET "last_message_at" = COALESCE((SELECT m.created_at FROM "group_messages" m WHERE m.id = "groups".last_message_id), 0)`,
  `UPDATE "group_members"
   SET "joined_after_message_id" = COALESCE((SELECT MAX(m.id) FROM "group_messages" m
     WHERE m.group_id = "group_members".group_id AND m.created_at < "group_members".joined_at), 0)`,
];

const DOWN: readonly string[] = [
  `ALTER TABLE "group_members" DROP COLUMN "joined_after_message_id"`,
  `ALTER TABLE "group_members" DROP COLUMN "last_read_message_id"`,
  `ALTER TABLE "groups" DROP COLUMN "last_message_at"`,
  `ALTER TABLE "groups" DROP COLUMN "last_message_id"`,
  `DROP INDEX "IDX_messages_sender_receiver"`,
  `DROP INDEX "IDX_direct_conversations_user_hi"`,
  `DROP TABLE "direct_conversations"`,
];
