import type { Clock, LoginThrottle } from '../../application/ports';
import type { Timestamp } from '../../domain';

export interface InMemoryLoginThrottleOptions {
  /** Failures within one window that block the key. */
  maxFailures: number;
  /** Length of the window, counted from the first failure of a run. */
  windowMs: number;
  clock: Clock;
  /** Tracked keys that trigger a sweep of expired entries; grows with the live set. */
  sweepThreshold?: number;
}

interface FailureRun {
  readonly firstFailureAt: Timestamp;
  failures: number;
}

const DEFAULT_SWEEP_THRESHOLD = 1024;

/**
 * Per-process failure counter. Keys are compared exactly as given; callers normalise
 * them (for example, lower-cased usernames).
 */
export class InMemoryLoginThrottle implements LoginThrottle {
  private readonly runs = new Map<string, FailureRun>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly clock: Clock;
  private readonly baseSweepThreshold: number;
  private sweepThreshold: number;

  constructor(options: InMemoryLoginThrottleOptions) {
    if (!Number.isInteger(options.maxFailures) || options.maxFailures < 1) {
      throw new RangeError(`maxFailures must be a positive integer, got ${options.maxFailures}`);
    }
    if (!Number.isFinite(options.windowMs) || options.windowMs <= 0) {
      throw new RangeError(`windowMs must be a positive number, got ${options.windowMs}`);
    }
    const sweepThreshold = options.sweepThreshold ?? DEFAULT_SWEEP_THRESHOLD;
    if (!Number.isInteger(sweepThreshold) || sweepThreshold < 1) {
      throw new RangeError(`sweepThreshold must be a positive integer, got ${sweepThreshold}`);
    }
    this.maxFailures = options.maxFailures;
    this.windowMs = options.windowMs;
    this.clock = options.clock;
    this.baseSweepThreshold = sweepThreshold;
    this.sweepThreshold = sweepThreshold;
  }

  /** Keys currently held in memory, expired ones not yet swept included. */
  get size(): number {
    return this.runs.size;
  }

  isBlocked(key: string): boolean {
    const run = this.runs.get(key);
    if (run === undefined) return false;
    if (this.isExpired(run, this.clock.now())) {
      this.runs.delete(key);
      return false;
    }
    return run.failures >= this.maxFailures;
  }

  recordFailure(key: string): void {
    const now = this.clock.now();
    const run = this.runs.get(key);
    if (run !== undefined && !this.isExpired(run, now)) {
      run.failures += 1;
      return;
    }
    // Delete first so the re-inserted key moves to the end of the map's order.
    this.runs.delete(key);
    this.runs.set(key, { firstFailureAt: now, failures: 1 });
    if (this.runs.size > this.sweepThreshold) this.sweep(now);
  }

  reset(key: string): void {
    this.runs.delete(key);
  }

  private isExpired(run: FailureRun, now: Timestamp): boolean {
    return now - run.firstFailureAt >= this.windowMs;
  }

  private sweep(now: Timestamp): void {
    for (const [key, run] of this.runs) {
      if (this.isExpired(run, now)) this.runs.delete(key);
    }
    // Doubling keeps sweeps amortised O(1) per failure while many keys are live.
    this.sweepThreshold = Math.max(this.baseSweepThreshold, this.runs.size * 2);
  }
}
