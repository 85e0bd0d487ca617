import { createHash } from 'node:crypto';
import type { Clock, Logger, LoginThrottle } from '../../application/ports';
import { describeError } from '../../application';
import type { AddressFailureCounter } from '../security/address-failure-counter';
import { addressKey } from '../security/address-key';
import { WindowedFailureCounter } from '../security/windowed-failure-counter';
import { FAILURE_ADMIT, FAILURE_COUNT, FAILURE_RECORD, FAILURE_RESET } from './cluster-scripts';

/** Runs one of the cluster scripts (cluster-scripts.ts); rejects while Redis is away. */
export type ScriptRunner = (source: string, args: readonly string[]) => Promise<unknown>;

export interface RedisFailureCounterOptions {
  readonly run: ScriptRunner;
  /** The cluster's key prefix. */
  readonly prefix: string;
  /** What is counted, in the key: "user" or "addr". */
  readonly scope: string;
  /** Failures within one window that block the key. */
  readonly maxFailures: number;
  /** Length of the window, counted from the first failure of a run. */
  readonly windowMs: number;
  /** Time for the in-memory count used while Redis is away. */
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Failed logins per key within a window, counted in Redis so every node of a
 * cluster sees the same count: N nodes allow no more attempts than one. Each
 * operation is one script, so one round trip and atomic. A key is
 * `<prefix>lf:<scope>:<sha256 of the key>`, so no username or address is stored, and
 * it expires one window after its first failure (the same fixed window as the
 * in-memory counter), so the key space is bounded by the failures of one window.
 *
 * While Redis cannot be reached the node counts alone, in memory, as in
 * single-node mode (said once in the log, and once when Redis answers again): an
 * outage neither locks everyone out nor lifts the limit, it only stops sharing it.
 */
export class RedisFailureCounter implements LoginThrottle {
  private readonly local: WindowedFailureCounter;
  private readonly keyPrefix: string;
  private failing = false;

  constructor(private readonly options: RedisFailureCounterOptions) {
    this.local = new WindowedFailureCounter({
      maxFailures: options.maxFailures,
      windowMs: options.windowMs,
      clock: options.clock,
    });
    this.keyPrefix = `${options.prefix}lf:${options.scope}:`;
  }

  /** The Redis key counting `key`'s failures. */
  keyOf(key: string): string {
    return this.keyPrefix + createHash('sha256').update(key).digest('hex').slice(0, 32);
  }

  async isBlocked(key: string): Promise<boolean> {
    const count = await this.shared('check', FAILURE_COUNT, [this.keyOf(key)]);
    if (count === undefined) return this.local.isBlocked(key);
    return Number(count) >= this.options.maxFailures;
  }

  async recordFailure(key: string): Promise<void> {
    const count = await this.shared('count', FAILURE_RECORD, [this.keyOf(key), String(this.options.windowMs)]);
    if (count === undefined) this.local.recordFailure(key);
  }

  async admit(key: string): Promise<boolean> {
    const args = [this.keyOf(key), String(this.options.maxFailures), String(this.options.windowMs)];
    const admitted = await this.shared('count', FAILURE_ADMIT, args);
    if (admitted !== undefined) return admitted === 1;
    if (this.local.isBlocked(key)) return false;
    this.local.recordFailure(key);
    return true;
  }

  async succeeded(key: string): Promise<void> {
    this.local.reset(key);
    await this.shared('reset', FAILURE_RESET, [this.keyOf(key)]);
  }

  /** The script's answer, or undefined when Redis could not be asked (the caller counts locally). */
  private async shared(operation: string, source: string, args: readonly string[]): Promise<unknown> {
    try {
      const answer = await this.options.run(source, args);
      if (this.failing) {
        this.failing = false;
        this.options.logger.info('failed logins are counted in redis again', { scope: this.options.scope });
      }
      return answer;
    } catch (error) {
      if (!this.failing) {
        this.failing = true;
        this.options.logger.warn('failed logins counted by this node alone while redis is away', {
          scope: this.options.scope,
          operation,
          error: describeError(error),
        });
      }
      return undefined;
    }
  }
}

/** Failed logins per remote address (IPv6 by /64, see `addressKey`), shared through Redis. */
export class RedisAddressFailureCounter implements AddressFailureCounter {
  constructor(private readonly counter: RedisFailureCounter) {}

  isBlocked(address: string | undefined): Promise<boolean> {
    return this.counter.isBlocked(addressKey(address));
  }

  recordFailure(address: string | undefined): Promise<void> {
    return this.counter.recordFailure(addressKey(address));
  }
}
