import fc from 'fast-check';

/**
 * Runs of epoch-millisecond times, each run close together and the runs far apart: the nearby times exercise a
 * per-second cache's hits, the jumps its misses, on both sides of each second.
 */
export const nearbyTimeRuns = fc.array(
  fc
    .integer({ min: -2_000_000_000_000, max: 4_000_000_000_000 })
    .chain((t) => fc.array(fc.integer({ min: -1500, max: 1500 }).map((d) => t + d), { minLength: 1, maxLength: 20 })),
  { maxLength: 10 },
);
