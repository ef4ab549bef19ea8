import { describe, expect, it } from 'vitest';
import { DataPointType, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { groupHttpMetrics, sdkMetricsByWorker } from '../../src/cluster/group-metrics';
import { HttpMetrics, httpMetricsSubscriber, renderPrometheusText, snapshotHttpMetrics, type HttpMetricsSnapshot } from '../../src/telemetry/http-metrics';
import { NativeHistogram } from '../../src/telemetry/http-metrics/native-histogram';
import { sampleValue } from '../support/metrics-text';
import { outcome } from '../telemetry/http-metrics/fixtures/fixed-metrics';

const cpu = (value: number): ScopeMetrics => ({
  scope: { name: 'asset-catalogue-process' },
  metrics: [
    {
      descriptor: { name: 'process_cpu_seconds_total', description: 'cpu', unit: '', valueType: 1, type: 'OBSERVABLE_COUNTER' as never },
      aggregationTemporality: 1,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: [{ attributes: {}, startTime: [0, 0], endTime: [1, 0], value }],
    } as never,
  ],
});

describe('sdkMetricsByWorker', () => {
  it('keeps each worker\'s points under one family, labelled with the worker, none summed', () => {
    const merged = sdkMetricsByWorker([
      { worker: 1, snapshot: { http: undefined, sdk: [cpu(1.5)] } },
      { worker: 3, snapshot: { http: undefined, sdk: [cpu(2.5)] } },
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]?.metrics).toHaveLength(1);
    const points = merged[0]?.metrics[0]?.dataPoints as Array<{ attributes: Record<string, string>; value: number }>;
    expect(points.map((p) => [p.attributes.worker, p.value])).toEqual([['1', 1.5], ['3', 2.5]]);
  });
});

describe('groupHttpMetrics, native histograms', () => {
  const options = { durationBuckets: [0.1, 1], groupStatusCodes: false, excludedHandlers: [], nativeHistogram: { schema: 3, maxBuckets: 40 } };
  const worker = (values: number[]) => {
    const metrics = new HttpMetrics(options);
    const h = metrics.handlerSeries('/x')!;
    for (const v of values) metrics.recordRequest(h, metrics.methodSeries(h, 'GET'), 200, v, 0, 0);
    // What the primary gets: the snapshot after a JSON round trip, as IPC carries it.
    return JSON.parse(JSON.stringify(snapshotHttpMetrics(metrics))) as HttpMetricsSnapshot;
  };

  it('sums workers at different resolutions exactly, at the lower one, a dead worker\'s totals included', () => {
    const narrow = [0.001, 0.0012, 0.0013, 0.002];
    const wide = [0.0001, 0.01, 1, 30];
    const gone = [0.004, 0.004];
    const a = worker(narrow);
    const b = worker(wide);
    expect(a.handlers[0]!.methods[0]!.duration.native!.schema).toBe(3);
    expect(b.handlers[0]!.methods[0]!.duration.native!.schema).toBeLessThan(3); // 40 buckets cannot span 0.1 ms … 30 s at schema 3
    const sum = groupHttpMetrics(options, { live: [{ worker: 1, snapshot: { http: a, sdk: [] } }, { worker: 2, snapshot: { http: b, sdk: [] } }], kept: [worker(gone)], series: [] });
    const native = sum.handlerSeries('/x')!.methods.get('GET')!.duration.native!.snapshot();
    // The reference: every observation in one histogram, brought to the same schema.
    const reference = new NativeHistogram(options.nativeHistogram);
    for (const v of [...narrow, ...wide, ...gone]) reference.observe(v);
    reference.downscale(reference.schema - native.schema);
    expect(native).toEqual(reference.snapshot());
    expect(native.counts.reduce((x, y) => x + y, 0)).toBe(10);
  });
});

describe('groupHttpMetrics with OTEL_SEMCONV_STABILITY_OPT_IN=http/dup', () => {
  it('sums the semantic-convention histogram of live workers and of kept totals, like today\'s histograms', () => {
    const options = { durationBuckets: [1], groupStatusCodes: false, excludedHandlers: [], semconv: 'dup' as const };
    const worker = (...durations: number[]) => {
      const metrics = new HttpMetrics(options);
      const subscriber = httpMetricsSubscriber(metrics);
      for (const durationSeconds of durations) subscriber.completed(outcome({ route: '/datasets', durationSeconds }));
      return snapshotHttpMetrics(metrics);
    };
    const sum = groupHttpMetrics(options, {
      live: [
        { worker: 1, snapshot: { http: worker(0.004, 0.2), sdk: [] } },
        { worker: 2, snapshot: { http: worker(3), sdk: [] } },
      ],
      kept: [worker(0.02)],
      series: [],
    });
    const text = renderPrometheusText(sum, { namespace: '', subsystem: '', customLabels: {} });
    const series = 'http_request_method="GET",http_route="/datasets",http_response_status_code="200",url_scheme="http",network_protocol_version="1.1"';
    expect(sampleValue(text, `http_server_request_duration_seconds_count{${series}}`)).toBe(4);
    expect(sampleValue(text, `http_server_request_duration_seconds_bucket{${series},le="0.005"}`)).toBe(1);
    expect(sampleValue(text, `http_server_request_duration_seconds_bucket{${series},le="0.25"}`)).toBe(3);
    expect(sampleValue(text, `http_server_request_duration_seconds_sum{${series}}`)).toBeCloseTo(3.224);
    // Today's families are summed alongside, the same requests.
    expect(sampleValue(text, 'http_requests_total{handler="/datasets",method="GET",status="200"}')).toBe(4);
  });
});
