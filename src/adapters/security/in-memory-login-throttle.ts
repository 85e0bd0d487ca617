import type { LoginThrottle } from '../../application/ports';
import { WindowedFailureCounter, type WindowedFailureCounterOptions } from './windowed-failure-counter';

export type InMemoryLoginThrottleOptions = WindowedFailureCounterOptions;

/**
 * Consecutive failed logins per username in one process: a success resets the
 * count. Keys are compared exactly as given; callers lower-case usernames.
 */
export class InMemoryLoginThrottle extends WindowedFailureCounter implements LoginThrottle {
  admit(key: string): Promise<boolean> {
    if (this.isBlocked(key)) return Promise.resolve(false);
    this.recordFailure(key);
    return Promise.resolve(true);
  }

  succeeded(key: string): Promise<void> {
    this.reset(key);
    return Promise.resolve();
  }
}
