import type { LoginThrottle } from '../../application/ports';
import { WindowedFailureCounter, type WindowedFailureCounterOptions } from './windowed-failure-counter';

export type InMemoryLoginThrottleOptions = WindowedFailureCounterOptions;

/**
 * Consecutive failed logins per username in one process: a success resets the
 * count. Keys are compared exactly as given; callers lower-case usernames.
 */
export class InMemoryLoginThrottle extends WindowedFailureCounter implements LoginThrottle {}
