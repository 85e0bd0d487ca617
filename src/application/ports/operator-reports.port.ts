import type { AccountStatus, Timestamp, UserId } from '../../domain';

/** An account as the operator's listing shows it. */
export interface AccountSummary {
  readonly id: UserId;
  readonly username: string;
  readonly status: AccountStatus;
  /** True while the user has at least one logged-in connection, on any server process. */
  readonly online: boolean;
  readonly createdAt: Timestamp;
}

/** One stored activity log entry. */
export interface ActivityRecord {
  readonly id: number;
  readonly userId: UserId | null;
  /** The user's name now; null when the entry has no user (or the account is gone). */
  readonly username: string | null;
  /**
   * As stored: one of the `ActivityAction`s, or an action a newer server wrote.
   * A plain string so that an operator's tool never fails over a log line.
   */
  readonly action: string;
  readonly detail: string | null;
  readonly at: Timestamp;
}

export interface ActivityFilter {
  /** Only this user's entries. */
  readonly userId?: UserId;
  /** Only entries at or after this time. */
  readonly since?: Timestamp;
  /** At most this many entries (a positive integer). */
  readonly limit: number;
}

/** One abuse report (PROTOCOL.md §10), as the operator reads it. */
export interface ReportRecord {
  readonly id: number;
  readonly reporterId: UserId;
  readonly reporterUsername: string;
  readonly reportedId: UserId;
  readonly reportedUsername: string;
  /** As the reporter wrote it: anything a client may send. */
  readonly reason: string;
  readonly at: Timestamp;
}

export interface ReportFilter {
  /** Only reports about this user. */
  readonly reportedId?: UserId;
  /** Only reports made at or after this time. */
  readonly since?: Timestamp;
  /** At most this many reports (a positive integer). */
  readonly limit: number;
}

/** Counts across the whole database, at one moment. */
export interface ChatStats {
  readonly accounts: number;
  readonly bannedAccounts: number;
  /** Abuse reports stored (PROTOCOL.md §10). */
  readonly reports: number;
  /** Distinct users with at least one logged-in connection, on any server process. */
  readonly onlineUsers: number;
  readonly directMessagesStored: number;
  readonly groupMessagesStored: number;
  /** Direct messages waiting for their receiver's next GET_OFFLINE_MESSAGES. */
  readonly pendingOfflineDirect: number;
  /**
   * Group messages waiting for a member, one per member and message: only those the
   * member can still get (a member now, and the message sent since they joined).
   */
  readonly pendingOfflineGroup: number;
  /** Direct messages their receiver has not marked read (PROTOCOL.md §9). */
  readonly unreadDirect: number;
  /**
   * Group messages a member has not marked read, one per member and message: only
   * those the member can see (a member now, sent by others since they joined).
   */
  readonly unreadGroup: number;
}

/** What an operator reads about the whole chat: accounts, the activity log, abuse reports and counts. */
export interface OperatorReports {
  /** Every account, by id. */
  listAccounts(): Promise<AccountSummary[]>;
  /** Activity log entries, newest first (the order they were recorded, latest first). */
  listActivity(filter: ActivityFilter): Promise<ActivityRecord[]>;
  /** Abuse reports, newest first (by time, then the order they were stored, latest first). */
  listReports(filter: ReportFilter): Promise<ReportRecord[]>;
  stats(): Promise<ChatStats>;
}
