import { affectedRows, chunksOf, placeholders } from './query-helpers';
import { conversationSides } from './sqlite-operations';

/*
 * The MySQL/MariaDB hot write paths, each an operation that writes its statements
 * into a list and later reads its outcome from their results. The same operation
 * runs two ways: batched, with other callers' operations in one transaction sent as
 * multi-statement queries (mysql-batch-writer.ts), or at once, statement by
 * statement, inside a unit of work's transaction (executor.ts). The statements of
 * one operation never depend on a result the client must read first: a generated id
 * travels on in a session variable (`@id`, `@group_message`).
 */

/** A value bound to a statement: mysql2 escapes it into the text. */
export type MysqlValue = string | number | boolean | null;

/** Where an operation writes its statements. */
export interface MysqlStatementList {
  add(sql: string, values: readonly MysqlValue[]): void;
  /**
   * The direct messages to mark delivered in the open batch: one statement for all of
   * a batch's callers, written just before its COMMIT. Null at once (in a unit of
   * work): the operation writes its own statement instead.
   */
  readonly directMarks: Set<number> | null;
  /**
   * Puts a direct message into the open batch's one multi-row INSERT; its outcome
   * arrives as the operation's next result, shaped as an INSERT's (`affectedRows`,
   * `insertId`). Null at once: the operation writes its own statements.
   */
  readonly sendDirect: ((send: DirectSend) => void) | null;
}

export interface MysqlOperation<A extends readonly unknown[], R> {
  readonly name: string;
  /**
   * Where the operation's exclusive row locks rank in a batch: batches take their
   * locks in this order (groups by id), so two batches running side by side wait for
   * each other instead of deadlocking. Null: no lock to order; such jobs keep their
   * call order, after the others.
   */
  lockOrder(args: A): readonly [rank: number, first: number, second: number] | null;
  /**
   * Which batches the job must follow: jobs of one key (a direct message's sender) go
   * to one lane of batches, one after another, so they are stored in call order.
   * Null: no order to keep.
   */
  lane(args: A): number | null;
  write(statements: MysqlStatementList, args: A): void;
  /** The outcome, from the results of the statements `write` added (one each, in order). */
  read(results: readonly unknown[], args: A): R;
}

/** Ids per `IN (...)` list. */
const ID_CHUNK = 500;
/** Rows per multi-row INSERT of group deliveries. */
const DELIVERY_CHUNK = 1000;

/** A direct message to store, as the batch writer gathers them. */
export interface DirectSend {
  readonly senderId: number;
  readonly receiverId: number;
  readonly content: string;
  readonly sentAt: number;
}

/**
 * Direct messages are stored only if they may be sent (PROTOCOL.md §10), checked in
 * the same statement: the receiver exists, neither blocks the other, and the receiver
 * takes messages from everyone or the two are friends (the pair is stored low id
 * first). Every check is a primary-key look-up (LEFT JOINs rather than EXISTS, which
 * MariaDB may answer by reading a whole table). A refused message is simply not
 * inserted. The INSERT ... SELECT reads these rows with shared locks (and locks the
 * gap where a missing block would go), so a block being committed is waited for,
 * never missed. Rows go in `seq` order: the order of the batch's calls.
 */
export function insertDirectMessages(count: number): string {
  const rows = ['SELECT ? AS seq, ? AS sender, ? AS receiver, ? AS content, ? AS at, ? AS lo, ? AS hi'];
  for (let i = 1; i < count; i++) rows.push('SELECT ?, ?, ?, ?, ?, ?, ?');
  return `
  INSERT INTO messages (sender_id, receiver_id, content, created_at, delivered)
  SELECT v.sender, r.id, v.content, v.at, 0
  FROM (${rows.join(' UNION ALL ')}) v
  JOIN accounts r ON r.id = v.receiver
  LEFT JOIN blocks b1 ON b1.blocker_id = r.id AND b1.blocked_id = v.sender
  LEFT JOIN blocks b2 ON b2.blocker_id = v.sender AND b2.blocked_id = r.id
  LEFT JOIN friend_lists f ON f.user_low = v.lo AND f.user_high = v.hi
  WHERE b1.blocker_id IS NULL AND b2.blocker_id IS NULL AND (r.privacy = 'everyone' OR f.user_low IS NOT NULL)
  ORDER BY v.seq`;
}

/** insertDirectMessages' bound values for one message, the `seq`-th. */
export function directSendValues(seq: number, send: DirectSend): MysqlValue[] {
  const { senderId, receiverId } = send;
  return [seq, senderId, receiverId, send.content, send.sentAt, Math.min(senderId, receiverId), Math.max(senderId, receiverId)];
}

/**
 * How many rows the INSERT stored and the first one's id, kept for the statements
 * after it (a refused message leaves LAST_INSERT_ID() as it was: `@inserted` says).
 */
export const REMEMBER_DIRECT = 'SET @inserted = ROW_COUNT(), @id = LAST_INSERT_ID()';

/**
 * The messages a batch's INSERT stored, in id order. The batch's transaction began
 * WITH CONSISTENT SNAPSHOT, before the INSERT took its ids: any other transaction's
 * row with a higher id began after that snapshot and is not seen, so the rows are
 * exactly this batch's, however the server hands out auto-increment ids.
 */
export const STORED_DIRECT = (count: number): string =>
  `SELECT id, sender_id AS senderId, receiver_id AS receiverId FROM messages WHERE @inserted > 0 AND id >= @id ORDER BY id LIMIT ${count}`;

/**
 * Every direct message keeps its pair's row of direct_conversations (the inbox and the
 * unread counts of PROTOCOL.md §9) in the same transaction, with no read. A message
 * counts as unread only above the receiver's read position: a message may commit after
 * a MARK_READ that passed its id, and the position already counts it as read. MySQL
 * assigns left to right, each seeing the ones before: last_message_id comes last.
 * Several rows of one pair in one statement update the row one after another.
 */
const ON_CONVERSATION = `
  ON DUPLICATE KEY UPDATE
    lo_unread = lo_unread + IF(VALUES(last_message_id) > lo_read_up_to, VALUES(lo_unread), 0),
    hi_unread = hi_unread + IF(VALUES(last_message_id) > hi_read_up_to, VALUES(hi_unread), 0),
    last_at = IF(VALUES(last_message_id) > last_message_id, VALUES(last_at), last_at),
    last_message_id = GREATEST(last_message_id, VALUES(last_message_id))`;
const CONVERSATION_COLUMNS = 'INSERT INTO direct_conversations (user_lo, user_hi, last_message_id, last_at, lo_unread, hi_unread)';
/** After a single INSERT: its message's row, unless it was refused. */
const UPSERT_CONVERSATION = `${CONVERSATION_COLUMNS} SELECT ?, ?, @id, ?, ?, ? FROM DUAL WHERE @inserted > 0 ${ON_CONVERSATION}`;
/**
 * After a batch's INSERT, in the same round trip: a row per message it stored, read
 * back by id. Only where one INSERT's ids are consecutive (`innodb_autoinc_lock_mode`
 * 0 or 1: the AUTO-INC lock is held for the statement), so the range holds the
 * batch's rows and no other. Pairs in order: the order their row locks are taken.
 */
export const UPSERT_STORED_CONVERSATIONS = `${CONVERSATION_COLUMNS}
  SELECT LEAST(m.sender_id, m.receiver_id) AS lo, GREATEST(m.sender_id, m.receiver_id) AS hi, m.id, m.created_at,
         m.receiver_id < m.sender_id, m.receiver_id > m.sender_id
  FROM messages m
  WHERE @inserted > 0 AND m.id BETWEEN @id AND @id + (@inserted - 1) * @@auto_increment_increment
  ORDER BY lo, hi, m.id ${ON_CONVERSATION}`;
/** After a batch's INSERT: a row per message stored, with its id. Bound: conversationValues per message. */
export const UPSERT_CONVERSATIONS = (count: number): string =>
  `${CONVERSATION_COLUMNS} VALUES ${Array.from({ length: count }, () => '(?, ?, ?, ?, ?, ?)').join(', ')} ${ON_CONVERSATION}`;

/**
 * The group's row, locked before the message goes in. Inserting the message takes a
 * shared lock on it (the foreign key), and two senders that both hold that lock and
 * then both update the row deadlock; taking the exclusive lock first makes them take
 * turns instead. It also stores a group's messages in id order. `groups` is reserved
 * in MySQL 8: quoted.
 */
const LOCK_GROUP = 'SELECT id FROM `groups` WHERE id = ? FOR UPDATE';
const INSERT_GROUP_MESSAGE = 'INSERT INTO group_messages (group_id, sender_id, content, created_at) VALUES (?, ?, ?, ?)';
const REMEMBER_GROUP_MESSAGE = 'SET @group_message = LAST_INSERT_ID()';
const INSERT_DELIVERIES = (count: number): string =>
  `INSERT INTO group_message_deliveries (message_id, user_id, delivered) VALUES ${Array.from({ length: count }, () => '(@group_message, ?, 0)').join(', ')}`;
/** The group's newest message, kept by every group message stored. */
const UPDATE_GROUP_LAST =
  'UPDATE `groups` SET last_message_id = @group_message, last_message_at = ? WHERE id = ? AND last_message_id < @group_message';

const MARK_DIRECT_DELIVERED = (count: number): string =>
  `UPDATE messages SET delivered = 1 WHERE id IN (${placeholders(count)}) AND delivered = 0`;
/**
 * An acknowledgement (PROTOCOL.md §8) names messages by id only: the receiver check
 * keeps a client from marking someone else's messages delivered.
 */
const ACKNOWLEDGE_DIRECT = (count: number): string =>
  `UPDATE messages SET delivered = 1 WHERE receiver_id = ? AND delivered = 0 AND id IN (${placeholders(count)})`;
const MARK_GROUP_DELIVERED_FOR = (count: number): string =>
  `UPDATE group_message_deliveries SET delivered = 1 WHERE message_id = ? AND user_id IN (${placeholders(count)}) AND delivered = 0`;
const MARK_GROUP_DELIVERED_TO = (count: number): string =>
  `UPDATE group_message_deliveries SET delivered = 1 WHERE user_id = ? AND message_id IN (${placeholders(count)}) AND delivered = 0`;

/** Lock ranks: only group rows are taken per job (conversation rows are taken in one statement per batch). */
const GROUP_ROW = 0;

/** The id an INSERT generated: mysql2 gives a BIGINT as a number while it is safe, as a string beyond. */
export function insertIdOf(result: unknown): number {
  const value: unknown = typeof result === 'object' && result !== null ? Reflect.get(result, 'insertId') : undefined;
  const id = typeof value === 'string' ? Number(value) : value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) throw new Error('The database returned no id for the new row');
  return id;
}

/** Stores a direct message if it may be sent (see INSERT_DIRECT); its id, or null when refused. */
export const saveDirect: MysqlOperation<
  readonly [senderId: number, receiverId: number, content: string, sentAt: number],
  number | null
> = {
  name: 'saveDirect',
  lane: ([senderId]) => senderId,
  // Its INSERT takes shared locks only; the batch updates conversation rows pair by pair.
  lockOrder: () => null,
  write(statements, [senderId, receiverId, content, sentAt]) {
    const send = { senderId, receiverId, content, sentAt };
    if (statements.sendDirect) {
      statements.sendDirect(send);
      return;
    }
    statements.add(insertDirectMessages(1), directSendValues(0, send));
    statements.add(REMEMBER_DIRECT, []);
    const [lo, hi, toLo, toHi] = conversationSides(senderId, receiverId);
    statements.add(UPSERT_CONVERSATION, [lo, hi, sentAt, toLo, toHi]);
  },
  read: ([inserted]) => (affectedRows(inserted) === 0 ? null : insertIdOf(inserted)),
};

/** Marks direct messages delivered (those not yet marked). */
export const markDirectDelivered: MysqlOperation<readonly [ids: readonly number[]], void> = {
  name: 'markDirectDelivered',
  lane: () => null,
  lockOrder: () => null,
  write(statements, [ids]) {
    if (statements.directMarks) {
      for (const id of ids) statements.directMarks.add(id);
      return;
    }
    writeDirectMarks(statements, ids);
  },
  read: () => undefined,
};

/** The statements that mark these direct messages delivered, in id order (the order their row locks are taken). */
export function writeDirectMarks(statements: MysqlStatementList, ids: Iterable<number>): void {
  const sorted = [...ids].sort((a, b) => a - b);
  for (const chunk of chunksOf(sorted, ID_CHUNK)) statements.add(MARK_DIRECT_DELIVERED(chunk.length), chunk);
}

/** Stores a group message and an undelivered row per distinct recipient; the message's id. */
export const saveGroup: MysqlOperation<
  readonly [groupId: number, senderId: number, content: string, sentAt: number, recipientIds: readonly number[]],
  number
> = {
  name: 'saveGroup',
  lane: () => null,
  lockOrder: ([groupId]) => [GROUP_ROW, groupId, 0],
  write(statements, [groupId, senderId, content, sentAt, recipientIds]) {
    statements.add(LOCK_GROUP, [groupId]);
    statements.add(INSERT_GROUP_MESSAGE, [groupId, senderId, content, sentAt]);
    statements.add(REMEMBER_GROUP_MESSAGE, []);
    for (const chunk of chunksOf([...new Set(recipientIds)], DELIVERY_CHUNK)) statements.add(INSERT_DELIVERIES(chunk.length), chunk);
    statements.add(UPDATE_GROUP_LAST, [sentAt, groupId]);
  },
  read: ([, inserted]) => insertIdOf(inserted),
};

/** A statement bound to one id and a list of ids, once per chunk of the list. */
function writeForIds(statements: MysqlStatementList, sql: (count: number) => string, id: number, ids: readonly number[]): void {
  for (const chunk of chunksOf(ids, ID_CHUNK)) statements.add(sql(chunk.length), [id, ...chunk]);
}

/** Marks one group message delivered to these recipients. */
export const markGroupDeliveredFor: MysqlOperation<readonly [messageId: number, recipientIds: readonly number[]], void> = {
  name: 'markGroupDeliveredFor',
  lane: () => null,
  lockOrder: () => null,
  write: (statements, [messageId, recipientIds]) => writeForIds(statements, MARK_GROUP_DELIVERED_FOR, messageId, recipientIds),
  read: () => undefined,
};

/** Marks these group messages delivered to one recipient. */
export const markGroupDeliveredTo: MysqlOperation<readonly [recipientId: number, messageIds: readonly number[]], void> = {
  name: 'markGroupDeliveredTo',
  lane: () => null,
  lockOrder: () => null,
  write: (statements, [recipientId, messageIds]) => writeForIds(statements, MARK_GROUP_DELIVERED_TO, recipientId, messageIds),
  read: () => undefined,
};

/**
 * An ACK (PROTOCOL.md §8): the user's own direct and group messages named, marked
 * delivered; how many were not marked before. `delivered = 0` in each statement: the
 * rows it matches are the rows it changes.
 */
export const acknowledge: MysqlOperation<
  readonly [userId: number, directIds: readonly number[], groupIds: readonly number[]],
  number
> = {
  name: 'acknowledge',
  lane: () => null,
  lockOrder: () => null,
  write(statements, [userId, directIds, groupIds]) {
    writeForIds(statements, ACKNOWLEDGE_DIRECT, userId, directIds);
    writeForIds(statements, MARK_GROUP_DELIVERED_TO, userId, groupIds);
  },
  read: (results) => results.reduce<number>((sum, result) => sum + affectedRows(result), 0),
};
