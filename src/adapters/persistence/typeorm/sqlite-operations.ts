import type { SqliteStatements, SqliteValue } from './sqlite-prepared';

/*
 * The SQLite write paths that run on the write thread (see sqlite-write-thread.ts).
 * A closure cannot cross threads, so each is an operation with a name: the main
 * thread sends the name and plain arguments, and whichever connection runs the
 * batch looks the operation up here. This module imports nothing but the prepared
 * statements, so the write thread loads little; the same operations run on the
 * main thread's connection when there is no write thread (`:memory:`) and inside a
 * unit of work's transaction.
 */

/** Work gathered over a batch's jobs and written once, just before the batch commits. */
export interface BatchWork {
  flush(statements: SqliteStatements): void;
  /** The batch was lost: forget what was gathered for it. */
  discard(): void;
}

/** One kind of batch work: a batch holds at most one of each, made on first use. */
export interface BatchWorkKind<W extends BatchWork> {
  readonly key: string;
  create(): W;
}

/** What an operation runs with. */
export interface OperationContext {
  readonly statements: SqliteStatements;
  /**
   * The open batch's work of this kind, written after all its jobs and before its
   * COMMIT (should that throw, the batch is lost as if its COMMIT had failed). Null
   * inside a unit of work's transaction: the operation writes at once instead.
   */
  gathered<W extends BatchWork>(kind: BatchWorkKind<W>): W | null;
}

export interface SqliteOperation<A extends readonly unknown[], R> {
  readonly name: string;
  /** Whether these arguments make several statements, to be stored together or not at all (a savepoint). */
  atomic(args: A): boolean;
  run(context: OperationContext, args: A): R;
}

/** Builds batch-free contexts: for a unit of work's transaction, where operations write at once. */
export function immediateContext(statements: SqliteStatements): OperationContext {
  return { statements, gathered: () => null };
}

/** A batch's gathered work, by kind: filled by its jobs, flushed before its COMMIT, or discarded. */
export class GatheredWork {
  private readonly works = new Map<string, BatchWork>();

  context(statements: SqliteStatements): OperationContext {
    return {
      statements,
      gathered: <W extends BatchWork>(kind: BatchWorkKind<W>): W => {
        let work = this.works.get(kind.key) as W | undefined;
        if (work === undefined) {
          work = kind.create();
          this.works.set(kind.key, work);
        }
        return work;
      },
    };
  }

  flush(statements: SqliteStatements): void {
    for (const work of this.works.values()) work.flush(statements);
  }

  discard(): void {
    for (const work of this.works.values()) work.discard();
  }

  clear(): void {
    this.works.clear();
  }
}

/** `json_each(?)` takes a list of ids as one bound value: one prepared statement for any length. */
export function jsonIds(ids: readonly number[]): string {
  return JSON.stringify(ids);
}

// ---------------------------------------------------------------------------------
// Direct messages

/**
 * A direct message is stored only if it may be sent (PROTOCOL.md §10), checked in the
 * same statement: the receiver exists, neither blocks the other (two primary-key
 * look-ups), and the receiver takes messages from everyone or the two are friends
 * (the pair is stored low id first). Nothing inserted means refused; only then does a
 * second query tell which (see the message repository). MySQL stores a batch's direct
 * messages with one statement of its own (mysql-operations.ts).
 * Bound: sender, content, time, delivered, receiver, sender, sender, low id, high id.
 */
export const INSERT_DIRECT = `
  INSERT INTO messages (sender_id, receiver_id, content, created_at, delivered)
  SELECT ?, r.id, ?, ?, ? FROM accounts r
  WHERE r.id = ?
    AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = r.id AND b.blocked_id = ?)
    AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = ? AND b.blocked_id = r.id)
    AND (r.privacy = 'everyone' OR EXISTS (SELECT 1 FROM friend_lists f WHERE f.user_low = ? AND f.user_high = ?))`;

/** INSERT_DIRECT's bound values after the first four. */
export function directChecks(senderId: number, receiverId: number): number[] {
  return [receiverId, senderId, senderId, Math.min(senderId, receiverId), Math.max(senderId, receiverId)];
}

/**
 * The bound values of the conversation upsert for a direct message stored with this
 * id: the pair (lower id first), the newest message's id and time, and how many
 * messages went to each side.
 */
export function conversationValues(senderId: number, receiverId: number, id: number, sentAt: number): number[] {
  const [lo, hi, toLo, toHi] = conversationSides(senderId, receiverId);
  return [lo, hi, id, sentAt, toLo, toHi];
}

/** A direct message's pair (lower id first), and how many messages it adds to each side (1 and 0). */
export function conversationSides(senderId: number, receiverId: number): [lo: number, hi: number, toLo: number, toHi: number] {
  const lo = Math.min(senderId, receiverId);
  const toLo = receiverId === lo ? 1 : 0;
  return [lo, Math.max(senderId, receiverId), toLo, 1 - toLo];
}

const ADD_TO_CONVERSATION = `
  INSERT INTO direct_conversations (user_lo, user_hi, last_message_id, last_at, lo_unread, hi_unread)
  VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (user_lo, user_hi) DO UPDATE SET
    last_message_id = MAX(last_message_id, excluded.last_message_id),
    last_at = CASE WHEN excluded.last_message_id > last_message_id THEN excluded.last_at ELSE last_at END,
    lo_unread = lo_unread + excluded.lo_unread,
    hi_unread = hi_unread + excluded.hi_unread`;
const DELETE_DIRECT = 'DELETE FROM messages WHERE id = ?';

/** The conversation rows a batch's direct messages change, gathered per pair. */
class PendingConversations implements BatchWork {
  private readonly pairs = new Map<string, number[]>();

  add(row: readonly number[]): void {
    const [lo, hi, id, at, toLo, toHi] = row as [number, number, number, number, number, number];
    const key = `${lo}:${hi}`;
    const pending = this.pairs.get(key);
    if (pending === undefined) {
      this.pairs.set(key, [lo, hi, id, at, toLo, toHi]);
      return;
    }
    if (id > pending[2]!) {
      pending[2] = id;
      pending[3] = at;
    }
    pending[4]! += toLo;
    pending[5]! += toHi;
  }

  flush(statements: SqliteStatements): void {
    for (const row of this.pairs.values()) statements.run(ADD_TO_CONVERSATION, row);
    this.pairs.clear();
  }

  discard(): void {
    this.pairs.clear();
  }
}

const CONVERSATIONS: BatchWorkKind<PendingConversations> = {
  key: 'direct-conversations',
  create: () => new PendingConversations(),
};

/** Sender, receiver, content, time, delivered (0 or 1). */
type SaveDirectArgs = readonly [senderId: number, receiverId: number, content: string, createdAt: number, delivered: number];

/** Stores a direct message if it may be sent: its id, or null when refused. */
export const saveDirect: SqliteOperation<SaveDirectArgs, number | null> = {
  name: 'saveDirect',
  atomic: () => false,
  run({ statements, gathered }, [senderId, receiverId, content, createdAt, delivered]) {
    const inserted = statements.run(INSERT_DIRECT, [
      senderId,
      content,
      createdAt,
      delivered,
      ...directChecks(senderId, receiverId),
    ]);
    if (inserted.changes === 0) return null;
    const id = Number(inserted.lastInsertRowid);
    const row = conversationValues(senderId, receiverId, id, createdAt);
    // In a batch, a pair of two users: its row is written once per batch.
    const pending = senderId !== receiverId ? gathered(CONVERSATIONS) : null;
    if (pending) {
      pending.add(row);
      return id;
    }
    // Two statements, and no savepoint around them: the message is undone by hand instead.
    try {
      statements.run(ADD_TO_CONVERSATION, row);
    } catch (error) {
      // An I/O error or a full disk may have ended the whole transaction, the insert with it.
      if (statements.inTransaction) statements.run(DELETE_DIRECT, [id]);
      throw error;
    }
    return id;
  },
};

const MARK_DIRECT_DELIVERED_ONE = 'UPDATE messages SET delivered = 1 WHERE id = ? AND delivered = 0';
const MARK_DIRECT_DELIVERED =
  'UPDATE messages SET delivered = 1 WHERE id IN (SELECT value FROM json_each(?)) AND delivered = 0';

export const markDirectDelivered: SqliteOperation<readonly [ids: readonly number[]], void> = {
  name: 'markDirectDelivered',
  atomic: () => false,
  run({ statements }, [ids]) {
    if (ids.length === 1) statements.run(MARK_DIRECT_DELIVERED_ONE, [ids[0]!]);
    else statements.run(MARK_DIRECT_DELIVERED, [jsonIds(ids)]);
  },
};

// ---------------------------------------------------------------------------------
// Group messages

const INSERT_GROUP = 'INSERT INTO group_messages (group_id, sender_id, content, created_at) VALUES (?, ?, ?, ?)';
const INSERT_DELIVERIES = `INSERT INTO group_message_deliveries (message_id, user_id, delivered)
  SELECT ?, value, 0 FROM json_each(?)`;
/** The group's newest message, kept by every group message stored. */
const UPDATE_GROUP_LAST = 'UPDATE "groups" SET last_message_id = ?, last_message_at = ? WHERE id = ? AND last_message_id < ?';

/** Group, sender, content, time, recipients (no repeats). */
type SaveGroupArgs = readonly [groupId: number, senderId: number, content: string, createdAt: number, recipientIds: readonly number[]];

/** Stores a group message with a delivery row per recipient: its id. */
export const saveGroup: SqliteOperation<SaveGroupArgs, number> = {
  name: 'saveGroup',
  atomic: () => true,
  run({ statements }, [groupId, senderId, content, createdAt, recipientIds]) {
    const id = Number(statements.run(INSERT_GROUP, [groupId, senderId, content, createdAt]).lastInsertRowid);
    statements.run(INSERT_DELIVERIES, [id, jsonIds(recipientIds)]);
    statements.run(UPDATE_GROUP_LAST, [id, createdAt, groupId, id]);
    return id;
  },
};

const MARK_GROUP_DELIVERED_FOR = `UPDATE group_message_deliveries SET delivered = 1
  WHERE message_id = ? AND user_id IN (SELECT value FROM json_each(?)) AND delivered = 0`;
const MARK_GROUP_DELIVERED = `UPDATE group_message_deliveries SET delivered = 1
  WHERE user_id = ? AND message_id IN (SELECT value FROM json_each(?)) AND delivered = 0`;
const ACKNOWLEDGE_DIRECT = `UPDATE messages SET delivered = 1
  WHERE receiver_id = ? AND delivered = 0 AND id IN (SELECT value FROM json_each(?))`;

/** One group message delivered to these recipients. */
export const markGroupDeliveredFor: SqliteOperation<readonly [messageId: number, recipientIds: readonly number[]], void> = {
  name: 'markGroupDeliveredFor',
  atomic: () => false,
  run({ statements }, [messageId, recipientIds]) {
    statements.run(MARK_GROUP_DELIVERED_FOR, [messageId, jsonIds(recipientIds)]);
  },
};

/** These group messages delivered to one recipient. */
export const markGroupDeliveredTo: SqliteOperation<readonly [recipientId: number, messageIds: readonly number[]], void> = {
  name: 'markGroupDeliveredTo',
  atomic: () => false,
  run({ statements }, [recipientId, messageIds]) {
    statements.run(MARK_GROUP_DELIVERED, [recipientId, jsonIds(messageIds)]);
  },
};

/** PROTOCOL.md §8's ACK: the messages of the user's that it marked delivered. */
export const acknowledge: SqliteOperation<
  readonly [userId: number, directIds: readonly number[], groupIds: readonly number[]],
  number
> = {
  name: 'acknowledge',
  // The count the client gets back must be what was stored: all of it or none.
  atomic: ([, directIds, groupIds]) => directIds.length > 0 && groupIds.length > 0,
  run({ statements }, [userId, directIds, groupIds]) {
    // The group side is markGroupDeliveredTo's statement: it already checks the user and `delivered = 0`.
    return (
      (directIds.length > 0 ? statements.run(ACKNOWLEDGE_DIRECT, [userId, jsonIds(directIds)]).changes : 0) +
      (groupIds.length > 0 ? statements.run(MARK_GROUP_DELIVERED, [userId, jsonIds(groupIds)]).changes : 0)
    );
  },
};

// ---------------------------------------------------------------------------------
// Sessions

export const deleteSession: SqliteOperation<readonly [sessionId: number], void> = {
  name: 'deleteSession',
  atomic: () => false,
  run({ statements }, [sessionId]) {
    statements.run('DELETE FROM sessions WHERE id = ?', [sessionId]);
  },
};

/** Every operation, by name: what the write thread can be asked to run. */
const OPERATIONS: ReadonlyMap<string, SqliteOperation<never, unknown>> = new Map(
  [saveDirect, markDirectDelivered, saveGroup, markGroupDeliveredFor, markGroupDeliveredTo, acknowledge, deleteSession].map(
    (operation) => [operation.name, operation as SqliteOperation<never, unknown>],
  ),
);

export function operationNamed(name: string): SqliteOperation<readonly unknown[], unknown> | undefined {
  return OPERATIONS.get(name) as SqliteOperation<readonly unknown[], unknown> | undefined;
}

export type { SqliteValue };
