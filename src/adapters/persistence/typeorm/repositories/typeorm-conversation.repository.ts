import type { EntityManager } from 'typeorm';
import type { ConversationRepository } from '../../../../application/ports';
import {
  messageKey,
  type ConversationSummary,
  type GroupId,
  type HistoryMessage,
  type MessageId,
  type MessageRef,
  type ReadMark,
  type UserId,
} from '../../../../domain';
import type { Executor } from '../executor';
import { ConversationMapper, type ConversationRow, type HistoryRow } from '../mappers';
import { chunksOf, placeholders } from '../query-helpers';
import type { SqliteStatements, SqliteValue } from '../sqlite-statements';

/*
 * History, read state and the inbox (PROTOCOL.md §9) over what the message writes
 * keep: direct_conversations (a row per pair: newest message, read positions, unread
 * counts), groups.last_message_*, and group_members' read position and the group's
 * newest message when the membership began. A member sees a group message when
 * `id > joined_after_message_id AND created_at >= joined_at`: the id bound makes it an
 * index range, the time keeps the rule offline delivery follows.
 *
 * Each operation is a script of statements written once for both engines (see
 * Script). `groups` is reserved in MySQL, and only MySQL runs transactions beside
 * each other, so a mark there locks the row its read position is kept in: those two
 * differ per engine.
 */

/** One statement's text per engine. */
interface Sql {
  readonly sqlite: string;
  readonly mysql: string;
}

/**
 * SQL whose text differs per engine only in how `groups` is quoted, whether a read
 * locks, and a hint for the conversation index. MariaDB's optimizer, for a user who
 * sent much of the table, prefers walking the primary key back from a high id to the
 * range of (sender_id, receiver_id, id): thousands of rows read for a page of 50.
 */
function sql(text: (groups: string, forUpdate: string, conversationIndex: string) => string): Sql {
  return {
    sqlite: text('"groups"', '', ''),
    mysql: text('`groups`', ' FOR UPDATE', ' FORCE INDEX (IDX_messages_sender_receiver)'),
  };
}

interface Statement {
  readonly sql: Sql;
  readonly values: readonly SqliteValue[];
  /** Whether it returns rows (a SELECT) or only writes. */
  readonly returnsRows: boolean;
}

const select = (text: Sql, values: readonly SqliteValue[]): Statement => ({ sql: text, values, returnsRows: true });
const write = (text: Sql, values: readonly SqliteValue[]): Statement => ({ sql: text, values, returnsRows: false });

/**
 * Work of several statements, written once: it yields each statement and is handed
 * back its rows (none for a write). SQLite runs it synchronously on prepared
 * statements, inside one read snapshot or one savepoint; MySQL awaits each statement
 * on one connection, inside a transaction when the work writes.
 */
type Script<T> = Generator<Statement, T, unknown[]>;

function runOnSqlite<T>(script: Script<T>, statements: SqliteStatements): T {
  let step = script.next();
  while (!step.done) {
    const { sql: text, values, returnsRows } = step.value;
    if (returnsRows) {
      step = script.next(statements.all(text.sqlite, values));
    } else {
      statements.run(text.sqlite, values);
      step = script.next([]);
    }
  }
  return step.value;
}

async function runOnMysql<T>(script: Script<T>, manager: EntityManager): Promise<T> {
  let step = script.next();
  while (!step.done) {
    const { sql: text, values, returnsRows } = step.value;
    const result: unknown = await manager.query(text.mysql, [...values]);
    step = script.next(returnsRows && Array.isArray(result) ? result : []);
  }
  return step.value;
}

/**
 * Each direction of a direct conversation is one range of IDX_messages_sender_receiver,
 * newest first, cut at the page size before the two are merged. Whether the receiver
 * has read a message comes from the pair's read positions.
 */
const DIRECT_HISTORY = sql((_groups, _forUpdate, conversationIndex) => `
  SELECT h.id AS id, h.sender_id AS senderId, a.username AS senderUsername, h.content AS content,
         h.created_at AS createdAt,
         CASE WHEN h.receiver_id = c.user_lo THEN h.id <= c.lo_read_up_to ELSE h.id <= c.hi_read_up_to END AS isRead
  FROM (
    SELECT x.id, x.sender_id, x.receiver_id, x.content, x.created_at FROM (
      SELECT id, sender_id, receiver_id, content, created_at FROM messages${conversationIndex}
      WHERE sender_id = ? AND receiver_id = ? AND id <= ? ORDER BY id DESC LIMIT ?
    ) x
    UNION ALL
    SELECT y.id, y.sender_id, y.receiver_id, y.content, y.created_at FROM (
      SELECT id, sender_id, receiver_id, content, created_at FROM messages${conversationIndex}
      WHERE sender_id = ? AND receiver_id = ? AND id <= ? ORDER BY id DESC LIMIT ?
    ) y
  ) h
  JOIN accounts a ON a.id = h.sender_id
  LEFT JOIN direct_conversations c ON c.user_lo = ? AND c.user_hi = ?
  ORDER BY h.id DESC
  LIMIT ?`);

/** The member's row: where their view of the group begins and what they have read. */
const MEMBER_TEXT = (lock: string): string => `
  SELECT joined_at AS joinedAt, joined_after_message_id AS joinedAfter, last_read_message_id AS lastRead
  FROM group_members WHERE group_id = ? AND user_id = ?${lock}`;
const MEMBER = sql(() => MEMBER_TEXT(''));
/** On MySQL locked until the mark commits, so two marks by one member take turns. */
const MEMBER_FOR_UPDATE = sql((_groups, forUpdate) => MEMBER_TEXT(forUpdate));

/** One range of IDX_group_messages_group (group_id, id), newest first. */
const GROUP_HISTORY = sql(() => `
  SELECT m.id AS id, m.sender_id AS senderId, a.username AS senderUsername, m.content AS content,
         m.created_at AS createdAt,
         CASE WHEN m.sender_id = ? OR m.id <= ? THEN 1 ELSE 0 END AS isRead
  FROM group_messages m JOIN accounts a ON a.id = m.sender_id
  WHERE m.group_id = ? AND m.id > ? AND m.id <= ? AND m.created_at >= ?
  ORDER BY m.id DESC
  LIMIT ?`);

/** The reader's side of the pair: its read position, locked on MySQL until the mark commits. */
const PAIR_POSITION = (side: Side): Sql =>
  sql((_groups, forUpdate) => `
  SELECT ${side}_read_up_to AS readUpTo FROM direct_conversations
  WHERE user_lo = ? AND user_hi = ?${forUpdate}`);

/**
 * The messages from the sender to the reader that a mark makes read, as the
 * transaction's snapshot has them (taken once the pair's row is locked). Not a locking
 * read: on MySQL a message being sent meanwhile holds its new row and waits for the
 * pair's row, which the mark holds. Should such a message commit below the new
 * position, the conversation upsert counts it as read, so the unread count stays right.
 * (Inside a unit of work that read before, the snapshot is as old as that read.)
 */
const DIRECT_NEWLY_READ = sql((_groups, _forUpdate, conversationIndex) => `
  SELECT MAX(id) AS newest, COUNT(*) AS changed FROM messages${conversationIndex}
  WHERE sender_id = ? AND receiver_id = ? AND id > ? AND id <= ?`);

const SET_PAIR_POSITION = (side: Side): Sql =>
  sql(() => `
  UPDATE direct_conversations SET ${side}_read_up_to = ?, ${side}_unread = ${side}_unread - ?
  WHERE user_lo = ? AND user_hi = ?`);

/**
 * SQLite: the messages a mark made read, delivered in one range of either index (the
 * conversation's or the partial one of undelivered messages). `delivered = 0` is a
 * literal so SQLite can use the partial index.
 */
const MARK_DIRECT_DELIVERED = sql(() => `
  UPDATE messages SET delivered = 1
  WHERE receiver_id = ? AND delivered = 0 AND sender_id = ? AND id > ? AND id <= ?`);

/**
 * MySQL: the undelivered ones among them, then each updated by its primary key. A
 * range UPDATE locks the index entry past its end too, which may be a message being
 * sent that waits for the pair's row: a deadlock.
 */
const DIRECT_UNDELIVERED = sql((_groups, _forUpdate, conversationIndex) => `
  SELECT id FROM messages${conversationIndex} WHERE sender_id = ? AND receiver_id = ? AND id > ? AND id <= ? AND delivered = 0`);
const MARK_DIRECT_DELIVERED_BY_ID = (count: number): Sql =>
  sql(() => `UPDATE messages SET delivered = 1 WHERE id IN (${placeholders(count)}) AND delivered = 0`);
/** Ids per `IN (...)` list. */
const ID_CHUNK = 500;

/** The visible group messages a mark passes: the newest of all, and how many (and the newest) of others'. */
const GROUP_NEWLY_READ = sql(() => `
  SELECT MAX(id) AS newest,
         COUNT(CASE WHEN sender_id <> ? THEN 1 END) AS changed,
         MAX(CASE WHEN sender_id <> ? THEN id END) AS newestOfOthers
  FROM group_messages
  WHERE group_id = ? AND id > ? AND id <= ? AND created_at >= ?`);

const SET_MEMBER_POSITION = sql(() => `
  UPDATE group_members SET last_read_message_id = ? WHERE group_id = ? AND user_id = ?`);

/** The reader's undelivered rows of the group's messages a mark made read (a range of the partial index). */
const MARK_GROUP_DELIVERED = sql(() => `
  UPDATE group_message_deliveries SET delivered = 1
  WHERE user_id = ? AND delivered = 0 AND message_id > ? AND message_id <= ?
    AND EXISTS (SELECT 1 FROM group_messages m
                WHERE m.id = group_message_deliveries.message_id AND m.group_id = ? AND m.created_at >= ?)`);

/** When a direct message the user sent or received was sent. */
const DIRECT_CURSOR = sql(() => `
  SELECT created_at AS createdAt FROM messages WHERE id = ? AND (sender_id = ? OR receiver_id = ?)`);

/** When a message of a group the user is a member of was sent. */
const GROUP_CURSOR = sql(() => `
  SELECT m.created_at AS createdAt
  FROM group_messages m JOIN group_members gm ON gm.group_id = m.group_id AND gm.user_id = ?
  WHERE m.id = ?`);

/**
 * The inbox: the user's side of each pair (the primary key's range for user_lo, the
 * index for user_hi) and each membership whose group's newest message the member can
 * see, ordered by (time, client id) of that message, after the cursor. Names and a
 * group's unread count (a range of IDX_group_messages_group) only for the page's rows.
 * A client id is 2n for a direct message, 2n + 1 for a group message (messageKey).
 */
const CONVERSATIONS = sql((groups) => `
  SELECT p.kind AS kind, p.peerId AS peerId, p.lastId AS lastId, p.lastAt AS lastAt,
         CASE WHEN p.kind = 0 THEN (SELECT a.username FROM accounts a WHERE a.id = p.peerId)
              ELSE (SELECT g.name FROM ${groups} g WHERE g.id = p.peerId) END AS name,
         CASE WHEN p.kind = 0 THEN p.unread
              ELSE (SELECT COUNT(*) FROM group_messages m
                    WHERE m.group_id = p.peerId AND m.id > p.readFrom AND m.created_at >= p.joinedAt
                      AND m.sender_id <> ?) END AS unread
  FROM (
    SELECT 0 AS kind, c.user_hi AS peerId, c.last_message_id AS lastId, c.last_at AS lastAt,
           2 * c.last_message_id AS clientId, c.lo_unread AS unread, 0 AS readFrom, 0 AS joinedAt
    FROM direct_conversations c
    WHERE c.user_lo = ? AND (c.last_at < ? OR (c.last_at = ? AND 2 * c.last_message_id < ?))
    UNION ALL
    SELECT 0, c.user_lo, c.last_message_id, c.last_at, 2 * c.last_message_id, c.hi_unread, 0, 0
    FROM direct_conversations c
    WHERE c.user_hi = ? AND (c.last_at < ? OR (c.last_at = ? AND 2 * c.last_message_id < ?))
    UNION ALL
    SELECT 1, gm.group_id, g.last_message_id, g.last_message_at, 2 * g.last_message_id + 1, 0,
           CASE WHEN gm.last_read_message_id > gm.joined_after_message_id
                THEN gm.last_read_message_id ELSE gm.joined_after_message_id END,
           gm.joined_at
    FROM group_members gm JOIN ${groups} g ON g.id = gm.group_id
    WHERE gm.user_id = ? AND g.last_message_id > gm.joined_after_message_id AND g.last_message_at >= gm.joined_at
      AND (g.last_message_at < ? OR (g.last_message_at = ? AND 2 * g.last_message_id + 1 < ?))
    ORDER BY lastAt DESC, clientId DESC
    LIMIT ?
  ) p
  ORDER BY p.lastAt DESC, p.clientId DESC`);

type Side = 'lo' | 'hi';

interface MemberRow {
  joinedAt: number | string;
  joinedAfter: number;
  lastRead: number;
}

const NOTHING_READ: ReadMark = { changed: 0, upToId: 0 };
/** Past every id and time: the cursor of a first page. */
const END = Number.MAX_SAFE_INTEGER;

/** An id bound as the databases can compare it. */
function idBound(id: MessageId): number {
  return Number.isFinite(id) ? Math.floor(id) : END;
}

/** A page size; none for anything below 1. */
function pageSize(limit: number): number {
  const count = Math.floor(limit);
  return count > 0 ? count : 0;
}

function* directHistory(userId: UserId, peerId: UserId, upToId: MessageId, limit: number): Script<HistoryMessage[]> {
  const upTo = idBound(upToId);
  const rows = yield select(DIRECT_HISTORY, [
    peerId, userId, upTo, limit,
    userId, peerId, upTo, limit,
    Math.min(userId, peerId), Math.max(userId, peerId),
    limit,
  ]);
  return (rows as HistoryRow[]).map((row) => ConversationMapper.historyToDomain('direct', row));
}

function* groupHistory(userId: UserId, groupId: GroupId, upToId: MessageId, limit: number): Script<HistoryMessage[] | null> {
  const [member] = (yield select(MEMBER, [groupId, userId])) as MemberRow[];
  if (!member) return null;
  const rows = yield select(GROUP_HISTORY, [
    userId, member.lastRead,
    groupId, member.joinedAfter, idBound(upToId), member.joinedAt,
    limit,
  ]);
  return (rows as HistoryRow[]).map((row) => ConversationMapper.historyToDomain('group', row));
}

/** `concurrent`: transactions run beside each other (MySQL), so the writes must not lock what they need not. */
function* markDirectRead(readerId: UserId, senderId: UserId, upToId: MessageId, concurrent: boolean): Script<ReadMark> {
  const lo = Math.min(readerId, senderId);
  const hi = Math.max(readerId, senderId);
  const side: Side = readerId === lo ? 'lo' : 'hi';
  const [pair] = (yield select(PAIR_POSITION(side), [lo, hi])) as { readUpTo: number }[];
  if (!pair) return NOTHING_READ;
  const from = Number(pair.readUpTo);
  const [read] = (yield select(DIRECT_NEWLY_READ, [senderId, readerId, from, idBound(upToId)])) as {
    newest: number | null;
    changed: number | string;
  }[];
  // An aggregate always answers one row; MAX is NULL when no message is in the range.
  if (!read || read.newest === null) return NOTHING_READ;
  const newest = Number(read.newest);
  const changed = Number(read.changed);
  yield write(SET_PAIR_POSITION(side), [newest, changed, lo, hi]);
  if (concurrent) {
    const undelivered = (yield select(DIRECT_UNDELIVERED, [senderId, readerId, from, newest])) as { id: number }[];
    for (const chunk of chunksOf(undelivered.map((row) => Number(row.id)), ID_CHUNK)) {
      yield write(MARK_DIRECT_DELIVERED_BY_ID(chunk.length), chunk);
    }
  } else {
    yield write(MARK_DIRECT_DELIVERED, [readerId, senderId, from, newest]);
  }
  return { changed, upToId: newest };
}

function* markGroupRead(readerId: UserId, groupId: GroupId, upToId: MessageId): Script<ReadMark | null> {
  const [member] = (yield select(MEMBER_FOR_UPDATE, [groupId, readerId])) as MemberRow[];
  if (!member) return null;
  const from = Math.max(Number(member.lastRead), Number(member.joinedAfter));
  const [read] = (yield select(GROUP_NEWLY_READ, [
    readerId, readerId,
    groupId, from, idBound(upToId), member.joinedAt,
  ])) as { newest: number | null; changed: number | string; newestOfOthers: number | null }[];
  if (!read || read.newest === null) return NOTHING_READ;
  const newest = Number(read.newest);
  yield write(SET_MEMBER_POSITION, [newest, groupId, readerId]);
  yield write(MARK_GROUP_DELIVERED, [readerId, from, newest, groupId, member.joinedAt]);
  const changed = Number(read.changed);
  return { changed, upToId: changed > 0 ? Number(read.newestOfOthers) : 0 };
}

function* listConversations(userId: UserId, limit: number, before: MessageRef | null): Script<ConversationSummary[]> {
  let at = END;
  let clientId = END;
  if (before !== null) {
    const cursor =
      before.kind === 'direct'
        ? select(DIRECT_CURSOR, [before.id, userId, userId])
        : select(GROUP_CURSOR, [userId, before.id]);
    const [found] = (yield cursor) as { createdAt: number | string }[];
    if (!found) return [];
    at = Number(found.createdAt);
    clientId = messageKey(before.kind, before.id);
  }
  const rows = yield select(CONVERSATIONS, [
    userId,
    userId, at, at, clientId,
    userId, at, at, clientId,
    userId, at, at, clientId,
    limit,
  ]);
  return (rows as ConversationRow[]).map((row) => ConversationMapper.summaryToDomain(row));
}

export class TypeOrmConversationRepository implements ConversationRepository {
  constructor(private readonly db: Executor) {}

  directHistory(userId: UserId, peerId: UserId, upToId: MessageId, limit: number): Promise<HistoryMessage[]> {
    const count = pageSize(limit);
    if (count === 0) return Promise.resolve([]);
    return this.read(() => directHistory(userId, peerId, upToId, count));
  }

  groupHistory(userId: UserId, groupId: GroupId, upToId: MessageId, limit: number): Promise<HistoryMessage[] | null> {
    // Even for no rows: a non-member gets null.
    return this.read(() => groupHistory(userId, groupId, upToId, pageSize(limit)));
  }

  markDirectRead(readerId: UserId, senderId: UserId, upToId: MessageId): Promise<ReadMark> {
    if (readerId === senderId) return Promise.resolve(NOTHING_READ);
    return this.write(() => markDirectRead(readerId, senderId, upToId, this.db.sqlite === undefined));
  }

  markGroupRead(readerId: UserId, groupId: GroupId, upToId: MessageId): Promise<ReadMark | null> {
    return this.write(() => markGroupRead(readerId, groupId, upToId));
  }

  listConversations(userId: UserId, limit: number, before: MessageRef | null): Promise<ConversationSummary[]> {
    const count = pageSize(limit);
    if (count === 0) return Promise.resolve([]);
    return this.read(() => listConversations(userId, count, before));
  }

  /** A script of reads: one snapshot on SQLite, one connection on MySQL. */
  private read<T>(script: () => Script<T>): Promise<T> {
    const sqlite = this.db.sqlite;
    if (sqlite) return sqlite.read((s) => runOnSqlite(script(), s));
    return this.db.run((manager) => runOnMysql(script(), manager));
  }

  /** A script that writes: all of it is stored, or none. */
  private write<T>(script: () => Script<T>): Promise<T> {
    const sqlite = this.db.sqlite;
    if (sqlite) return sqlite.writeAtomically((s) => runOnSqlite(script(), s));
    return this.db.atomically((manager) => runOnMysql(script(), manager));
  }
}
