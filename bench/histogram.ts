/**
 * A compact, mergeable latency histogram in whole microseconds (log-linear buckets,
 * in the manner of HdrHistogram): values below 128 µs are exact; above, each power of
 * two is split into 64 buckets, so a value is known to within 1/64 (1.6 %). The exact
 * minimum and maximum are kept beside the buckets. Workers ship it to the orchestrator
 * as sparse [index, count] pairs instead of every sample.
 */

const EXACT = 128; // values 0..127 µs have a bucket each
const SUB_BITS = 6; // 64 sub-buckets per power of two above that
const SUB = 1 << SUB_BITS;
const MAX_EXPONENT = 36; // up to 2^37 µs (~38 hours): anything above is clamped
const BUCKETS = EXACT + (MAX_EXPONENT - 7 + 1) * SUB;

export interface HistogramData {
  /** Sparse non-empty buckets: [index, count, index, count, ...]. */
  readonly buckets: number[];
  readonly count: number;
  readonly sumUs: number;
  readonly minUs: number;
  readonly maxUs: number;
}

export interface LatencySummary {
  readonly count: number;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p95Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

function indexOf(us: number): number {
  let v = Math.floor(us);
  if (!(v > 0)) return 0; // also NaN and negatives (clock oddities) land in 0
  if (v < EXACT) return v;
  const max = 2 ** (MAX_EXPONENT + 1) - 1;
  if (v > max) v = max;
  const exponent = Math.floor(Math.log2(v)); // >= 7
  const shift = exponent - SUB_BITS;
  const top = Math.floor(v / 2 ** shift); // in [64, 128)
  return EXACT + (exponent - 7) * SUB + (top - SUB);
}

/** The bucket's [lower, upper) bounds in µs. */
function boundsOf(index: number): [number, number] {
  if (index < EXACT) return [index, index + 1];
  const rel = index - EXACT;
  const exponent = Math.floor(rel / SUB) + 7;
  const top = (rel % SUB) + SUB;
  const shift = exponent - SUB_BITS;
  return [top * 2 ** shift, (top + 1) * 2 ** shift];
}

export class Histogram {
  private counts = new Float64Array(BUCKETS);
  count = 0;
  sumUs = 0;
  minUs = Infinity;
  maxUs = 0;

  record(us: number): void {
    this.counts[indexOf(us)]!++;
    this.count++;
    this.sumUs += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sumUs = 0;
    this.minUs = Infinity;
    this.maxUs = 0;
  }

  merge(data: HistogramData): void {
    for (let i = 0; i < data.buckets.length; i += 2) this.counts[data.buckets[i]!]! += data.buckets[i + 1]!;
    this.count += data.count;
    this.sumUs += data.sumUs;
    if (data.count > 0) {
      if (data.minUs < this.minUs) this.minUs = data.minUs;
      if (data.maxUs > this.maxUs) this.maxUs = data.maxUs;
    }
  }

  toData(): HistogramData {
    const buckets: number[] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) buckets.push(i, this.counts[i]!);
    return { buckets, count: this.count, sumUs: this.sumUs, minUs: this.count ? this.minUs : 0, maxUs: this.maxUs };
  }

  /**
   * The value at quantile q (0..1): the midpoint of the bucket holding the
   * ceil(q·count)-th smallest sample, kept within the exact [min, max].
   */
  quantileUs(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const [lo, hi] = boundsOf(i);
        const mid = i < EXACT ? lo : (lo + hi) / 2;
        return Math.min(this.maxUs, Math.max(this.minUs, mid));
      }
    }
    return this.maxUs;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      meanUs: this.count ? this.sumUs / this.count : NaN,
      p50Us: this.quantileUs(0.5),
      p95Us: this.quantileUs(0.95),
      p99Us: this.quantileUs(0.99),
      maxUs: this.count ? this.maxUs : NaN,
    };
  }

  static from(parts: readonly HistogramData[]): Histogram {
    const h = new Histogram();
    for (const part of parts) h.merge(part);
    return h;
  }
}

/**
 * Microseconds on CLOCK_MONOTONIC (process.hrtime: libuv's uv_hrtime). Every process
 * on the machine reads the same clock, so a time taken by the sender process can be
 * subtracted from one taken by the receiver process.
 */
export function nowUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + ns / 1e3;
}
