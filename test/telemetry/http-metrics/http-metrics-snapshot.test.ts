import { describe, expect, it } from 'vitest';
import { HttpMetrics } from '../../../src/telemetry/http-metrics/http-metrics';
import { addHttpMetricsSnapshot, snapshotHttpMetrics } from '../../../src/telemetry/http-metrics/http-metrics-snapshot';
import { renderPrometheusText } from '../../../src/telemetry/http-metrics/prometheus-text';

const options = { durationBuckets: [0.1, 1], groupStatusCodes: false, excludedHandlers: [] };
const text = { namespace: '', subsystem: '', customLabels: {} };

function worker(requests: Array<[string, number, number]>, inProgress = 0, span?: { traceId: string; spanId: string }): HttpMetrics {
  const metrics = new HttpMetrics(options);
  for (const [handler, status, seconds] of requests) {
    const h = metrics.handlerSeries(handler)!;
    const m = metrics.methodSeries(h, 'GET');
    metrics.recordRequest(h, m, status, seconds, 10, 100, span);
  }
  if (inProgress) metrics.methodSeries(metrics.handlerSeries('/a')!, 'GET').inProgress = inProgress;
  return metrics;
}

describe('HTTP metrics snapshots', () => {
  it('sum to what one process serving all the requests would show', () => {
    const a = worker([['/a', 200, 0.05], ['/a', 500, 2]], 1);
    const b = worker([['/a', 200, 0.5], ['/b', 404, 0.01]], 2);
    const one = worker([['/a', 200, 0.05], ['/a', 500, 2], ['/a', 200, 0.5], ['/b', 404, 0.01]], 3);
    const sum = new HttpMetrics(options);
    // Through JSON, as IPC carries them.
    for (const w of [a, b]) addHttpMetricsSnapshot(sum, JSON.parse(JSON.stringify(snapshotHttpMetrics(w))), true);
    expect(renderPrometheusText(sum, text)).toBe(renderPrometheusText(one, text));
  });

  it('keep the totals but not the in-progress gauge of a process that is gone', () => {
    const gone = worker([['/a', 200, 0.05]], 5);
    const sum = new HttpMetrics(options);
    addHttpMetricsSnapshot(sum, snapshotHttpMetrics(gone), false);
    const series = sum.handlerSeries('/a')!.methods.get('GET')!;
    expect(series.requests.get(200)).toBe(1);
    expect(series.duration.count).toBe(1);
    expect(series.inProgress).toBe(0);
  });

  it('keep the newest exemplar of each bucket across processes', async () => {
    const older = worker([['/a', 200, 0.05]], 0, { traceId: 'a'.repeat(32), spanId: 'a'.repeat(16) });
    await new Promise((r) => setTimeout(r, 5));
    const newer = worker([['/a', 200, 0.06]], 0, { traceId: 'b'.repeat(32), spanId: 'b'.repeat(16) });
    for (const order of [[older, newer], [newer, older]]) {
      const sum = new HttpMetrics(options);
      for (const w of order) addHttpMetricsSnapshot(sum, JSON.parse(JSON.stringify(snapshotHttpMetrics(w))), true);
      const series = sum.handlerSeries('/a')!.methods.get('GET')!;
      expect(series.duration.exemplars?.[0]?.traceId).toBe('b'.repeat(32));
      expect(series.requestExemplars?.get(200)?.traceId).toBe('b'.repeat(32));
    }
  });
});
