export interface TokenBucketOptions {
  /** Tokens the bucket holds when full: the largest burst allowed at once. */
  readonly capacity: number;
  /** Tokens added per second, up to `capacity`: the sustained rate allowed. */
  readonly refillPerSecond: number;
  /** Milliseconds from a clock that never goes backwards (a coarse one is fine). */
  readonly now: () => number;
}

/**
 * A token bucket: each `tryTake` spends one token, and tokens flow back at a steady
 * rate. It reads the clock once per call and allocates nothing, so it can sit on the
 * per-request path.
 */
export class TokenBucket {
  private readonly capacity: number;
  private readonly perMs: number;
  private readonly now: () => number;
  private tokens: number;
  private refilledAt: number;

  constructor(options: TokenBucketOptions) {
    if (!Number.isFinite(options.capacity) || options.capacity < 1) {
      throw new RangeError(`capacity must be at least 1, got ${options.capacity}`);
    }
    if (!Number.isFinite(options.refillPerSecond) || options.refillPerSecond <= 0) {
      throw new RangeError(`refillPerSecond must be a positive number, got ${options.refillPerSecond}`);
    }
    this.capacity = options.capacity;
    this.perMs = options.refillPerSecond / 1000;
    this.now = options.now;
    this.tokens = options.capacity;
    this.refilledAt = options.now();
  }

  /** Whole tokens available now. */
  get available(): number {
    this.refill();
    return Math.floor(this.tokens);
  }

  /** Spends a token if there is one; false means the caller is over its rate. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.refilledAt;
    if (elapsed === 0) return;
    this.refilledAt = now;
    // A clock that stepped back adds nothing; counting restarts from its new reading.
    if (elapsed > 0) this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.perMs);
  }
}
