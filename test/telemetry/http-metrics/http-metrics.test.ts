import { describe, expect, it } from 'vitest';
import type { RequestOutcome } from '../../../src/http/request-outcome';
import { HttpMetrics, type HttpMetricsOptions } from '../../../src/telemetry/http-metrics/http-metrics';
import { httpMetricsSubscriber } from '../../../src/telemetry/http-metrics/http-metrics-subscriber';
import { renderPrometheusText } from '../../../src/telemetry/http-metrics/prometheus-text';
import { outcome } from './fixtures/fixed-metrics';

function record(metrics: HttpMetrics, handler: string, method: string, status: number, seconds = 0.02): void {
  const h = metrics.handlerSeries(handler);
  if (h) metrics.recordRequest(h, metrics.methodSeries(h, method), status, seconds, 10, 20);
}

const plain = { namespace: '', subsystem: '', customLabels: {} };

describe('HttpMetrics + renderPrometheusText', () => {
  it('renders exact names, labels and bucket boundaries', () => {
    const metrics = new HttpMetrics({ durationBuckets: [0.05, 0.1, 0.3, 1, 3, 5], groupStatusCodes: false, excludedHandlers: [] });
    record(metrics, '/datasets/:id', 'GET', 200, 0.07);
    record(metrics, '/datasets/:id', 'GET', 404, 0.2);
    const text = renderPrometheusText(metrics, plain);
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toContain('http_requests_total{handler="/datasets/:id",method="GET",status="200"} 1');
    expect(text).toContain('http_requests_total{handler="/datasets/:id",method="GET",status="404"} 1');
    const buckets = [...text.matchAll(/^http_request_duration_seconds_bucket\{handler="\/datasets\/:id",method="GET",le="([^"]+)"\} (\d+)$/gm)];
    expect(buckets.map((b) => [b[1], Number(b[2])])).toEqual([
      ['0.05', 0], ['0.1', 1], ['0.3', 2], ['1', 2], ['3', 2], ['5', 2], ['+Inf', 2],
    ]);
    expect(text).toMatch(/^http_request_duration_highr_seconds_bucket\{le="0\.001"\} 0$/m);
    expect(text).toMatch(/^http_request_duration_highr_seconds_bucket\{le="60"\} 2$/m);
    expect(text).toMatch(/^http_request_size_bytes_count\{handler="\/datasets\/:id"\} 2$/m);
    expect(text).toMatch(/^http_response_size_bytes_sum\{handler="\/datasets\/:id"\} 40$/m);
    expect(text).toContain('http_requests_in_progress{handler="/datasets/:id",method="GET"} 0');
  });

  it('groups status codes, prefixes names and adds custom labels', () => {
    const metrics = new HttpMetrics({ durationBuckets: [1], groupStatusCodes: true, excludedHandlers: [] });
    record(metrics, '/x', 'GET', 200);
    record(metrics, '/x', 'GET', 204);
    const text = renderPrometheusText(metrics, { namespace: 'ns', subsystem: 'api', customLabels: { env: 'prod' } });
    expect(text).toContain('ns_api_http_requests_total{handler="/x",method="GET",status="2xx",env="prod"} 2');
    expect(text).toMatch(/^ns_api_http_request_duration_highr_seconds_count\{env="prod"\} 2$/m);
    expect(text).not.toMatch(/^http_/m);
  });

  it('does not record excluded handlers', () => {
    const metrics = new HttpMetrics({ durationBuckets: [1], groupStatusCodes: false, excludedHandlers: [/^\/health$/] });
    record(metrics, '/health', 'GET', 200);
    record(metrics, '/healthz', 'GET', 200);
    const text = renderPrometheusText(metrics, plain);
    expect(text).not.toContain('handler="/health"');
    expect(text).toContain('handler="/healthz"');
  });

  it('caps the distinct error types', () => {
    const metrics = new HttpMetrics({ durationBuckets: [1], groupStatusCodes: false, excludedHandlers: [], maxErrorTypes: 2 });
    const h = metrics.handlerSeries('/x')!;
    for (const type of ['A', 'B', 'C', 'D', 'A']) metrics.recordError(h, type);
    expect(Object.fromEntries(h.errors)).toEqual({ A: 2, B: 1, other: 2 });
  });
});

describe('HttpMetrics in each OTEL_SEMCONV_STABILITY_OPT_IN mode', () => {
  const request = (fields: Partial<RequestOutcome>) => outcome({ route: '/x', entered: true, ...fields });
  const feed = (metrics: HttpMetrics, outcomes: RequestOutcome[]) => {
    const subscriber = httpMetricsSubscriber(metrics);
    for (const o of outcomes) {
      subscriber.routeEntered?.(o.route, o.method);
      subscriber.completed(o);
    }
  };
  const create = (semconv: 'old' | 'stable' | 'dup', extra: Partial<HttpMetricsOptions> = {}) =>
    new HttpMetrics({ durationBuckets: [1], groupStatusCodes: false, excludedHandlers: [], semconv, ...extra });

  it('old records only today\'s families, stable only the semantic-convention one, dup both; each counts its recordings', () => {
    const recorded = (semconv: 'old' | 'stable' | 'dup') => {
      const metrics = create(semconv);
      feed(metrics, [request({}), request({ status: 500, errorType: 'E' })]);
      return {
        handlers: metrics.handlers.size,
        highr: metrics.highrDuration.count,
        serverDuration: [...metrics.serverDuration.values()].flatMap((r) => [...(r?.cells.values() ?? [])]).reduce((n, c) => n + c.duration.count, 0),
        recordings: metrics.recordings,
      };
    };
    expect(recorded('old')).toEqual({ handlers: 1, highr: 2, serverDuration: 0, recordings: 2 });
    expect(recorded('stable')).toEqual({ handlers: 0, highr: 0, serverDuration: 2, recordings: 2 });
    expect(recorded('dup')).toEqual({ handlers: 1, highr: 2, serverDuration: 2, recordings: 4 });
  });

  it('creates one cell per attribute set, and finds it again', () => {
    const metrics = create('stable');
    feed(metrics, [request({}), request({}), request({ status: 404 }), request({ scheme: 'https' }), request({ httpVersion: '1.0' }), request({ method: 'PUT' }), request({ status: 503 })]);
    const route = metrics.serverDuration.get('/x');
    expect([...(route?.cells.values() ?? [])].map((c) => [c.method, c.status, c.errorType, c.scheme, c.protocolVersion, c.duration.count])).toEqual([
      ['GET', 200, '', 'http', '1.1', 2],
      ['GET', 404, '', 'http', '1.1', 1],
      ['GET', 200, '', 'https', '1.1', 1],
      ['GET', 200, '', 'http', '1.0', 1],
      ['PUT', 200, '', 'http', '1.1', 1],
      ['GET', 503, '503', 'http', '1.1', 1],
    ]);
    expect(route?.httpRoute).toBe('/x');
    expect(metrics.serverDurationCell(route!, 'GET', 200, '', 'http', '1.1').duration.count).toBe(2);
  });

  it('keeps the handler exclusions, and leaves http.route out when no route matched', () => {
    const metrics = create('stable', { excludedHandlers: [/^\/health$/] });
    feed(metrics, [request({ route: '/health' }), request({ route: 'none', entered: false, status: 404 })]);
    expect(metrics.serverDuration.get('/health')).toBeNull();
    expect(metrics.serverDuration.get('none')?.httpRoute).toBeUndefined();
  });

  it('caps error classes as http_errors_total does, folding the rest into _OTHER; status-code error types are not capped', () => {
    const metrics = create('dup', { maxErrorTypes: 2 });
    feed(metrics, ['A', 'B', 'C', 'A'].map((errorType) => request({ status: 500, errorType })));
    feed(metrics, [request({ status: 502 }), request({ status: 503 })]);
    const types = [...(metrics.serverDuration.get('/x')?.cells.values() ?? [])].map((c) => [c.errorType, c.duration.count]);
    expect(types).toEqual([['A', 2], ['B', 1], ['_OTHER', 1], ['502', 1], ['503', 1]]);
    expect(Object.fromEntries(metrics.handlerSeries('/x')!.errors)).toEqual({ A: 2, B: 1, other: 1 });
  });

  it('keeps the latest sampled trace as the exemplar of the bucket, none for unsampled requests', () => {
    const metrics = create('stable');
    feed(metrics, [
      request({ durationSeconds: 0.02, spanContext: { traceId: 'a'.repeat(32), spanId: 'a'.repeat(16), traceFlags: 1 } }),
      request({ durationSeconds: 0.02, spanContext: { traceId: 'b'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 0 } }),
    ]);
    const cell = [...(metrics.serverDuration.get('/x')?.cells.values() ?? [])][0];
    expect(cell?.duration.exemplars?.[2]).toMatchObject({ traceId: 'a'.repeat(32), value: 0.02 });
    expect(cell?.duration.exemplars?.filter(Boolean)).toHaveLength(1);
  });
});
