import { Username, type NewReport, type Privacy, type Timestamp, type UserId, type UserRef } from '../../../domain';
import type { ReportFilter, ReportRecord, SafetyRepository } from '../../../application/ports';
import type { Journal, State } from './in-memory-storage';

/** Blocks, privacy settings and reports (PROTOCOL.md §10) as the in-memory store keeps them. */
export interface SafetyState {
  /** When each block was made, by `blockerId:blockedId`. */
  readonly blocks: Map<string, Timestamp>;
  /** The users' settings; a user missing here has the default, `everyone`. */
  readonly privacy: Map<UserId, Privacy>;
  readonly reports: Map<number, NewReport>;
  nextReportId: number;
}

export function emptySafetyState(): SafetyState {
  return { blocks: new Map(), privacy: new Map(), reports: new Map(), nextReportId: 1 };
}

const blockKey = (blockerId: UserId, blockedId: UserId): string => `${blockerId}:${blockedId}`;

/** Whether `blockerId` has blocked `blockedId`. */
export function hasBlocked(safety: SafetyState, blockerId: UserId, blockedId: UserId): boolean {
  return safety.blocks.has(blockKey(blockerId, blockedId));
}

/**
 * Whether the sender may write to the receiver, as the databases' insert decides it:
 * no block either way, and the receiver takes messages from everyone or the two are friends.
 */
export function mayWrite(safety: SafetyState, senderId: UserId, receiverId: UserId, friends: boolean): boolean {
  if (hasBlocked(safety, receiverId, senderId) || hasBlocked(safety, senderId, receiverId)) return false;
  return (safety.privacy.get(receiverId) ?? 'everyone') === 'everyone' || friends;
}

export class InMemorySafetyRepository implements SafetyRepository {
  constructor(
    private readonly s: State,
    private readonly journal: Journal,
  ) {}

  async block(blockerId: UserId, blockedId: UserId, at: Timestamp): Promise<boolean> {
    // What the databases' foreign keys and CHECK refuse.
    if (!this.s.accounts.has(blockerId) || !this.s.accounts.has(blockedId)) throw new Error('No such account');
    if (blockerId === blockedId) throw new Error('A user cannot block themselves');
    const key = blockKey(blockerId, blockedId);
    if (this.s.safety.blocks.has(key)) return false;
    this.journal.set(this.s.safety.blocks, key, at);
    return true;
  }

  async unblock(blockerId: UserId, blockedId: UserId): Promise<boolean> {
    return this.journal.delete(this.s.safety.blocks, blockKey(blockerId, blockedId));
  }

  async isBlockedEitherWay(a: UserId, b: UserId): Promise<boolean> {
    return hasBlocked(this.s.safety, a, b) || hasBlocked(this.s.safety, b, a);
  }

  async listBlocked(blockerId: UserId): Promise<UserRef[]> {
    const blocked: UserRef[] = [];
    for (const key of this.s.safety.blocks.keys()) {
      const [blocker, target] = key.split(':').map(Number) as [number, number];
      const account = blocker === blockerId ? this.s.accounts.get(target) : undefined;
      if (account) blocked.push({ id: account.id, username: account.username });
    }
    const order = (u: UserRef): string => Username.keyOf(u.username);
    return blocked.sort((x, y) => (order(x) < order(y) ? -1 : order(x) > order(y) ? 1 : x.id - y.id));
  }

  async setPrivacy(userId: UserId, privacy: Privacy): Promise<boolean> {
    if (!this.s.accounts.has(userId) || (this.s.safety.privacy.get(userId) ?? 'everyone') === privacy) return false;
    this.journal.set(this.s.safety.privacy, userId, privacy);
    return true;
  }

  async privacyOf(userId: UserId): Promise<Privacy | null> {
    return this.s.accounts.has(userId) ? (this.s.safety.privacy.get(userId) ?? 'everyone') : null;
  }

  async addReport(report: NewReport, cap: { readonly max: number; readonly since: Timestamp }): Promise<number | 'limit-reached'> {
    // What the databases' foreign keys and CHECK refuse.
    if (!this.s.accounts.has(report.reporterId) || !this.s.accounts.has(report.reportedId)) throw new Error('No such account');
    if (report.reporterId === report.reportedId) throw new Error('A user cannot report themselves');
    let recent = 0;
    for (const r of this.s.safety.reports.values()) {
      if (r.reporterId === report.reporterId && r.createdAt >= cap.since) recent++;
    }
    if (recent >= cap.max) return 'limit-reached';
    const id = this.s.safety.nextReportId++;
    this.journal.set(this.s.safety.reports, id, { ...report });
    return id;
  }
}

/** The operator's listing: newest first (by time, then id), filtered as asked. */
export function listReports(s: State, filter: ReportFilter): ReportRecord[] {
  const limit = Math.floor(filter.limit);
  if (!(limit > 0)) return [];
  const nameOf = (id: UserId): string => s.accounts.get(id)?.username ?? '';
  return [...s.safety.reports]
    .filter(([, r]) => filter.reportedId === undefined || r.reportedId === filter.reportedId)
    .filter(([, r]) => filter.since === undefined || r.createdAt >= filter.since)
    .sort(([idA, a], [idB, b]) => b.createdAt - a.createdAt || idB - idA)
    .slice(0, limit)
    .map(([id, r]) => ({
      id,
      reporterId: r.reporterId,
      reporterUsername: nameOf(r.reporterId),
      reportedId: r.reportedId,
      reportedUsername: nameOf(r.reportedId),
      reason: r.reason,
      at: r.createdAt,
    }));
}
