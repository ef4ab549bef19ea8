import { describe, expect, it } from 'vitest';
import { HttpMetrics, type HttpMetricsOptions } from '../../../src/telemetry/http-metrics/http-metrics';
import { renderPrometheusText } from '../../../src/telemetry/http-metrics/prometheus-text';
import { decodeDelimited, encodeDelimited, MetricType } from '../../../src/telemetry/protobuf/client-model';
import { httpMetricFamilies, nativeSpans } from '../../../src/telemetry/protobuf/http-metrics-families';
import { bucketKey } from '../../../src/telemetry/http-metrics/native-histogram';
import { protobufSamples, textSamples } from '../../support/protobuf-samples';
import { fixedMetrics } from '../http-metrics/fixtures/fixed-metrics';

const span = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };

function filled(options: Partial<HttpMetricsOptions> = {}): HttpMetrics {
  const metrics = new HttpMetrics({ durationBuckets: [0.05, 0.1, 0.3, 1, 3, 5], groupStatusCodes: false, excludedHandlers: [], nativeHistogram: { schema: 3, maxBuckets: 160 }, ...options });
  const record = (handler: string, method: string, status: number, seconds: number, traced = false) => {
    const h = metrics.handlerSeries(handler)!;
    metrics.recordRequest(h, metrics.methodSeries(h, method), status, seconds, 10, 2000, traced ? span : undefined);
  };
  record('/datasets/:id', 'GET', 200, 0.0123, true);
  record('/datasets/:id', 'GET', 200, 0.7);
  record('/datasets/:id', 'GET', 404, 7, true);
  record('/stats/top/:type', 'GET', 200, 0.2);
  record('a "quoted"\\handler', 'other', 503, 0.001);
  metrics.recordError(metrics.handlerSeries('/stats/top/:type')!, 'QueryError');
  metrics.methodSeries(metrics.handlerSeries('/datasets/:id')!, 'GET').inProgress = 2;
  return metrics;
}

describe('nativeSpans', () => {
  it('writes runs as spans and counts as deltas, bridging gaps of one or two empty buckets', () => {
    expect(nativeSpans(-5, [2, 3, 0, 1, 0, 0, 4, 0, 0, 0, 5])).toEqual({
      spans: [
        { offset: -5, length: 7 },
        { offset: 3, length: 1 },
      ],
      deltas: [2, 1, -3, 1, -1, 0, 4, 1],
    });
    expect(nativeSpans(0, [])).toEqual({ spans: [], deltas: [] });
    expect(nativeSpans(7, [0, 0, 1])).toEqual({ spans: [{ offset: 9, length: 1 }], deltas: [1] });
  });
});

describe('httpMetricFamilies', () => {
  it('stands for exactly the series and values of the text exposition', () => {
    for (const options of [{}, { groupStatusCodes: true }, { nativeHistogram: undefined }]) {
      const metrics = filled(options);
      const textOptions = { namespace: 'ns', subsystem: 'api', customLabels: { env: 'prod', region: 'eu' } };
      const families = decodeDelimited(encodeDelimited(httpMetricFamilies(metrics, textOptions)));
      expect(protobufSamples(families)).toEqual(textSamples(renderPrometheusText(metrics, textOptions)));
    }
  });

  it('carries native buckets beside the classic ones on the duration histograms only, and exemplars as in OpenMetrics', () => {
    const families = decodeDelimited(encodeDelimited(httpMetricFamilies(filled(), { namespace: '', subsystem: '', customLabels: {} })));
    const duration = families.find((f) => f.name === 'http_request_duration_seconds')!;
    const get = duration.metric.find((m) => m.label.some((l) => l.value === '/datasets/:id'))!.histogram!;
    expect(get.schema).toBe(3);
    expect(get.zero_threshold).toBeGreaterThan(0);
    // Three observations, each in the native bucket its key names.
    const keys: number[] = [];
    let key = 0;
    let d = 0;
    let count = 0;
    for (const [i, s] of get.positive_span!.entries()) {
      key = i === 0 ? s.offset : key + s.offset;
      for (let j = 0; j < s.length; j++, key++) {
        count += get.positive_delta![d++]!;
        if (count > 0) keys.push(key);
      }
    }
    expect(keys).toEqual([bucketKey(0.0123, 3), bucketKey(0.7, 3), bucketKey(7, 3)]);
    // The 12.3 ms request's trace on the 0.05 bucket, the 7 s one's on +Inf.
    expect(get.bucket[0]!.exemplar!.label).toEqual([{ name: 'trace_id', value: span.traceId }, { name: 'span_id', value: span.spanId }]);
    expect(get.bucket[0]!.exemplar!.value).toBe(0.0123);
    expect(get.bucket[6]!.exemplar!.value).toBe(7);
    expect(get.bucket[1]!.exemplar).toBeUndefined();
    const requests = families.find((f) => f.name === 'http_requests_total')!;
    const ok = requests.metric.find((m) => m.label.some((l) => l.value === '200') && m.label.some((l) => l.value === '/datasets/:id'))!;
    expect(ok.counter!.exemplar!.value).toBe(1);
    for (const name of ['http_request_duration_highr_seconds', 'http_request_size_bytes', 'http_response_size_bytes']) {
      for (const m of families.find((f) => f.name === name)!.metric) expect(m.histogram!.schema, name).toBeUndefined();
    }
  });

  it('marks a native histogram with no observation in buckets yet as native (a no-op span)', () => {
    const metrics = filled();
    const families = httpMetricFamilies(metrics, { namespace: '', subsystem: '', customLabels: {} });
    const slow = families.find((f) => f.name === 'http_request_duration_seconds')!.metric.find((m) => m.label.some((l) => l.value === 'other'))!;
    expect(slow.histogram!.positive_span!.length).toBeGreaterThan(0);
    const empty = new HttpMetrics({ durationBuckets: [1], groupStatusCodes: false, excludedHandlers: [], nativeHistogram: { schema: 3, maxBuckets: 160 } });
    const h = empty.handlerSeries('/x')!;
    empty.recordRequest(h, empty.methodSeries(h, 'GET'), 200, 0, 0, 0);
    const zero = httpMetricFamilies(empty, { namespace: '', subsystem: '', customLabels: {} }).find((f) => f.name === 'http_request_duration_seconds')!.metric[0]!.histogram!;
    expect(zero.zero_count).toBe(1);
    expect(zero.positive_span).toEqual([{ offset: 0, length: 0 }]);
  });

  it('leaves the text and OpenMetrics answers as they were: native buckets change neither', () => {
    const on = filled();
    const off = filled({ nativeHistogram: undefined });
    const options = { namespace: '', subsystem: '', customLabels: {} };
    expect(renderPrometheusText(on, options)).toBe(renderPrometheusText(off, options));
    // Exemplar timestamps differ between the two builds; compare with them masked.
    const mask = (t: string) => t.replace(/ \d+\.\d{3}$/gm, ' T');
    expect(mask(renderPrometheusText(on, options, true))).toBe(mask(renderPrometheusText(off, options, true)));
  });
});

describe('httpMetricFamilies with OTEL_SEMCONV_STABILITY_OPT_IN', () => {
  const native = { schema: 3, maxBuckets: 160 };
  const families = (semconv: 'old' | 'stable' | 'dup') =>
    decodeDelimited(encodeDelimited(httpMetricFamilies(fixedMetrics((o) => new HttpMetrics(o), { semconv, nativeHistogram: native }), { namespace: 'ns', subsystem: '', customLabels: { env: 'prod' } })));

  it.each(['old', 'stable', 'dup'] as const)('%s: stands for exactly the series and values of the text exposition', (semconv) => {
    const metrics = fixedMetrics((o) => new HttpMetrics(o), { semconv, nativeHistogram: native });
    const options = { namespace: 'ns', subsystem: '', customLabels: { env: 'prod' } };
    expect(protobufSamples(decodeDelimited(encodeDelimited(httpMetricFamilies(metrics, options))))).toEqual(textSamples(renderPrometheusText(metrics, options)));
  });

  it('old has no semantic-convention family, stable nothing else, dup both', () => {
    const names = (semconv: 'old' | 'stable' | 'dup') => families(semconv).map((f) => f.name);
    expect(names('old')).not.toContain('http_server_request_duration_seconds');
    expect(names('stable')).toEqual(['http_server_request_duration_seconds']);
    expect(names('dup')).toEqual([...names('old'), 'http_server_request_duration_seconds']);
  });

  it('carries native buckets and exemplars on http_server_request_duration_seconds, labels absent where the standard leaves them out', () => {
    const family = families('stable')[0]!;
    expect(family.type).toBe(MetricType.HISTOGRAM);
    const labels = (m: (typeof family.metric)[number]) => Object.fromEntries(m.label.map((l) => [l.name, l.value]));
    const ok = family.metric.find((m) => labels(m).http_route === '/datasets/:id' && labels(m).http_response_status_code === '200')!;
    expect(Object.keys(labels(ok))).toEqual(['http_request_method', 'http_route', 'http_response_status_code', 'url_scheme', 'network_protocol_version', 'env']);
    expect(ok.histogram!.schema).toBe(3);
    expect(ok.histogram!.sample_count).toBe(2);
    expect(ok.histogram!.positive_span!.length).toBeGreaterThan(0);
    expect(ok.histogram!.bucket[2]!.exemplar!.value).toBe(0.012); // le 0.025
    const hungUp = family.metric.find((m) => labels(m).error_type === 'client_closed')!;
    expect(labels(hungUp)).not.toHaveProperty('http_response_status_code');
    const unmatched = family.metric.filter((m) => !('http_route' in labels(m)));
    expect(unmatched.map((m) => labels(m).http_request_method).sort()).toEqual(['GET', '_OTHER']);
  });
});
