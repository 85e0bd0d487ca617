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
import type { Executor, MysqlAccess } from '../executor';
import { MessageMapper, type ReceivedDirectMessageRow, type ReceivedGroupMessageRow } from '../mappers';
import * as mysqlOperations from '../mysql-operations';
import * as operations from '../sqlite-operations';
import { CoalescedIdWrite } from '../sqlite-statements';

/*
 * Messages are the hot path, so they are plain parameterized SQL: the query builder
 * costs several times the statement itself. The writes are named operations, run in
 * group-commit batches: SQLite's on its write thread (sqlite-operations.ts), MySQL's
 * as one multi-statement round trip per batch (mysql-operations.ts). The reads here
 * serve both engines: the names are unquoted (none is reserved in SQLite or MySQL),
 * and `delivered = 0` is a literal because SQLite uses the partial index only for a
 * condition it can see in the statement.
 */
/** Why INSERT_DIRECT stored nothing: no such receiver, or not allowed (which of the two is never told apart). */
const RECEIVER_EXISTS = 'SELECT 1 AS found FROM accounts WHERE id = ?';
const LIST_UNDELIVERED_DIRECT = `
  SELECT m.id AS id, m.sender_id AS senderId, a.username AS senderUsername, m.receiver_id AS receiverId,
         m.content AS content, m.created_at AS createdAt
  FROM messages m JOIN accounts a ON a.id = m.sender_id
  WHERE m.receiver_id = ? AND m.delivered = 0 AND m.id > ?
    AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = m.receiver_id AND b.blocked_id = m.sender_id)
  ORDER BY m.id
  LIMIT ?`;
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

export class TypeOrmMessageRepository implements MessageRepository {
  /** SQLite: direct messages delivered one by one are marked together, one statement per batch. */
  private readonly directMarks = new CoalescedIdWrite(operations.markDirectDelivered);

  constructor(private readonly db: Executor) {}

  async saveDirect(message: NewDirectMessage): Promise<DirectMessage | DirectMessageRefusal> {
    const record = MessageMapper.directToPersistence(message);
    const { senderId, receiverId } = record;
    const sqlite = this.db.sqlite;
    // better-sqlite3 binds no booleans.
    const id: MessageId | null = sqlite
      ? await sqlite.perform(operations.saveDirect, [senderId, receiverId, record.content, message.sentAt, record.delivered ? 1 : 0])
      : await this.mysql().perform(mysqlOperations.saveDirect, [senderId, receiverId, record.content, message.sentAt]);
    if (id === null) return this.refusalFor(receiverId);
    return MessageMapper.directToDomain({ id, ...record });
  }

  /** Only after the insert stored nothing: the hot path never pays for this query. */
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
    if (sqlite) await this.directMarks.add(sqlite, ids);
    else await this.mysql().perform(mysqlOperations.markDirectDelivered, [ids]);
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
    const recipients = [...new Set(recipientIds)];
    const sqlite = this.db.sqlite;
    const id = sqlite
      ? await sqlite.perform(operations.saveGroup, [record.groupId, record.senderId, record.content, message.sentAt, recipients])
      : await this.mysql().perform(mysqlOperations.saveGroup, [record.groupId, record.senderId, record.content, message.sentAt, recipients]);
    return MessageMapper.groupToDomain({ id, ...record });
  }

  async markGroupDelivered(messageId: MessageId, recipientIds: readonly UserId[]): Promise<void> {
    if (recipientIds.length === 0) return;
    const sqlite = this.db.sqlite;
    if (sqlite) await sqlite.perform(operations.markGroupDeliveredFor, [messageId, recipientIds]);
    else await this.mysql().perform(mysqlOperations.markGroupDeliveredFor, [messageId, recipientIds]);
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
    if (sqlite) await sqlite.perform(operations.markGroupDeliveredTo, [recipientId, messageIds]);
    else await this.mysql().perform(mysqlOperations.markGroupDeliveredTo, [recipientId, messageIds]);
  }

  async acknowledge(userId: UserId, directIds: readonly MessageId[], groupIds: readonly MessageId[]): Promise<number> {
    if (directIds.length === 0 && groupIds.length === 0) return 0;
    // The count the client gets back must be what was stored: all of it or none (one transaction either way).
    const sqlite = this.db.sqlite;
    return sqlite
      ? sqlite.perform(operations.acknowledge, [userId, directIds, groupIds])
      : this.mysql().perform(mysqlOperations.acknowledge, [userId, directIds, groupIds]);
  }

  /** MySQL/MariaDB: where the write operations run (a batch, or the unit of work's transaction). */
  private mysql(): MysqlAccess {
    const access = this.db.mysql;
    if (!access) throw new Error('The message repository was given an executor for neither SQLite nor MySQL');
    return access;
  }
}
