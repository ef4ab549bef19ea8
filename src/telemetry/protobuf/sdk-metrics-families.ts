import { DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Attributes } from '@opentelemetry/api';
import { MetricType, type LabelPair, type MetricFamilyMessage, type MetricMessage } from './client-model';

/**
 * The SDK's metrics (process, runtime, access log) as `MetricFamily` messages, named and labelled as OpenTelemetry's
 * `PrometheusSerializer` writes them in the text formats (test/telemetry/protobuf/sdk-metrics-families.test.ts holds
 * the two side by side, so a change in the exporter's naming fails there): characters outside [a-zA-Z0-9_] become
 * `_`, runs of `_` collapse, a leading digit gets `_`, monotonic sums end in `_total`; with `scopeInfo`, every
 * series carries `otel_scope_name`/`otel_scope_version` and a `target_info` gauge carries the resource. Families
 * whose instruments disagree on the type are left out, as the serializer leaves them out.
 */
export function sdkMetricFamilies(resourceMetrics: ResourceMetrics, scopeInfo: boolean): MetricFamilyMessage[] {
  const families = new Map<string, MetricFamilyMessage | null>();
  if (scopeInfo) {
    families.set('target_info', { name: 'target_info', help: 'Target metadata', type: MetricType.GAUGE, metric: [{ label: labelPairs(resourceMetrics.resource.attributes), gauge: { value: 1 } }] });
  }
  for (const { scope, metrics } of resourceMetrics.scopeMetrics) {
    const scopeLabels: LabelPair[] = [];
    if (scopeInfo) {
      scopeLabels.push({ name: 'otel_scope_name', value: scope.name });
      if (scope.schemaUrl) scopeLabels.push({ name: 'otel_scope_schema_url', value: scope.schemaUrl });
      if (scope.version) scopeLabels.push({ name: 'otel_scope_version', value: scope.version });
    }
    for (const metric of metrics) {
      const name = familyName(metric);
      if (name === undefined) continue;
      const type = familyType(metric);
      let family = families.get(name);
      if (family === null) continue;
      if (family === undefined) {
        family = { name, help: metric.descriptor.description, type, metric: [] };
        families.set(name, family);
      } else if (family.type !== type) {
        families.set(name, null);
        continue;
      }
      if (!family.help) family.help = metric.descriptor.description;
      for (const point of metric.dataPoints) family.metric.push(metricMessage(metric, point, scopeLabels));
    }
  }
  const out: MetricFamilyMessage[] = [];
  for (const family of families.values()) if (family !== null && family.metric.length > 0) out.push({ ...family, help: family.help || 'description missing' });
  return out;
}

function sanitize(name: string): string {
  return name.replace(/[^a-z0-9_]/gi, '_').replace(/_{2,}/g, '_');
}

function familyName(metric: MetricData): string | undefined {
  let name = sanitize(metric.descriptor.name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n'));
  if (name === '' || name === '_') return undefined;
  if (name[0]! >= '0' && name[0]! <= '9') name = `_${name}`;
  if (metric.dataPointType === DataPointType.SUM && metric.isMonotonic && !name.endsWith('_total')) name += '_total';
  return name;
}

function familyType(metric: MetricData): MetricFamilyMessage['type'] {
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return metric.isMonotonic ? MetricType.COUNTER : MetricType.GAUGE;
    case DataPointType.GAUGE:
      return MetricType.GAUGE;
    case DataPointType.HISTOGRAM:
      return MetricType.HISTOGRAM;
    default:
      return MetricType.UNTYPED;
  }
}

/** Attribute names sanitized; values as strings (non-strings JSON-encoded, as the serializer writes them). */
function labelPairs(attributes: Attributes): LabelPair[] {
  return Object.entries(attributes).map(([name, value]) => ({ name: sanitize(name), value: typeof value === 'string' ? value : JSON.stringify(value) ?? '' }));
}

function metricMessage(metric: MetricData, point: MetricData['dataPoints'][number], scopeLabels: LabelPair[]): MetricMessage {
  const label = [...labelPairs(point.attributes), ...scopeLabels];
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return metric.isMonotonic ? { label, counter: { value: point.value as number } } : { label, gauge: { value: point.value as number } };
    case DataPointType.GAUGE:
      return { label, gauge: { value: point.value as number } };
    case DataPointType.HISTOGRAM: {
      const value = point.value as { count: number; sum?: number; buckets: { boundaries: number[]; counts: number[] } };
      const bucket = [];
      let cumulative = 0;
      for (let i = 0; i < value.buckets.counts.length; i++) {
        cumulative += value.buckets.counts[i] as number;
        bucket.push({ cumulative_count: cumulative, upper_bound: value.buckets.boundaries[i] ?? Infinity });
      }
      return { label, histogram: { sample_count: value.count, sample_sum: value.sum ?? 0, bucket } };
    }
    default:
      return { label, untyped: { value: Number(point.value) } };
  }
}
