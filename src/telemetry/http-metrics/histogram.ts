import { nextExemplar, type Exemplar, type SampledSpan } from './exemplar';
import { NativeHistogram, type NativeHistogramOptions } from './native-histogram';

/**
 * A fixed-bucket histogram cell. `counts[i]` holds observations in (bounds[i-1], bounds[i]]; the last slot is +Inf.
 * Recording is a binary search and three additions: no allocation on the request path.
 */
export class Histogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** The latest exemplar per bucket (same indexes as `counts`); created on the first sampled observation. */
  exemplars: Array<Exemplar | undefined> | undefined;
  /** The same observations in exponential buckets, when native histograms are on; exposed in protobuf only. */
  readonly native: NativeHistogram | undefined;

  constructor(
    readonly bounds: readonly number[],
    native?: NativeHistogramOptions,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
    this.native = native && new NativeHistogram(native);
  }

  /** Records `value`; returns the index of the bucket it fell in (for its exemplar). */
  observe(value: number): number {
    const bounds = this.bounds;
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (value <= (bounds[mid] as number)) hi = mid;
      else lo = mid + 1;
    }
    this.counts[lo]! += 1;
    this.sum += value;
    this.count += 1;
    this.native?.observe(value);
    return lo;
  }

  /** Keeps `span` as the exemplar of `bucket` (what `observe` returned for `value`), replacing the one there. */
  keepExemplar(bucket: number, span: SampledSpan, value: number, timestampMs: number): void {
    const buckets = (this.exemplars ??= []);
    buckets[bucket] = nextExemplar(buckets[bucket], span, value, timestampMs);
  }

  /** Cumulative counts per bound (Prometheus `_bucket` values), +Inf last. */
  cumulative(): number[] {
    const out: number[] = new Array(this.counts.length);
    let running = 0;
    for (let i = 0; i < this.counts.length; i++) {
      running += this.counts[i] as number;
      out[i] = running;
    }
    return out;
  }
}
