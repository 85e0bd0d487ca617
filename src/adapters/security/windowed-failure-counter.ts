import type { Clock } from '../../application/ports';
import type { Timestamp } from '../../domain';

export interface WindowedFailureCounterOptions {
  /** Failures within one window that block the key. */
  readonly maxFailures: number;
  /** Length of the window, counted from the first failure of a run. */
  readonly windowMs: number;
  readonly clock: Clock;
  /**
   * Keys tracked at most; past it the oldest runs are forgotten, so a flood of keys
   * cannot grow memory without bound. Default 100,000.
   */
  readonly maxTracked?: number;
}

interface FailureRun {
  readonly firstFailureAt: Timestamp;
  failures: number;
}

const DEFAULT_MAX_TRACKED = 100_000;

/**
 * Failures per key within a window that starts at a run's first failure, in one
 * process. Keys are compared exactly as given: callers normalise them. Memory stays
 * bounded: runs are kept in the order they started, so expired ones are always at
 * the front and are dropped as new runs start, and at most `maxTracked` are kept.
 */
export class WindowedFailureCounter {
  private readonly runs = new Map<string, FailureRun>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly clock: Clock;
  private readonly maxTracked: number;

  constructor(options: WindowedFailureCounterOptions) {
    if (!Number.isInteger(options.maxFailures) || options.maxFailures < 1) {
      throw new RangeError(`maxFailures must be a positive integer, got ${options.maxFailures}`);
    }
    if (!Number.isFinite(options.windowMs) || options.windowMs <= 0) {
      throw new RangeError(`windowMs must be a positive number, got ${options.windowMs}`);
    }
    const maxTracked = options.maxTracked ?? DEFAULT_MAX_TRACKED;
    if (!Number.isInteger(maxTracked) || maxTracked < 1) {
      throw new RangeError(`maxTracked must be a positive integer, got ${maxTracked}`);
    }
    this.maxFailures = options.maxFailures;
    this.windowMs = options.windowMs;
    this.clock = options.clock;
    this.maxTracked = maxTracked;
  }

  /** Keys held in memory, expired ones not yet dropped included. */
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
    // Delete first so the re-inserted key moves to the end: the map stays ordered by
    // firstFailureAt, so expired runs are always at its front.
    this.runs.delete(key);
    this.runs.set(key, { firstFailureAt: now, failures: 1 });
    this.dropExpired(now);
    if (this.runs.size > this.maxTracked) this.runs.delete(this.runs.keys().next().value!);
  }

  reset(key: string): void {
    this.runs.delete(key);
  }

  private isExpired(run: FailureRun, now: Timestamp): boolean {
    return now - run.firstFailureAt >= this.windowMs;
  }

  /** Drops expired runs from the front; each run is dropped once, so this is amortised O(1). */
  private dropExpired(now: Timestamp): void {
    for (const [key, run] of this.runs) {
      if (!this.isExpired(run, now)) return;
      this.runs.delete(key);
    }
  }
}
