import { describe, expect, it } from 'vitest';
import { HttpMetrics } from '../../../src/telemetry/http-metrics/http-metrics';
import { addHttpMetricsSnapshot, snapshotHttpMetrics } from '../../../src/telemetry/http-metrics/http-metrics-snapshot';
import { renderPrometheusText } from '../../../src/telemetry/http-metrics/prometheus-text';
import { httpMetricsSubscriber } from '../../../src/telemetry/http-metrics/http-metrics-subscriber';
import type { RequestOutcome } from '../../../src/http/request-outcome';
import { httpMetricFamilies } from '../../../src/telemetry/protobuf/http-metrics-families';
import { outcome } from './fixtures/fixed-metrics';

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

describe('HTTP metrics snapshots with the semantic-convention histogram', () => {
  const semconvOptions = (semconv: 'stable' | 'dup') => ({ ...options, semconv, nativeHistogram: { schema: 3, maxBuckets: 160 } });
  const served = (semconv: 'stable' | 'dup', outcomes: RequestOutcome[]) => {
    const metrics = new HttpMetrics(semconvOptions(semconv));
    const subscriber = httpMetricsSubscriber(metrics);
    for (const o of outcomes) subscriber.completed(o);
    return metrics;
  };
  // Durations that add up exactly in binary, whatever the order of the sums.
  const a = [outcome({ route: '/a', durationSeconds: 0.015625 }), outcome({ route: '/a', status: 500, errorType: 'E', durationSeconds: 2 }), outcome({ status: 404, durationSeconds: 0.0078125 })];
  const b = [outcome({ route: '/a', durationSeconds: 0.25 }), outcome({ route: '/a', status: 499, method: 'POST', durationSeconds: 0.5 }), outcome({ status: 404, scheme: 'https', durationSeconds: 0.0078125 })];

  it.each(['stable', 'dup'] as const)('%s: sum to what one process serving all the requests would show', (semconv) => {
    const sum = new HttpMetrics(semconvOptions(semconv));
    for (const w of [served(semconv, a), served(semconv, b)]) addHttpMetricsSnapshot(sum, JSON.parse(JSON.stringify(snapshotHttpMetrics(w))), true);
    const one = served(semconv, [...a, ...b]);
    expect(renderPrometheusText(sum, text)).toBe(renderPrometheusText(one, text));
    // The native buckets too (the protobuf exposition shows them).
    expect(httpMetricFamilies(sum, text)).toEqual(httpMetricFamilies(one, text));
    expect(renderPrometheusText(sum, text)).toMatch(/^http_server_request_duration_seconds_count\{http_request_method="GET",http_route="\/a",http_response_status_code="200",url_scheme="http",network_protocol_version="1.1"\} 2$/m);
    expect(sum.recordings).toBe(one.recordings);
  });

  it('keep the semantic-convention totals of a process that is gone, and its newest exemplar', () => {
    const gone = served('stable', [outcome({ route: '/a', spanContext: { traceId: 'c'.repeat(32), spanId: 'c'.repeat(16), traceFlags: 1 } })]);
    const sum = new HttpMetrics(semconvOptions('stable'));
    addHttpMetricsSnapshot(sum, JSON.parse(JSON.stringify(snapshotHttpMetrics(gone))), false);
    const cell = [...(sum.serverDuration.get('/a')?.cells.values() ?? [])][0];
    expect(cell?.duration.count).toBe(1);
    expect(cell?.duration.exemplars?.find(Boolean)?.traceId).toBe('c'.repeat(32));
  });
});
