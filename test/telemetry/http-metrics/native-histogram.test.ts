import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketKey, NativeHistogram, ZERO_THRESHOLD, type NativeHistogramSnapshot } from '../../../src/telemetry/http-metrics/native-histogram';

/** Total of a snapshot's buckets and zero bucket. */
const total = (s: NativeHistogramSnapshot) => s.counts.reduce((a, b) => a + b, 0) + s.zeroCount;

/** The key a logarithm gives, for values not within rounding distance of a boundary. */
const logKey = (v: number, schema: number) => Math.ceil(Math.log2(v) * 2 ** schema) + 0; // + 0: no −0

describe('bucketKey', () => {
  it('puts powers of two on the upper bound of their bucket (Prometheus: base^(k−1) < v ≤ base^k)', () => {
    for (let schema = -4; schema <= 8; schema++) {
      for (const exp of [-20, -3, -1, 0, 1, 2, 5, 10]) {
        const key = bucketKey(2 ** exp, schema);
        // 2^exp = base^(exp·2^schema): exactly a boundary when exp·2^schema is an integer.
        const exact = exp * 2 ** schema;
        expect(key, `schema ${schema}, 2^${exp}`).toBe(Math.ceil(exact) + 0);
      }
    }
  });

  it('agrees with ⌈log2(v)·2^schema⌉ away from boundaries, at every schema', () => {
    fc.assert(
      fc.property(fc.integer({ min: -4, max: 8 }), fc.double({ min: 1e-6, max: 1e4, noNaN: true }), (schema, v) => {
        const raw = Math.log2(v) * 2 ** schema;
        fc.pre(Math.abs(raw - Math.round(raw)) > 1e-6);
        expect(bucketKey(v, schema)).toBe(logKey(v, schema));
      }),
      { numRuns: 5000 },
    );
  });

  it('is the key the next boundary just above it gives (upper bounds are inclusive)', () => {
    // At schema 3, 2^(1/8) is bucket 1's upper bound: a hair above it is bucket 2.
    const bound = 2 ** (1 / 8);
    expect(bucketKey(bound * (1 + 1e-12), 3)).toBe(2);
    expect(bucketKey(bound * (1 - 1e-12), 3)).toBe(1);
  });
});

describe('NativeHistogram', () => {
  it('counts each observation once, in its bucket or the zero bucket', () => {
    const h = new NativeHistogram({ schema: 3, maxBuckets: 160 });
    for (const v of [0.001, 0.0011, 0.5, 0.5, 1, 0, -1, Number.NaN, ZERO_THRESHOLD]) h.observe(v);
    const s = h.snapshot();
    expect(s.zeroCount).toBe(4);
    expect(total(s)).toBe(9);
    expect(s.schema).toBe(3);
    const keys = new Map<number, number>();
    s.counts.forEach((c, i) => c > 0 && keys.set(s.offset + i, c));
    expect(keys.get(bucketKey(0.5, 3))).toBe(2);
    expect(keys.get(0)).toBe(1);
  });

  it('halves its resolution rather than span more than maxBuckets, and loses no count', () => {
    const h = new NativeHistogram({ schema: 8, maxBuckets: 20 });
    const values = [1e-5, 0.002, 0.01, 0.3, 2, 60, 1e6, 1e-9];
    for (const v of values) h.observe(v);
    const s = h.snapshot();
    expect(s.counts.length).toBeLessThanOrEqual(20);
    expect(s.schema).toBeLessThan(8);
    expect(total(s)).toBe(values.length);
    // Every value is still in the bucket its key at the final schema names.
    for (const v of values) expect(s.counts[bucketKey(v, s.schema) - s.offset]).toBeGreaterThan(0);
  });

  it('stops at schema −4, where the range of a double bounds the span', () => {
    const h = new NativeHistogram({ schema: 0, maxBuckets: 8 });
    for (const v of [1e-300, 1e-100, 1, 1e100, 1e300, Number.MAX_VALUE, Infinity]) h.observe(v);
    const s = h.snapshot();
    expect(s.schema).toBe(-4);
    expect(s.counts.length).toBeLessThanOrEqual(73);
    expect(total(s)).toBe(7);
  });

  it('summing snapshots at different schemas equals observing everything at the lower schema', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1e-6, max: 100, noNaN: true }), { maxLength: 200 }),
        fc.array(fc.double({ min: 1e-6, max: 100, noNaN: true }), { maxLength: 200 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 0, max: 8 }),
        (a, b, schemaA, schemaB) => {
          const options = (schema: number) => ({ schema, maxBuckets: 160 });
          const ha = new NativeHistogram(options(schemaA));
          const hb = new NativeHistogram(options(schemaB));
          for (const v of a) ha.observe(v);
          for (const v of b) hb.observe(v);
          const sum = new NativeHistogram(options(8));
          sum.addSnapshot(ha.snapshot());
          sum.addSnapshot(hb.snapshot());
          const reference = new NativeHistogram(options(Math.min(ha.schema, hb.schema, sum.schema)));
          for (const v of [...a, ...b]) reference.observe(v);
          // The reference may still have had to downscale on its own; compare at the schema both ended at.
          const target = Math.min(reference.schema, sum.schema);
          sum.downscale(sum.schema - target);
          reference.downscale(reference.schema - target);
          expect(sum.snapshot()).toEqual(reference.snapshot());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a snapshot is plain data: what a worker sends over IPC survives JSON', () => {
    const h = new NativeHistogram({ schema: 3, maxBuckets: 160 });
    for (let i = 1; i <= 100; i++) h.observe(i / 1000);
    const s = h.snapshot();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    const copy = new NativeHistogram({ schema: 3, maxBuckets: 160 });
    copy.addSnapshot(JSON.parse(JSON.stringify(s)));
    expect(copy.snapshot()).toEqual(s);
  });
});
