import { serverDurationAttributes } from './server-request-duration';
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type DataPoint,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { Histogram } from './histogram';
import type { HttpMetrics } from './http-metrics';
import { metricName, statusLabel } from './labels';
import type { TextOptions } from './prometheus-text';
import { emitsOldNames, emitsStableNames } from './semconv-mode';

type HistogramValue = { buckets: { boundaries: number[]; counts: number[] }; sum: number; count: number };

function histogramValue(h: Histogram): HistogramValue {
  return { buckets: { boundaries: [...h.bounds], counts: Array.from(h.counts) }, sum: h.sum, count: h.count };
}

/** The stable semantic conventions' name of the server duration histogram, as pushed over OTLP. */
export const SERVER_DURATION_OTLP_NAME = 'http.server.request.duration';

/**
 * Feeds the pre-aggregated HTTP metrics to an OpenTelemetry metric reader, so the OTLP push carries the same
 * series (cumulative) as `/metrics`, in the families OTEL_SEMCONV_STABILITY_OPT_IN selects. Today's keep their
 * Prometheus names, units left empty so that a collector re-exposing them to Prometheus adds no suffix to names that
 * already carry one. The semantic-convention histogram goes by its standard name `http.server.request.duration`,
 * unit `s`, dotted attributes: the collector's Prometheus translation makes that
 * `http_server_request_duration_seconds{http_request_method,…}`, as on `/metrics`.
 */
export class HttpMetricsProducer implements MetricProducer {
  constructor(
    private readonly metrics: HttpMetrics,
    private readonly options: TextOptions,
  ) {}

  async collect(): Promise<CollectionResult> {
    const m = this.metrics;
    const startTime: HrTime = millisToHrTime(m.startTimeMs);
    const endTime: HrTime = millisToHrTime(Date.now());
    const custom = this.options.customLabels;
    const point = <T>(attributes: Attributes, value: T): DataPoint<T> => ({
      startTime,
      endTime,
      attributes: { ...attributes, ...custom },
      value,
    });
    const mode = m.options.semconv ?? 'old';
    const metrics: MetricData[] = [
      ...(emitsOldNames(mode) ? this.todaysFamilies(point) : []),
      ...(emitsStableNames(mode) ? [this.serverDuration(point)] : []),
    ];
    return {
      resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: { name: 'asset-catalogue-http' }, metrics }] },
      errors: [],
    };
  }

  /** `http.server.request.duration`: attributes the standard leaves out for a request are absent, not empty. */
  private serverDuration(point: <T>(attributes: Attributes, value: T) => DataPoint<T>): MetricData {
    const dataPoints: DataPoint<HistogramValue>[] = [];
    for (const route of this.metrics.serverDuration.values()) {
      if (route === null) continue;
      for (const cell of route.cells.values()) {
        if (cell.duration.count === 0) continue;
        dataPoints.push(point(Object.fromEntries(serverDurationAttributes(route, cell)), histogramValue(cell.duration)));
      }
    }
    return {
      descriptor: { name: SERVER_DURATION_OTLP_NAME, description: 'Duration of HTTP server requests.', unit: 's', valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints,
    };
  }

  /** Today's families, under their Prometheus names (METRICS_NAMESPACE / METRICS_SUBSYSTEM in front). */
  private todaysFamilies(point: <T>(attributes: Attributes, value: T) => DataPoint<T>): MetricData[] {
    const m = this.metrics;
    const name = (base: string) => metricName(this.options.namespace, this.options.subsystem, base);
    const requests: DataPoint<number>[] = [];
    const durations: DataPoint<HistogramValue>[] = [];
    const requestSizes: DataPoint<HistogramValue>[] = [];
    const responseSizes: DataPoint<HistogramValue>[] = [];
    const inProgress: DataPoint<number>[] = [];
    const errors: DataPoint<number>[] = [];
    for (const h of m.handlers.values()) {
      if (h === null) continue;
      for (const s of h.methods.values()) {
        const labels = { handler: h.handler, method: s.method };
        for (const [key, count] of s.requests) {
          requests.push(point({ ...labels, status: statusLabel(key, m.options.groupStatusCodes) }, count));
        }
        if (s.duration.count > 0) durations.push(point(labels, histogramValue(s.duration)));
        inProgress.push(point(labels, s.inProgress));
      }
      if (h.requestSize.count > 0) requestSizes.push(point({ handler: h.handler }, histogramValue(h.requestSize)));
      if (h.responseSize.count > 0) responseSizes.push(point({ handler: h.handler }, histogramValue(h.responseSize)));
      for (const [type, count] of h.errors) errors.push(point({ handler: h.handler, error_type: type }, count));
    }
    const descriptor = (base: string, description: string) => ({
      name: name(base),
      description,
      unit: '',
      valueType: ValueType.DOUBLE,
    });
    const cumulative = AggregationTemporality.CUMULATIVE;
    const histogram = (base: string, description: string, dataPoints: DataPoint<HistogramValue>[]): MetricData => ({
      descriptor: descriptor(base, description),
      aggregationTemporality: cumulative,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints,
    });
    return [
      {
        descriptor: descriptor('http_requests_total', 'Total number of HTTP requests by handler, method and status.'),
        aggregationTemporality: cumulative,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: requests,
      },
      histogram('http_request_duration_seconds', 'Latency of HTTP requests by handler and method, in seconds.', durations),
      histogram('http_request_duration_highr_seconds', 'Latency of all HTTP requests, in seconds.', [
        point({}, histogramValue(m.highrDuration)),
      ]),
      histogram('http_request_size_bytes', 'Size of HTTP request bodies by handler, in bytes.', requestSizes),
      histogram('http_response_size_bytes', 'Size of HTTP response bodies by handler, in bytes.', responseSizes),
      {
        descriptor: descriptor('http_requests_in_progress', 'HTTP requests being served, by handler and method.'),
        aggregationTemporality: cumulative,
        dataPointType: DataPointType.GAUGE,
        dataPoints: inProgress,
      },
      {
        descriptor: descriptor('http_errors_total', 'Unhandled exceptions by handler and error class.'),
        aggregationTemporality: cumulative,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: errors,
      },
    ];
  }
}
