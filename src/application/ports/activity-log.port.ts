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
  | 'unban';

export interface ActivityEntry {
  readonly userId: UserId | null;
  readonly action: ActivityAction;
  /** Never a password or message content. */
  readonly detail: string | null;
  readonly at: Timestamp;
}

export interface ActivityLog {
  record(entry: ActivityEntry): Promise<void>;
}
