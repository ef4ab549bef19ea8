import { describe, expect, it } from 'vitest';
import { Histogram } from '../../../src/telemetry/http-metrics/histogram';

describe('Histogram', () => {
  it('puts values in the first bucket whose bound is >= the value (le semantics)', () => {
    const h = new Histogram([0.1, 1, 5]);
    for (const v of [0.05, 0.1, 0.10001, 1, 4.9, 5, 5.01, 100]) h.observe(v);
    expect(Array.from(h.counts)).toEqual([2, 2, 2, 2]);
    expect(h.cumulative()).toEqual([2, 4, 6, 8]);
    expect(h.count).toBe(8);
    expect(h.sum).toBeCloseTo(0.05 + 0.1 + 0.10001 + 1 + 4.9 + 5 + 5.01 + 100);
  });

  it('agrees with a linear scan for many random values', () => {
    const bounds = [0.001, 0.01, 0.05, 0.3, 1, 3, 60];
    const h = new Histogram(bounds);
    const expected = new Array(bounds.length + 1).fill(0);
    for (let i = 0; i < 5000; i++) {
      const v = Math.random() ** 3 * 100;
      h.observe(v);
      const idx = bounds.findIndex((b) => v <= b);
      expected[idx === -1 ? bounds.length : idx]++;
    }
    expect(Array.from(h.counts)).toEqual(expected);
  });
});
