import type { Clock } from '../../application/ports';
import type { Timestamp } from '../../domain';
import { addressKey } from './address-key';

export interface InMemoryAddressFailureCounterOptions {
  /** Failures from one address within one window that block it. */
  readonly maxFailures: number;
  /** Length of the window, counted from the first failure of a run. */
  readonly windowMs: number;
  readonly clock: Clock;
  /**
   * Addresses tracked at most; past it the oldest runs are forgotten, so a flood of
   * addresses cannot grow memory without bound. Default 100,000.
   */
  readonly maxTrackedAddresses?: number;
}

interface FailureRun {
  readonly firstFailureAt: Timestamp;
  failures: number;
}

const DEFAULT_MAX_TRACKED = 100_000;

/**
 * Failed logins per remote address, in one process (IPv6 by /64, see `addressKey`).
 * Only failures count, and a success does not reset them: many users may log in from
 * one address (a NAT, a test run), and an attacker must not be able to clear the count
 * by logging in to an account of their own.
 */
export class InMemoryAddressFailureCounter {
  private readonly runs = new Map<string, FailureRun>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly clock: Clock;
  private readonly maxTracked: number;

  constructor(options: InMemoryAddressFailureCounterOptions) {
    if (!Number.isInteger(options.maxFailures) || options.maxFailures < 1) {
      throw new RangeError(`maxFailures must be a positive integer, got ${options.maxFailures}`);
    }
    if (!Number.isFinite(options.windowMs) || options.windowMs <= 0) {
      throw new RangeError(`windowMs must be a positive number, got ${options.windowMs}`);
    }
    const maxTracked = options.maxTrackedAddresses ?? DEFAULT_MAX_TRACKED;
    if (!Number.isInteger(maxTracked) || maxTracked < 1) {
      throw new RangeError(`maxTrackedAddresses must be a positive integer, got ${maxTracked}`);
    }
    this.maxFailures = options.maxFailures;
    this.windowMs = options.windowMs;
    this.clock = options.clock;
    this.maxTracked = maxTracked;
  }

  /** Addresses held in memory, expired ones not yet swept included. */
  get size(): number {
    return this.runs.size;
  }

  isBlocked(address: string | undefined): boolean {
    const key = addressKey(address);
    const run = this.runs.get(key);
    if (run === undefined) return false;
    if (this.isExpired(run, this.clock.now())) {
      this.runs.delete(key);
      return false;
    }
    return run.failures >= this.maxFailures;
  }

  recordFailure(address: string | undefined): void {
    const key = addressKey(address);
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
    this.sweep(now);
    if (this.runs.size > this.maxTracked) this.runs.delete(this.runs.keys().next().value!);
  }

  private isExpired(run: FailureRun, now: Timestamp): boolean {
    return now - run.firstFailureAt >= this.windowMs;
  }

  /** Drops expired runs from the front; each run is dropped once, so this is amortised O(1). */
  private sweep(now: Timestamp): void {
    for (const [key, run] of this.runs) {
      if (!this.isExpired(run, now)) return;
      this.runs.delete(key);
    }
  }
}
