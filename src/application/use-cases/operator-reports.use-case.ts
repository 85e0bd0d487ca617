import { DomainErrors, fail, ok, type DomainError, type Result, type Timestamp } from '../../domain';
import type { AccountSummary, ActivityRecord, ChatStats, ReportRecord, Repositories } from '../ports';

/** How many activity entries one read returns: by default, and at most. */
export const ACTIVITY_READ_LIMITS = { default: 50, max: 10_000 } as const;

/** Every account with its status and whether it is online now (the operator's `users`). */
export class ListUsers {
  constructor(private readonly repositories: Repositories) {}

  execute(): Promise<AccountSummary[]> {
    return this.repositories.reports.listAccounts();
  }
}

export interface ReadActivityLogInput {
  /** Only this user's entries; the name in any letter case. */
  readonly username?: string;
  /** Only entries at or after this time. */
  readonly since?: Timestamp;
  /** 1 to ACTIVITY_READ_LIMITS.max; ACTIVITY_READ_LIMITS.default when left out. */
  readonly limit?: number;
}

/** The activity log, newest first, optionally of one user and from a time on (the operator's `logs`). */
export class ReadActivityLog {
  constructor(private readonly repositories: Repositories) {}

  async execute(input: ReadActivityLogInput = {}): Promise<Result<ActivityRecord[], DomainError>> {
    const limit = input.limit ?? ACTIVITY_READ_LIMITS.default;
    if (!Number.isInteger(limit) || limit < 1 || limit > ACTIVITY_READ_LIMITS.max) {
      return fail(DomainErrors.invalidInput(`limit must be a whole number from 1 to ${ACTIVITY_READ_LIMITS.max}`));
    }
    if (input.since !== undefined && !Number.isSafeInteger(input.since)) {
      return fail(DomainErrors.invalidInput('since must be a time in epoch milliseconds'));
    }
    let userId: number | undefined;
    if (input.username !== undefined) {
      const account = await this.repositories.accounts.findByUsername(input.username);
      if (!account) return fail(DomainErrors.userNotFound());
      userId = account.id;
    }
    return ok(await this.repositories.reports.listActivity({ userId, since: input.since, limit }));
  }
}

/** How many abuse reports one read returns: by default, and at most. */
export const REPORT_READ_LIMITS = { default: 50, max: 10_000 } as const;

export interface ListReportsInput {
  /** Only reports about this user (the reported one); the name in any letter case. */
  readonly username?: string;
  /** Only reports made at or after this time. */
  readonly since?: Timestamp;
  /** 1 to REPORT_READ_LIMITS.max; REPORT_READ_LIMITS.default when left out. */
  readonly limit?: number;
}

/** Abuse reports (PROTOCOL.md §10), newest first, optionally about one user and from a time on (the operator's `reports`). */
export class ListReports {
  constructor(private readonly repositories: Repositories) {}

  async execute(input: ListReportsInput = {}): Promise<Result<ReportRecord[], DomainError>> {
    const limit = input.limit ?? REPORT_READ_LIMITS.default;
    if (!Number.isInteger(limit) || limit < 1 || limit > REPORT_READ_LIMITS.max) {
      return fail(DomainErrors.invalidInput(`limit must be a whole number from 1 to ${REPORT_READ_LIMITS.max}`));
    }
    if (input.since !== undefined && !Number.isSafeInteger(input.since)) {
      return fail(DomainErrors.invalidInput('since must be a time in epoch milliseconds'));
    }
    let reportedId: number | undefined;
    if (input.username !== undefined) {
      const account = await this.repositories.accounts.findByUsername(input.username);
      if (!account) return fail(DomainErrors.userNotFound());
      reportedId = account.id;
    }
    return ok(await this.repositories.reports.listReports({ reportedId, since: input.since, limit }));
  }
}

/** Accounts, who is online, messages stored and waiting, reports (the operator's `stats`). */
export class GetStats {
  constructor(private readonly repositories: Repositories) {}

  execute(): Promise<ChatStats> {
    return this.repositories.reports.stats();
  }
}
