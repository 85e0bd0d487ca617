import type {
  AccountSummary,
  ActivityFilter,
  ActivityRecord,
  ChatStats,
  OperatorReports,
  ReportFilter,
  ReportRecord,
} from '../../../../application/ports';
import type { AccountStatus } from '../../../../domain';
import type { Executor } from '../executor';
import type { StoredBigInt } from '../schemas';

/*
 * Plain SQL that reads the same on SQLite and MySQL: no name here is reserved in
 * either (`groups` is not used), COUNT(*) and the 0/1 flags are read with Number()
 * because mysql2 may hand back strings, and `delivered = 0` is a literal so SQLite
 * can count from its partial indexes of undelivered rows.
 */

/** A user is online while they have a session row, on any server process. */
const LIST_ACCOUNTS = `
  SELECT a.id AS id, a.username AS username, a.status AS status, a.created_at AS createdAt,
         CASE WHEN o.user_id IS NULL THEN 0 ELSE 1 END AS online
  FROM accounts a
  LEFT JOIN (SELECT DISTINCT user_id FROM sessions) o ON o.user_id = a.id
  ORDER BY a.id`;

/** Newest first by id: the order the entries were recorded, served by the primary key or (user_id, id). */
const LIST_ACTIVITY = (conditions: readonly string[]): string => `
  SELECT l.id AS id, l.user_id AS userId, a.username AS username, l.action AS action,
         l.detail AS detail, l.created_at AS createdAt
  FROM activity_logs l LEFT JOIN accounts a ON a.id = l.user_id
  ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
  ORDER BY l.id DESC
  LIMIT ?`;

/** Newest first by time, then id: served by (created_at, id), or (reported_id, created_at, id) for one user. */
const LIST_REPORTS = (conditions: readonly string[]): string => `
  SELECT r.id AS id, r.reporter_id AS reporterId, f.username AS reporterUsername,
         r.reported_id AS reportedId, t.username AS reportedUsername, r.reason AS reason, r.created_at AS createdAt
  FROM reports r JOIN accounts f ON f.id = r.reporter_id JOIN accounts t ON t.id = r.reported_id
  ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
  ORDER BY r.created_at DESC, r.id DESC
  LIMIT ?`;

/**
 * One statement, so every count is of the same moment. Pending group deliveries
 * are counted as GET_OFFLINE_MESSAGES would hand them out: to members only, and
 * only messages sent since their current membership began. Unread direct messages
 * are the conversations' counters; unread group messages are counted per current
 * member, as GET_HISTORY shows them: others' messages since the membership began,
 * above the member's read position.
 */
const STATS = `
  SELECT
    (SELECT COUNT(*) FROM accounts) AS accounts,
    (SELECT COUNT(*) FROM accounts WHERE status = 'banned') AS bannedAccounts,
    (SELECT COUNT(*) FROM reports) AS reports,
    (SELECT COUNT(DISTINCT user_id) FROM sessions) AS onlineUsers,
    (SELECT COUNT(*) FROM messages) AS directMessagesStored,
    (SELECT COUNT(*) FROM group_messages) AS groupMessagesStored,
    (SELECT COUNT(*) FROM messages WHERE delivered = 0) AS pendingOfflineDirect,
    (SELECT COUNT(*)
       FROM group_message_deliveries d
       JOIN group_messages m ON m.id = d.message_id
       JOIN group_members gm ON gm.group_id = m.group_id AND gm.user_id = d.user_id AND gm.joined_at <= m.created_at
       WHERE d.delivered = 0) AS pendingOfflineGroup,
    (SELECT COALESCE(SUM(lo_unread + hi_unread), 0) FROM direct_conversations) AS unreadDirect,
    (SELECT COUNT(*)
       FROM group_members gm
       JOIN group_messages m ON m.group_id = gm.group_id
        AND m.id > gm.joined_after_message_id AND m.id > gm.last_read_message_id
        AND m.created_at >= gm.joined_at AND m.sender_id <> gm.user_id) AS unreadGroup`;

interface AccountSummaryRow {
  id: number;
  username: string;
  status: string;
  createdAt: StoredBigInt;
  online: number | string;
}

interface ActivityRow {
  id: number;
  userId: number | null;
  username: string | null;
  action: string;
  detail: string | null;
  createdAt: StoredBigInt;
}

interface ReportRow {
  id: number;
  reporterId: number;
  reporterUsername: string;
  reportedId: number;
  reportedUsername: string;
  reason: string;
  createdAt: StoredBigInt;
}

type StatsRow = Record<keyof ChatStats, number | string>;

export class TypeOrmOperatorReports implements OperatorReports {
  constructor(private readonly db: Executor) {}

  listAccounts(): Promise<AccountSummary[]> {
    return this.db.run(async (manager) => {
      const rows: AccountSummaryRow[] = await manager.query(LIST_ACCOUNTS);
      return rows.map((row) => ({
        id: Number(row.id),
        username: row.username,
        status: accountStatus(row.status),
        online: Number(row.online) === 1,
        createdAt: Number(row.createdAt),
      }));
    });
  }

  listActivity(filter: ActivityFilter): Promise<ActivityRecord[]> {
    const limit = Math.floor(filter.limit);
    if (!(limit > 0)) return Promise.resolve([]);
    const conditions: string[] = [];
    const parameters: number[] = [];
    if (filter.userId !== undefined) {
      conditions.push('l.user_id = ?');
      parameters.push(filter.userId);
    }
    if (filter.since !== undefined) {
      conditions.push('l.created_at >= ?');
      parameters.push(filter.since);
    }
    return this.db.run(async (manager) => {
      const rows: ActivityRow[] = await manager.query(LIST_ACTIVITY(conditions), [...parameters, limit]);
      return rows.map((row) => ({
        id: Number(row.id),
        userId: row.userId === null ? null : Number(row.userId),
        username: row.username,
        action: row.action,
        detail: row.detail,
        at: Number(row.createdAt),
      }));
    });
  }

  listReports(filter: ReportFilter): Promise<ReportRecord[]> {
    const limit = Math.floor(filter.limit);
    if (!(limit > 0)) return Promise.resolve([]);
    const conditions: string[] = [];
    const parameters: number[] = [];
    if (filter.reportedId !== undefined) {
      conditions.push('r.reported_id = ?');
      parameters.push(filter.reportedId);
    }
    if (filter.since !== undefined) {
      conditions.push('r.created_at >= ?');
      parameters.push(filter.since);
    }
    return this.db.run(async (manager) => {
      const rows: ReportRow[] = await manager.query(LIST_REPORTS(conditions), [...parameters, limit]);
      return rows.map((row) => ({
        id: Number(row.id),
        reporterId: Number(row.reporterId),
        reporterUsername: row.reporterUsername,
        reportedId: Number(row.reportedId),
        reportedUsername: row.reportedUsername,
        reason: row.reason,
        at: Number(row.createdAt),
      }));
    });
  }

  stats(): Promise<ChatStats> {
    return this.db.run(async (manager) => {
      const [row]: StatsRow[] = await manager.query(STATS);
      if (!row) throw new Error('The statistics query returned no row');
      return {
        accounts: Number(row.accounts),
        bannedAccounts: Number(row.bannedAccounts),
        reports: Number(row.reports),
        onlineUsers: Number(row.onlineUsers),
        directMessagesStored: Number(row.directMessagesStored),
        groupMessagesStored: Number(row.groupMessagesStored),
        pendingOfflineDirect: Number(row.pendingOfflineDirect),
        pendingOfflineGroup: Number(row.pendingOfflineGroup),
        unreadDirect: Number(row.unreadDirect),
        unreadGroup: Number(row.unreadGroup),
      };
    });
  }
}

function accountStatus(stored: string): AccountStatus {
  if (stored === 'active' || stored === 'banned') return stored;
  throw new Error(`Unknown account status in storage: ${stored}`);
}
