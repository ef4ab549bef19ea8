import { describe, expect, it } from 'vitest';
import { HttpMetrics } from '../../../src/telemetry/http-metrics/http-metrics';
import { renderPrometheusText } from '../../../src/telemetry/http-metrics/prometheus-text';

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
