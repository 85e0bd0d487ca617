/**
 * Counts consecutive failed logins per key (a username) within a window. Async:
 * in cluster mode the count is shared by the nodes through Redis.
 */
export interface LoginThrottle {
  /**
   * Whether an attempt on the key may go on: false when it is blocked (nothing is
   * counted); otherwise the attempt is counted as a failure until `succeeded`
   * clears it, so parallel guesses cannot all pass before the first one fails.
   */
  admit(key: string): Promise<boolean>;
  /** The attempt was right: forget the key's failures. */
  succeeded(key: string): Promise<void>;
}
