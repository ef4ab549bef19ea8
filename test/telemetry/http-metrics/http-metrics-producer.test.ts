import { TODAYS_HTTP_FAMILIES } from '../../support/http-families';
import { describe, expect, it } from 'vitest';
import { DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import { HttpMetrics } from '../../../src/telemetry/http-metrics/http-metrics';
import { HttpMetricsProducer } from '../../../src/telemetry/http-metrics/http-metrics-producer';
import { fixedMetrics } from './fixtures/fixed-metrics';

async function pushed(semconv: 'old' | 'stable' | 'dup' | undefined, namespace = ''): Promise<MetricData[]> {
  const metrics = fixedMetrics((o) => new HttpMetrics(o), semconv ? { semconv } : {});
  const result = await new HttpMetricsProducer(metrics, { namespace, subsystem: '', customLabels: { env: 'prod' } }).collect();
  expect(result.errors).toEqual([]);
  return result.resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
}

const TODAYS = TODAYS_HTTP_FAMILIES;

describe('HttpMetricsProducer (the OTLP push) in each OTEL_SEMCONV_STABILITY_OPT_IN mode', () => {
  it('default and old: today\'s families only, under their Prometheus names, no unit', async () => {
    for (const mode of [undefined, 'old'] as const) {
      const metrics = await pushed(mode);
      expect(metrics.map((m) => m.descriptor.name)).toEqual(TODAYS);
      expect(new Set(metrics.map((m) => m.descriptor.unit))).toEqual(new Set(['']));
    }
  });

  it('http: only http.server.request.duration, unit s, dotted attributes, whatever the namespace', async () => {
    const metrics = await pushed('stable', 'ns');
    expect(metrics.map((m) => [m.descriptor.name, m.descriptor.unit, m.dataPointType])).toEqual([['http.server.request.duration', 's', DataPointType.HISTOGRAM]]);
    const points = metrics[0]?.dataPoints as Array<{ attributes: Record<string, unknown>; value: { count: number; sum: number; buckets: { boundaries: number[]; counts: number[] } } }>;
    const find = (attributes: Record<string, unknown>) => points.filter((p) => JSON.stringify(p.attributes) === JSON.stringify({ ...attributes, env: 'prod' }));
    const ok = find({ 'http.request.method': 'GET', 'http.route': '/datasets/:id', 'http.response.status_code': 200, 'url.scheme': 'http', 'network.protocol.version': '1.1' });
    expect(ok).toHaveLength(1);
    expect(ok[0]?.value.count).toBe(2);
    expect(ok[0]?.value.buckets.boundaries).toEqual([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
    expect(ok[0]?.value.buckets.counts).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    // No route: http.route absent. A thrown 500: error.type is its class. A hang-up: no status code.
    expect(find({ 'http.request.method': 'GET', 'http.response.status_code': 404, 'url.scheme': 'http', 'network.protocol.version': '1.1' })).toHaveLength(1);
    expect(find({ 'http.request.method': 'GET', 'http.route': '/datasets', 'http.response.status_code': 500, 'error.type': 'QueryError', 'url.scheme': 'http', 'network.protocol.version': '1.1' })).toHaveLength(1);
    expect(find({ 'http.request.method': 'POST', 'http.route': '/datasets', 'error.type': 'client_closed', 'url.scheme': 'http', 'network.protocol.version': '1.1' })).toHaveLength(1);
    expect(find({ 'http.request.method': '_OTHER', 'http.response.status_code': 404, 'url.scheme': 'http', 'network.protocol.version': '1.1' })).toHaveLength(1);
    expect(points.reduce((n, p) => n + p.value.count, 0)).toBe(9); // every request but the excluded /health
  });

  it('http/dup: both, today\'s first', async () => {
    expect((await pushed('dup')).map((m) => m.descriptor.name)).toEqual([...TODAYS, 'http.server.request.duration']);
  });
});
