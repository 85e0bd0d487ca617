/** Counts consecutive failed logins per key (a username) within a window. */
export interface LoginThrottle {
  isBlocked(key: string): boolean;
  recordFailure(key: string): void;
  reset(key: string): void;
}
