import { HttpMetrics, type HttpMetricsOptions } from '../../src/telemetry/http-metrics';

/** The service's default duration buckets (METRICS_DURATION_BUCKETS), in seconds. */
export const DEFAULT_DURATION_BUCKETS = [0.05, 0.1, 0.3, 1, 3, 5];

/** The HTTP methods the filled series cycle through: 4 methods per route template. */
export const FILL_METHODS = ['GET', 'POST', 'PUT', 'DELETE'];

/** The route template of the `i`-th handler×method series (4 series per template). */
export const fillRoute = (i: number): string => `/v2/resource_${Math.floor(i / FILL_METHODS.length)}/:id`;

/**
 * An HttpMetrics holding `methodSeries` handler×method series (route templates `/v2/resource_<n>/:id`, 4 methods
 * each, status 200), one request recorded in each: what a scrape of that many series renders.
 */
export function fillRegistry(methodSeries: number, span?: { traceId: string; spanId: string }, options: Partial<HttpMetricsOptions> = {}): HttpMetrics {
  const metrics = new HttpMetrics({ durationBuckets: DEFAULT_DURATION_BUCKETS, groupStatusCodes: false, excludedHandlers: [], ...options });
  for (let i = 0; i < methodSeries; i++) {
    const h = metrics.handlerSeries(fillRoute(i))!;
    const m = metrics.methodSeries(h, FILL_METHODS[i % FILL_METHODS.length]!);
    metrics.recordRequest(h, m, 200, Math.random(), 100, 1000, span);
  }
  return metrics;
}
