import { newer, type Exemplar } from './exemplar';
import { Histogram } from './histogram';
import type { HttpMetrics } from './http-metrics';
import type { NativeHistogramSnapshot } from './native-histogram';

/**
 * The HTTP metrics of one process as plain data, for sending between processes (worker → primary → worker) and
 * summing: counters and histograms add up; the in-progress gauge adds up too, but only over live processes.
 */
export interface HistogramSnapshot {
  counts: number[];
  sum: number;
  count: number;
  /** Latest exemplar per bucket (null where none); absent when none was ever recorded. */
  exemplars?: Array<Exemplar | null>;
  /** The native buckets, when native histograms are on. */
  native?: NativeHistogramSnapshot;
}

export interface HttpMetricsSnapshot {
  /** `HttpMetrics.recordings`: tells whether anything was recorded since an earlier snapshot. */
  recordings: number;
  highr: HistogramSnapshot;
  handlers: Array<{
    handler: string;
    requestSize: HistogramSnapshot;
    responseSize: HistogramSnapshot;
    errors: Array<[string, number]>;
    methods: Array<{
      method: string;
      inProgress: number;
      requests: Array<[number, number]>;
      requestExemplars?: Array<[number, Exemplar]>;
      duration: HistogramSnapshot;
    }>;
  }>;
  /** `http.server.request.duration`, by route; `status` 0 and `errorType` '' are attributes left out. */
  serverDuration: Array<{
    route: string;
    cells: Array<{ method: string; status: number; errorType: string; scheme: string; protocolVersion: string; duration: HistogramSnapshot }>;
  }>;
}

function histogramSnapshot(h: Histogram): HistogramSnapshot {
  const snapshot: HistogramSnapshot = { counts: Array.from(h.counts), sum: h.sum, count: h.count };
  if (h.native) snapshot.native = h.native.snapshot();
  if (h.exemplars) snapshot.exemplars = Array.from({ length: h.counts.length }, (_, i) => (h.exemplars?.[i] ? { ...h.exemplars[i] } : null));
  return snapshot;
}

function addHistogram(into: Histogram, from: HistogramSnapshot): void {
  // Bucket layouts come from the same configuration in every process; a mismatch is a bug, not data to fold in.
  if (from.counts.length !== into.counts.length) throw new Error('histogram bucket layouts differ between processes');
  for (let i = 0; i < from.counts.length; i++) into.counts[i]! += from.counts[i] as number;
  into.sum += from.sum;
  into.count += from.count;
  // A worker that had to lower its resolution merges at its schema (the sum downscales); one without native buckets
  // (configured differently, e.g. mid-rollout) cannot be split into them and leaves the native part short.
  if (into.native && from.native) into.native.addSnapshot(from.native);
  if (from.exemplars) {
    const slots = (into.exemplars ??= []);
    // The newest exemplar of the processes wins each bucket.
    for (let i = 0; i < from.exemplars.length; i++) slots[i] = newer(slots[i], from.exemplars[i]);
  }
}

export function snapshotHttpMetrics(metrics: HttpMetrics): HttpMetricsSnapshot {
  const handlers: HttpMetricsSnapshot['handlers'] = [];
  for (const h of metrics.handlers.values()) {
    if (h === null) continue;
    handlers.push({
      handler: h.handler,
      requestSize: histogramSnapshot(h.requestSize),
      responseSize: histogramSnapshot(h.responseSize),
      errors: [...h.errors],
      methods: [...h.methods.values()].map((m) => ({
        method: m.method,
        inProgress: m.inProgress,
        requests: [...m.requests],
        ...(m.requestExemplars ? { requestExemplars: [...m.requestExemplars].map(([key, e]) => [key, { ...e }] as [number, Exemplar]) } : {}),
        duration: histogramSnapshot(m.duration),
      })),
    });
  }
  const serverDuration: HttpMetricsSnapshot['serverDuration'] = [];
  for (const route of metrics.serverDuration.values()) {
    if (route === null) continue;
    serverDuration.push({
      route: route.route,
      cells: [...route.cells.values()].map((c) => ({
        method: c.method,
        status: c.status,
        errorType: c.errorType,
        scheme: c.scheme,
        protocolVersion: c.protocolVersion,
        duration: histogramSnapshot(c.duration),
      })),
    });
  }
  return { recordings: metrics.recordings, highr: histogramSnapshot(metrics.highrDuration), handlers, serverDuration };
}

/**
 * Adds a snapshot into `metrics`. With `gauges: false` (a process that is gone) only the counters and histograms
 * count: its requests are no longer in progress, but its totals must stay in the sums so they never go down.
 */
export function addHttpMetricsSnapshot(metrics: HttpMetrics, snapshot: HttpMetricsSnapshot, gauges: boolean): void {
  metrics.recordings += snapshot.recordings;
  addHistogram(metrics.highrDuration, snapshot.highr);
  for (const h of snapshot.handlers) {
    const handler = metrics.handlerSeries(h.handler);
    if (handler === null) continue;
    addHistogram(handler.requestSize, h.requestSize);
    addHistogram(handler.responseSize, h.responseSize);
    for (const [type, count] of h.errors) handler.errors.set(type, (handler.errors.get(type) ?? 0) + count);
    for (const m of h.methods) {
      const series = metrics.methodSeries(handler, m.method);
      if (gauges) series.inProgress += m.inProgress;
      for (const [key, count] of m.requests) series.requests.set(key, (series.requests.get(key) ?? 0) + count);
      for (const [key, exemplar] of m.requestExemplars ?? []) {
        const kept = (series.requestExemplars ??= new Map());
        kept.set(key, newer(kept.get(key), exemplar) as Exemplar);
      }
      addHistogram(series.duration, m.duration);
    }
  }
  for (const r of snapshot.serverDuration) {
    const route = metrics.serverDurationRoute(r.route);
    if (route === null) continue;
    for (const c of r.cells) addHistogram(metrics.serverDurationCell(route, c.method, c.status, c.errorType, c.scheme, c.protocolVersion).duration, c.duration);
  }
}
