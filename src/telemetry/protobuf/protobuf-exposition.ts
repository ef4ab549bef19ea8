import type { CollectedMetrics } from '../metrics-collector';
import type { TextOptions } from '../http-metrics/prometheus-text';
import { encodeDelimited, MetricType, type MetricFamilyMessage } from './client-model';
import { httpMetricFamilies } from './http-metrics-families';
import { sdkMetricFamilies } from './sdk-metrics-families';

/** One scrape in the delimited protobuf format: the HTTP families, then the SDK's, then the group's own. */
export function protobufExposition(collected: CollectedMetrics, options: TextOptions & { scopeInfo: boolean }): Buffer {
  const families: MetricFamilyMessage[] = httpMetricFamilies(collected.http, options);
  if (collected.sdk) families.push(...sdkMetricFamilies(collected.sdk, options.scopeInfo));
  for (const f of collected.extra) {
    families.push({
      name: f.name,
      help: f.help,
      type: f.type === 'counter' ? MetricType.COUNTER : MetricType.GAUGE,
      metric: [{ label: [], ...(f.type === 'counter' ? { counter: { value: f.value } } : { gauge: { value: f.value } }) }],
    });
  }
  return encodeDelimited(families);
}
