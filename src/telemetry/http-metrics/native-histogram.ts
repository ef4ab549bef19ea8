/** How a native (exponential, sparse) histogram is laid out: METRICS_NATIVE_HISTOGRAM_SCHEMA / _MAX_BUCKETS. */
export interface NativeHistogramOptions {
  /**
   * Resolution: bucket boundaries are powers of 2^(2^-schema), so each bucket is 2^(2^-schema) times wider than the
   * one below it. Prometheus accepts -4…8; 3 (boundaries 9 % apart, ±4.4 % worst-case error) is the usual choice.
   */
  schema: number;
  /**
   * The most buckets a histogram spans, from its lowest populated bucket to its highest. An observation that would
   * widen the span beyond this halves the resolution (schema − 1, neighbouring buckets merged) as often as needed:
   * memory and exposition size stay bounded whatever the values; resolution is what gives.
   */
  maxBuckets: number;
}

/** The lowest schema Prometheus accepts; below it the span cannot grow anyway (see `maxBuckets`). */
export const MIN_SCHEMA = -4;
export const MAX_SCHEMA = 8;

/**
 * Values at or below this count in the zero bucket: the Go client's default (2^-128), far below any duration. A
 * non-zero threshold also marks the histogram as native to Prometheus when it has no observations yet.
 */
export const ZERO_THRESHOLD = 2 ** -128;

/**
 * `BOUNDS[schema][j]` = 2^(j / 2^schema − 1): the upper bounds, within one power of two, of the buckets of a schema
 * > 0, as fractions in [0.5, 1) to compare with a value's mantissa (see `bucketKey`).
 */
const BOUNDS: Float64Array[] = [];
for (let schema = 1; schema <= MAX_SCHEMA; schema++) {
  const n = 2 ** schema;
  BOUNDS[schema] = Float64Array.from({ length: n }, (_, j) => 2 ** (j / n - 1));
}

// A float's mantissa and exponent from its bits: frexp, which JavaScript lacks, without a logarithm's rounding.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint16Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0; // the high word's index (little-endian: 1)

/**
 * The bucket of `value` (> 0, normal) at `schema`: the integer key with base^(key−1) < value ≤ base^key, base =
 * 2^(2^-schema), as Prometheus numbers them. value = frac · 2^exp with frac in [0.5, 1); at schema > 0 the key is
 * (exp − 1) · 2^schema plus the index of the first bound ≥ frac; at schema ≤ 0 several powers of two share a bucket.
 */
export function bucketKey(value: number, schema: number): number {
  f64[0] = value;
  const hi = u32[HI] as number;
  const exp = ((hi >>> 20) & 0x7ff) - 1022;
  u32[HI] = (hi & 0x800fffff) | (1022 << 20);
  const frac = f64[0] as number;
  if (schema > 0) {
    const bounds = BOUNDS[schema] as Float64Array;
    let lo = 0;
    let hiIdx = bounds.length;
    while (lo < hiIdx) {
      const mid = (lo + hiIdx) >>> 1;
      if ((bounds[mid] as number) < frac) lo = mid + 1;
      else hiIdx = mid;
    }
    return (exp - 1) * bounds.length + lo;
  }
  // frac = 0.5 exactly is a power of two: the upper bound of bucket exp − 1, not the start of bucket exp.
  const key = frac === 0.5 ? exp - 1 : exp;
  return (key + (1 << -schema) - 1) >> -schema;
}

/** A native histogram's state as plain data (for sending between processes and summing). */
export interface NativeHistogramSnapshot {
  schema: number;
  zeroCount: number;
  /** The key of `counts[0]`. */
  offset: number;
  counts: number[];
}

/**
 * The native part of a histogram: observations counted in exponential buckets, kept in one dense array that covers the
 * populated keys `low`…`high` (and some room). Recording is a mantissa search and an addition; the array is replaced
 * only when an observation falls outside it, and the populated span never exceeds `maxBuckets` (the schema drops
 * instead; at schema −4 the range of a double bounds it at 73 buckets).
 */
export class NativeHistogram {
  schema: number;
  zeroCount = 0;
  /** The key of `counts[0]`. */
  private offset = 0;
  private counts: Float64Array = new Float64Array(0);
  /** Lowest and highest populated keys; low > high while no bucket is populated. */
  private low = 0;
  private high = -1;

  constructor(readonly options: NativeHistogramOptions) {
    this.schema = options.schema;
  }

  observe(value: number): void {
    // NaN and negatives (no duration is) land in the zero bucket rather than corrupting the key arithmetic.
    if (!(value > ZERO_THRESHOLD)) {
      this.zeroCount += 1;
      return;
    }
    const key = bucketKey(Math.min(value, Number.MAX_VALUE), this.schema);
    const index = key - this.offset;
    if (index >= 0 && index < this.counts.length && key >= this.low && key <= this.high) this.counts[index]! += 1;
    else this.add(key, 1);
  }

  /** Adds `count` observations to bucket `key` (at the current schema), widening or downscaling as needed. */
  add(key: number, count: number): void {
    const empty = this.low > this.high;
    let low = empty ? key : Math.min(key, this.low);
    let high = empty ? key : Math.max(key, this.high);
    while (high - low + 1 > this.options.maxBuckets && this.schema > MIN_SCHEMA) {
      this.downscale(1);
      key = (key + 1) >> 1;
      low = Math.min(key, this.low);
      high = Math.max(key, this.high);
    }
    if (key < this.offset || key - this.offset >= this.counts.length) this.cover(low, high, key < this.low);
    this.low = low;
    this.high = high;
    this.counts[key - this.offset]! += count;
  }

  /** Halves the resolution `by` times: bucket k becomes ⌈k / 2^by⌉, the counts of merged buckets added. */
  downscale(by: number): void {
    if (by <= 0) return;
    this.schema -= by;
    if (this.low > this.high) return;
    const shift = (k: number) => (k + (1 << by) - 1) >> by;
    const low = shift(this.low);
    const high = shift(this.high);
    const merged = new Float64Array(high - low + 1);
    for (let k = this.low; k <= this.high; k++) merged[shift(k) - low]! += this.counts[k - this.offset] as number;
    this.offset = low;
    this.counts = merged;
    this.low = low;
    this.high = high;
  }

  /** Adds a snapshot (from another process) at the lower of the two schemas: sums are exact, never re-estimated. */
  addSnapshot(from: NativeHistogramSnapshot): void {
    if (from.schema < this.schema) this.downscale(this.schema - from.schema);
    this.zeroCount += from.zeroCount;
    for (let i = 0; i < from.counts.length; i++) {
      const count = from.counts[i] as number;
      // Adding may lower this histogram's schema part-way: map each key at the schema it has now.
      const by = from.schema - this.schema;
      if (count !== 0) this.add((from.offset + i + (1 << by) - 1) >> by, count);
    }
  }

  /** The populated buckets: counts from key `offset` (the lowest populated) to the highest populated one. */
  snapshot(): NativeHistogramSnapshot {
    const counts = this.low > this.high ? [] : Array.from(this.counts.subarray(this.low - this.offset, this.high - this.offset + 1));
    return { schema: this.schema, zeroCount: this.zeroCount, offset: this.low > this.high ? 0 : this.low, counts };
  }

  /** Replaces the array with one covering `low`…`high`, with room on the side it grew towards, within `maxBuckets`. */
  private cover(low: number, high: number, downwards: boolean): void {
    const needed = high - low + 1;
    const room = Math.max(0, Math.min(Math.max(needed, 8), this.options.maxBuckets - needed));
    const start = downwards ? low - room : low;
    const next = new Float64Array(needed + room);
    if (this.low <= this.high) next.set(this.counts.subarray(this.low - this.offset, this.high - this.offset + 1), this.low - start);
    this.offset = start;
    this.counts = next;
  }
}
