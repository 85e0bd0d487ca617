import type { EntityManager } from 'typeorm';
import type { MessageRepository, NewDirectMessage, NewGroupMessage } from '../../../../application/ports';
import type {
  DirectMessage,
  DirectMessageRefusal,
  GroupMessage,
  MessageId,
  ReceivedDirectMessage,
  ReceivedGroupMessage,
  UserId,
} from '../../../../domain';
import type { Executor } from '../executor';
import { MessageMapper, type ReceivedDirectMessageRow, type ReceivedGroupMessageRow } from '../mappers';
import { affectedRows, chunksOf, generatedId, insertInChunks, insertReturningId, placeholders } from '../query-helpers';
import { DirectMessageSchema, GroupMessageDeliverySchema, GroupMessageSchema } from '../schemas';
import * as operations from '../sqlite-operations';
import { conversationValues, directChecks, INSERT_DIRECT } from '../sqlite-operations';
import { CoalescedIdWrite } from '../sqlite-statements';

/*
 * Direct messages are the hot path, so they are plain parameterized SQL: the
 * query builder costs several times the statement itself. The names are unquoted
 * (none is reserved in SQLite or MySQL), so the text serves both. `delivered = 0`
 * is a literal because SQLite uses the partial index only for a condition it can
 * see in the statement.
 */
/** Why INSERT_DIRECT stored nothing: no such receiver, or not allowed (which of the two is never told apart). */
const RECEIVER_EXISTS = 'SELECT 1 AS found FROM accounts WHERE id = ?';
/**
 * Every direct message keeps its pair's row of direct_conversations (the inbox and the
 * unread counts of PROTOCOL.md §9) in the same transaction, with no read. The bound
 * values are the pair (lower id first), the newest message's id and time, and how many
 * messages went to each side. On MySQL a message counts as unread only above the
 * receiver's read position: a message may commit after a MARK_READ that passed its id,
 * and the position already counts it as read. MySQL assigns left to right, each
 * seeing the ones before: last_message_id comes last.
 */
const MYSQL_UPSERT_CONVERSATION = `
  INSERT INTO direct_conversations (user_lo, user_hi, last_message_id, last_at, lo_unread, hi_unread)
  VALUES (?, ?, ?, ?, ?, ?)
  ON DUPLICATE KEY UPDATE
    lo_unread = lo_unread + IF(VALUES(last_message_id) > lo_read_up_to, VALUES(lo_unread), 0),
    hi_unread = hi_unread + IF(VALUES(last_message_id) > hi_read_up_to, VALUES(hi_unread), 0),
    last_at = IF(VALUES(last_message_id) > last_message_id, VALUES(last_at), last_at),
    last_message_id = GREATEST(last_message_id, VALUES(last_message_id))`;
/** The group's newest message, kept by every group message stored. */
const UPDATE_GROUP_LAST = (groups: string): string =>
  `UPDATE ${groups} SET last_message_id = ?, last_message_at = ? WHERE id = ? AND last_message_id < ?`;
/**
 * MySQL: the group's row, locked before the message goes in. Inserting the message
 * takes a shared lock on it (the foreign key), and two senders that both hold that
 * lock and then both update the row deadlock; taking the exclusive lock first makes
 * them take turns instead. It also stores a group's messages in id order.
 */
const LOCK_GROUP = (groups: string): string => `SELECT id FROM ${groups} WHERE id = ? FOR UPDATE`;

const MARK_DIRECT_DELIVERED = (count: number): string =>
  `UPDATE messages SET delivered = 1 WHERE id IN (${placeholders(count)}) AND delivered = 0`;
const LIST_UNDELIVERED_DIRECT = `
  SELECT m.id AS id, m.sender_id AS senderId, a.username AS senderUsername, m.receiver_id AS receiverId,
         m.content AS content, m.created_at AS createdAt
  FROM messages m JOIN accounts a ON a.id = m.sender_id
  WHERE m.receiver_id = ? AND m.delivered = 0 AND m.id > ?
    AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = m.receiver_id AND b.blocked_id = m.sender_id)
  ORDER BY m.id
  LIMIT ?`;
/**
 * An acknowledgement (PROTOCOL.md §8) names messages by id only: the receiver check
 * keeps a client from marking someone else's messages delivered.
 */
const ACKNOWLEDGE_DIRECT = (count: number): string =>
  `UPDATE messages SET delivered = 1
   WHERE receiver_id = ? AND delivered = 0 AND id IN (${placeholders(count)})`;

const MARK_GROUP_DELIVERED_FOR = (count: number): string =>
  `UPDATE group_message_deliveries SET delivered = 1
   WHERE message_id = ? AND user_id IN (${placeholders(count)}) AND delivered = 0`;
const MARK_GROUP_DELIVERED = (count: number): string =>
  `UPDATE group_message_deliveries SET delivered = 1
   WHERE user_id = ? AND message_id IN (${placeholders(count)}) AND delivered = 0`;
/**
 * Only while the recipient is a member, and only messages since their current
 * membership began: a removed member loses access, and a re-joined one does not
 * get what was sent before they came back. `groups` is reserved in MySQL: the
 * driver quotes it for its dialect.
 */
const LIST_UNDELIVERED_GROUP = (groups: string): string => `
  SELECT m.id AS id, m.group_id AS groupId, g.name AS groupName, m.sender_id AS senderId,
         a.username AS senderUsername, m.content AS content, m.created_at AS createdAt
  FROM group_message_deliveries d
  JOIN group_messages m ON m.id = d.message_id
  JOIN ${groups} g ON g.id = m.group_id
  JOIN accounts a ON a.id = m.sender_id
  JOIN group_members gm ON gm.group_id = m.group_id AND gm.user_id = d.user_id AND gm.joined_at <= m.created_at
  WHERE d.user_id = ? AND d.delivered = 0 AND d.message_id > ?
  ORDER BY d.message_id
  LIMIT ?`;

/** Rows per multi-row INSERT of group deliveries: 3 bound parameters each. */
const DELIVERY_CHUNK = 300;
/** Ids per `IN (...)` list. */
const ID_CHUNK = 500;


export class TypeOrmMessageRepository implements MessageRepository {
  /** SQLite: direct messages delivered one by one are marked together, one statement per batch. */
  private readonly directMarks = new CoalescedIdWrite(operations.markDirectDelivered);

  constructor(private readonly db: Executor) {}

  async saveDirect(message: NewDirectMessage): Promise<DirectMessage | DirectMessageRefusal> {
    const record = MessageMapper.directToPersistence(message);
    const { senderId, receiverId } = record;
    const sqlite = this.db.sqlite;
    let id: MessageId | null;
    if (sqlite) {
      // better-sqlite3 binds no booleans.
      const args = [senderId, receiverId, record.content, message.sentAt, record.delivered ? 1 : 0] as const;
      id = await sqlite.perform(operations.saveDirect, args);
    } else {
      const values = [senderId, record.content, record.createdAt, record.delivered, ...directChecks(senderId, receiverId)];
      id = await this.db.atomically(async (manager) => {
        const inserted: unknown = await manager.query(INSERT_DIRECT, values);
        if (affectedRows(inserted) === 0) return null;
        const stored = generatedId(manager, DirectMessageSchema, inserted);
        await manager.query(MYSQL_UPSERT_CONVERSATION, conversationValues(senderId, receiverId, stored, message.sentAt));
        return stored;
      });
    }
    if (id === null) return this.refusalFor(receiverId);
    return MessageMapper.directToDomain({ id, ...record });
  }

  /** Only after INSERT_DIRECT stored nothing: the hot path never pays for this query. */
  private async refusalFor(receiverId: UserId): Promise<DirectMessageRefusal> {
    const sqlite = this.db.sqlite;
    const found = sqlite
      ? await sqlite.read((s) => s.get(RECEIVER_EXISTS, [receiverId]) !== undefined)
      : await this.db.run(async (manager) => ((await manager.query(RECEIVER_EXISTS, [receiverId])) as unknown[]).length > 0);
    return found ? 'not-allowed' : 'receiver-not-found';
  }

  async markDirectDelivered(ids: readonly MessageId[]): Promise<void> {
    if (ids.length === 0) return;
    const sqlite = this.db.sqlite;
    if (sqlite) {
      await this.directMarks.add(sqlite, ids);
      return;
    }
    await this.db.run(async (manager) => {
      for (const chunk of chunksOf(ids, ID_CHUNK)) await manager.query(MARK_DIRECT_DELIVERED(chunk.length), chunk);
    });
  }

  listUndeliveredDirect(receiverId: UserId, limit: number, afterId: MessageId = 0): Promise<ReceivedDirectMessage[]> {
    const count = Math.floor(limit);
    if (!(count > 0)) return Promise.resolve([]);
    return this.db.run(async (manager) => {
      // afterId is always bound (0 for all of them): one statement text for every call.
      const rows: ReceivedDirectMessageRow[] = await manager.query(LIST_UNDELIVERED_DIRECT, [receiverId, afterId, count]);
      return rows.map((row) => MessageMapper.receivedToDomain(row));
    });
  }

  async saveGroup(message: NewGroupMessage, recipientIds: readonly UserId[]): Promise<GroupMessage> {
    const record = MessageMapper.groupToPersistence(message);
    const sqlite = this.db.sqlite;
    if (sqlite) {
      const args = [record.groupId, record.senderId, record.content, message.sentAt, [...new Set(recipientIds)]] as const;
      const id = await sqlite.perform(operations.saveGroup, args);
      return MessageMapper.groupToDomain({ id, ...record });
    }
    return this.db.atomically(async (manager) => {
      const groups = manager.connection.driver.escape('groups');
      await manager.query(LOCK_GROUP(groups), [record.groupId]);
      const id = await insertReturningId(manager, GroupMessageSchema, record);
      const deliveries = MessageMapper.deliveriesToPersistence(id, recipientIds);
      await insertInChunks(manager, GroupMessageDeliverySchema, deliveries, DELIVERY_CHUNK);
      await manager.query(UPDATE_GROUP_LAST(groups), [id, record.createdAt, record.groupId, id]);
      return MessageMapper.groupToDomain({ id, ...record });
    });
  }

  async markGroupDelivered(messageId: MessageId, recipientIds: readonly UserId[]): Promise<void> {
    if (recipientIds.length === 0) return;
    const sqlite = this.db.sqlite;
    if (sqlite) {
      await sqlite.perform(operations.markGroupDeliveredFor, [messageId, recipientIds]);
      return;
    }
    await this.db.run(async (manager) => {
      for (const chunk of chunksOf(recipientIds, ID_CHUNK)) {
        await manager.query(MARK_GROUP_DELIVERED_FOR(chunk.length), [messageId, ...chunk]);
      }
    });
  }

  listUndeliveredGroup(recipientId: UserId, limit: number, afterId: MessageId = 0): Promise<ReceivedGroupMessage[]> {
    const count = Math.floor(limit);
    if (!(count > 0)) return Promise.resolve([]);
    return this.db.run(async (manager) => {
      const sql = LIST_UNDELIVERED_GROUP(manager.connection.driver.escape('groups'));
      const rows: ReceivedGroupMessageRow[] = await manager.query(sql, [recipientId, afterId, count]);
      return rows.map((row) => MessageMapper.receivedGroupToDomain(row));
    });
  }

  async markGroupDeliveredTo(recipientId: UserId, messageIds: readonly MessageId[]): Promise<void> {
    if (messageIds.length === 0) return;
    const sqlite = this.db.sqlite;
    if (sqlite) {
      await sqlite.perform(operations.markGroupDeliveredTo, [recipientId, messageIds]);
      return;
    }
    await this.db.run(async (manager) => {
      for (const chunk of chunksOf(messageIds, ID_CHUNK)) {
        await manager.query(MARK_GROUP_DELIVERED(chunk.length), [recipientId, ...chunk]);
      }
    });
  }

  async acknowledge(userId: UserId, directIds: readonly MessageId[], groupIds: readonly MessageId[]): Promise<number> {
    if (directIds.length === 0 && groupIds.length === 0) return 0;
    // The group side is markGroupDeliveredTo's statement: it already checks the user and `delivered = 0`.
    const sqlite = this.db.sqlite;
    if (sqlite) {
      return sqlite.perform(operations.acknowledge, [userId, directIds, groupIds]);
    }
    const statements = [
      ...chunksOf(directIds, ID_CHUNK).map((chunk) => ({ sql: ACKNOWLEDGE_DIRECT(chunk.length), chunk })),
      ...chunksOf(groupIds, ID_CHUNK).map((chunk) => ({ sql: MARK_GROUP_DELIVERED(chunk.length), chunk })),
    ];
    const work = async (manager: EntityManager): Promise<number> => {
      let changed = 0;
      // `delivered = 0` in each statement: the rows it matches are the rows it changes.
      for (const { sql, chunk } of statements) changed += affectedRows(await manager.query(sql, [userId, ...chunk]));
      return changed;
    };
    // The count the client gets back must be what was stored: all of it or none.
    return statements.length > 1 ? this.db.atomically(work) : this.db.run(work);
  }
}
