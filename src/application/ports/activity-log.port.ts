import type { Timestamp, UserId } from '../../domain';

export type ActivityAction =
  | 'register'
  | 'login'
  | 'login_failed'
  | 'resume'
  | 'resume_failed'
  | 'logout'
  | 'disconnect'
  | 'friend_request'
  | 'friend_accept'
  | 'friend_reject'
  | 'unfriend'
  | 'group_create'
  | 'group_add'
  | 'group_remove'
  | 'group_leave'
  | 'group_admin'
  | 'ban'
  | 'unban'
  | 'block'
  | 'unblock'
  | 'privacy'
  | 'report';

export interface ActivityEntry {
  readonly userId: UserId | null;
  readonly action: ActivityAction;
  /** Never a password, message content or a report's reason. */
  readonly detail: string | null;
  readonly at: Timestamp;
}

/** Characters (code points) of an entry's detail that are kept; the rest is cut off. */
export const ACTIVITY_DETAIL_MAX = 255;

/** An entry's detail as every store keeps it: a log line is worth keeping even when its detail is too long. */
export function storedActivityDetail(detail: string | null): string | null {
  if (detail === null || detail.length <= ACTIVITY_DETAIL_MAX) return detail;
  return Array.from(detail).slice(0, ACTIVITY_DETAIL_MAX).join('');
}

export interface ActivityLog {
  /** Stores the entry, its detail cut to ACTIVITY_DETAIL_MAX characters. */
  record(entry: ActivityEntry): Promise<void>;
}
