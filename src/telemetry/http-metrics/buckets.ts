/** Fine buckets, 1 ms to 60 s, for accurate overall percentiles from the label-less histogram. */
export const HIGHR_DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 7.5,
  10, 30, 60,
];

/** Request and response sizes in bytes: 100 B to 10 MB by decades. */
export const SIZE_BUCKETS = [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

/**
 * The stable semantic conventions' bucket advice for `http.server.request.duration`, in seconds: fixed by the
 * standard (not METRICS_DURATION_BUCKETS), so that every service's histogram can be aggregated with every other's.
 */
export const SEMCONV_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
