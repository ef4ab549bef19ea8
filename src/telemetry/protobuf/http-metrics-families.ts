import type { Exemplar } from '../http-metrics/exemplar';
import type { Histogram } from '../http-metrics/histogram';
import type { HttpMetrics } from '../http-metrics/http-metrics';
import { metricName, statusLabel } from '../http-metrics/labels';
import { ZERO_THRESHOLD } from '../http-metrics/native-histogram';
import type { TextOptions } from '../http-metrics/prometheus-text';
import { emitsOldNames, emitsStableNames } from '../http-metrics/semconv-mode';
import { SERVER_DURATION_PROMETHEUS_NAME } from '../http-metrics/server-duration-text';
import { FAMILY_HELP, SIZE_FAMILIES } from '../http-metrics/family-help';
import { prometheusLabelOf, serverDurationAttributes } from '../http-metrics/server-request-duration';
import { MetricType, type BucketSpan, type ExemplarMessage, type HistogramMessage, type LabelPair, type MetricFamilyMessage } from './client-model';

/** Exemplar labels as in the OpenMetrics text (`trace_id`, `span_id`), with the observation's timestamp. */
function exemplarMessage(exemplar: Exemplar): ExemplarMessage {
  const ms = exemplar.timestampMs;
  const seconds = Math.floor(ms / 1000);
  return {
    label: [
      { name: 'trace_id', value: exemplar.traceId },
      { name: 'span_id', value: exemplar.spanId },
    ],
    value: exemplar.value,
    timestamp: { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) },
  };
}

/**
 * Native buckets as spans and deltas: a span per run of buckets, where a gap of one or two empty buckets is written as
 * zero counts (cheaper than a new span, as the Go client does); each count as the difference from the bucket before.
 */
export function nativeSpans(offset: number, counts: readonly number[]): { spans: BucketSpan[]; deltas: number[] } {
  const spans: BucketSpan[] = [];
  const deltas: number[] = [];
  let previous = 0;
  let nextKey = 0; // the key after the current span's last bucket
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] as number;
    if (count === 0) continue;
    const key = offset + i;
    const span = spans[spans.length - 1];
    if (span !== undefined && key - nextKey <= 2) {
      for (let gap = nextKey; gap < key; gap++) {
        deltas.push(0 - previous); // not -previous: -0 would be a different number to a strict reader
        previous = 0;
      }
      span.length += key - nextKey + 1;
    } else {
      spans.push({ offset: span === undefined ? key : key - nextKey, length: 1 });
    }
    deltas.push(count - previous);
    previous = count;
    nextKey = key + 1;
  }
  return { spans, deltas };
}

/** A histogram's classic buckets (+Inf included, so its exemplar travels too) and, when it has one, its native part. */
function histogramMessage(histogram: Histogram, exemplars: boolean): HistogramMessage {
  const cumulative = histogram.cumulative();
  const kept = exemplars ? histogram.exemplars : undefined;
  const bucket: HistogramMessage['bucket'] = [];
  for (let i = 0; i <= histogram.bounds.length; i++) {
    const exemplar = kept?.[i];
    bucket.push({
      cumulative_count: cumulative[i] as number,
      upper_bound: i < histogram.bounds.length ? (histogram.bounds[i] as number) : Infinity,
      ...(exemplar ? { exemplar: exemplarMessage(exemplar) } : {}),
    });
  }
  const message: HistogramMessage = { sample_count: histogram.count, sample_sum: histogram.sum, bucket };
  if (histogram.native) {
    const native = histogram.native.snapshot();
    const { spans, deltas } = nativeSpans(native.offset, native.counts);
    message.schema = native.schema;
    message.zero_threshold = ZERO_THRESHOLD;
    message.zero_count = native.zeroCount;
    // A native histogram with no bucket yet still needs a span (offset 0, length 0) to read as native.
    message.positive_span = spans.length > 0 ? spans : [{ offset: 0, length: 0 }];
    message.positive_delta = deltas;
  }
  return message;
}

/**
 * The HTTP metrics as `MetricFamily` messages: the same families, series and values as `renderPrometheusText`, with
 * exemplars on the request counters and duration buckets (as in OpenMetrics), and the duration histograms' native
 * buckets beside their classic ones. Prometheus 2.40–2.44 with native histograms on keeps only the native part of
 * such a histogram; 3.x keeps both with `always_scrape_classic_histograms` (docs/observability.md). Which families,
 * today's or the semantic conventions' or both, follows the registry's `semconv` mode, as in the text.
 */
export function httpMetricFamilies(metrics: HttpMetrics, options: TextOptions): MetricFamilyMessage[] {
  const custom: LabelPair[] = Object.entries(options.customLabels).map(([n, value]) => ({ name: n, value }));
  const mode = metrics.options.semconv ?? 'old';
  const families = [...(emitsOldNames(mode) ? todaysFamilies(metrics, options, custom) : []), ...(emitsStableNames(mode) ? [serverDurationFamily(metrics, custom)] : [])];
  // A family with no series says nothing in protobuf (the text keeps its HELP/TYPE lines; no sample differs).
  return families.filter((family) => family.metric.length > 0);
}

/**
 * `http_server_request_duration_seconds`, unprefixed, its labels in the text's order and absent where the standard
 * leaves the attribute out; exemplars on its buckets, native buckets beside the classic ones.
 */
function serverDurationFamily(metrics: HttpMetrics, custom: LabelPair[]): MetricFamilyMessage {
  const family: MetricFamilyMessage = {
    name: SERVER_DURATION_PROMETHEUS_NAME,
    help: FAMILY_HELP[SERVER_DURATION_PROMETHEUS_NAME],
    type: MetricType.HISTOGRAM,
    metric: [],
  };
  for (const route of metrics.serverDuration.values()) {
    if (route === null) continue;
    for (const cell of route.cells.values()) {
      const label: LabelPair[] = serverDurationAttributes(route, cell).map(([name, value]) => ({ name: prometheusLabelOf(name), value: String(value) }));
      label.push(...custom);
      family.metric.push({ label, histogram: histogramMessage(cell.duration, true) });
    }
  }
  return family;
}

/** Today's families, under METRICS_NAMESPACE / METRICS_SUBSYSTEM. */
function todaysFamilies(metrics: HttpMetrics, options: TextOptions, custom: LabelPair[]): MetricFamilyMessage[] {
  const name = (base: string) => metricName(options.namespace, options.subsystem, base);
  const labels = (pairs: Array<[string, string]>): LabelPair[] => [...pairs.map(([n, value]) => ({ name: n, value })), ...custom];
  const group = metrics.options.groupStatusCodes;
  const handlers = [...metrics.handlers.values()].filter((h) => h !== null);
  const families: MetricFamilyMessage[] = [];

  const requests: MetricFamilyMessage = { name: name('http_requests_total'), help: FAMILY_HELP.http_requests_total, type: MetricType.COUNTER, metric: [] };
  const duration: MetricFamilyMessage = { name: name('http_request_duration_seconds'), help: FAMILY_HELP.http_request_duration_seconds, type: MetricType.HISTOGRAM, metric: [] };
  const inProgress: MetricFamilyMessage = { name: name('http_requests_in_progress'), help: FAMILY_HELP.http_requests_in_progress, type: MetricType.GAUGE, metric: [] };
  for (const h of handlers) {
    for (const m of h.methods.values()) {
      const base: Array<[string, string]> = [
        ['handler', h.handler],
        ['method', m.method],
      ];
      for (const [key, count] of m.requests) {
        const exemplar = m.requestExemplars?.get(key);
        requests.metric.push({
          label: labels([...base, ['status', statusLabel(key, group)]]),
          counter: { value: count, ...(exemplar ? { exemplar: exemplarMessage(exemplar) } : {}) },
        });
      }
      if (m.duration.count > 0) duration.metric.push({ label: labels(base), histogram: histogramMessage(m.duration, true) });
      inProgress.metric.push({ label: labels(base), gauge: { value: m.inProgress } });
    }
  }
  families.push(requests, duration, {
    name: name('http_request_duration_highr_seconds'),
    help: FAMILY_HELP.http_request_duration_highr_seconds,
    type: MetricType.HISTOGRAM,
    metric: [{ label: labels([]), histogram: histogramMessage(metrics.highrDuration, false) }],
  });
  for (const [base, pick] of SIZE_FAMILIES) {
    const family: MetricFamilyMessage = { name: name(base), help: FAMILY_HELP[base], type: MetricType.HISTOGRAM, metric: [] };
    for (const h of handlers) if (h[pick].count > 0) family.metric.push({ label: labels([['handler', h.handler]]), histogram: histogramMessage(h[pick], false) });
    families.push(family);
  }
  families.push(inProgress);
  const errors: MetricFamilyMessage = { name: name('http_errors_total'), help: FAMILY_HELP.http_errors_total, type: MetricType.COUNTER, metric: [] };
  for (const h of handlers) {
    for (const [type, count] of h.errors) errors.metric.push({ label: labels([['handler', h.handler], ['error_type', type]]), counter: { value: count } });
  }
  families.push(errors);
  return families;
}
