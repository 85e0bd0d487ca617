import type { Clock } from '../../application/ports';
import type { AddressFailureCounter } from './address-failure-counter';
import { addressKey } from './address-key';
import { WindowedFailureCounter } from './windowed-failure-counter';

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

/**
 * Failed logins per remote address, in one process (IPv6 by /64, see `addressKey`).
 * Only failures count, and a success does not reset them: many users may log in from
 * one address (a NAT, a test run), and an attacker must not be able to clear the count
 * by logging in to an account of their own.
 */
export class InMemoryAddressFailureCounter implements AddressFailureCounter {
  private readonly counter: WindowedFailureCounter;

  constructor(options: InMemoryAddressFailureCounterOptions) {
    const { maxTrackedAddresses, ...rest } = options;
    this.counter = new WindowedFailureCounter({ ...rest, maxTracked: maxTrackedAddresses });
  }

  /** Addresses held in memory, expired ones not yet dropped included. */
  get size(): number {
    return this.counter.size;
  }

  isBlocked(address: string | undefined): boolean {
    return this.counter.isBlocked(addressKey(address));
  }

  recordFailure(address: string | undefined): void {
    this.counter.recordFailure(addressKey(address));
  }
}
