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

type HistogramValue = { buckets: { boundaries: number[]; counts: number[] }; sum: number; count: number };

function histogramValue(h: Histogram): HistogramValue {
  return { buckets: { boundaries: [...h.bounds], counts: Array.from(h.counts) }, sum: h.sum, count: h.count };
}

/**
 * Feeds the pre-aggregated HTTP metrics to an OpenTelemetry metric reader, so the OTLP push carries the same
 * series (same names, cumulative) as `/metrics`. Units are left empty so that a collector re-exposing them to
 * Prometheus adds no suffix to names that already carry one.
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
    const name = (base: string) => metricName(this.options.namespace, this.options.subsystem, base);
    const point = <T>(attributes: Attributes, value: T): DataPoint<T> => ({
      startTime,
      endTime,
      attributes: { ...attributes, ...custom },
      value,
    });
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
    const metrics: MetricData[] = [
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
    return {
      resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: { name: 'asset-catalogue-http' }, metrics }] },
      errors: [],
    };
  }
}
