import type { ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { HttpMetrics, addHttpMetricsSnapshot, type HttpMetricsOptions } from '../telemetry/http-metrics';
import type { GroupMetrics } from './messages';

/**
 * The group's HTTP metrics: every live worker's series summed (the in-progress gauge too), plus the totals the group
 * keeps for workers that are gone or late (counters and histograms only). Names and labels are those of one
 * process: a dashboard cannot tell one worker from eight, and the series count does not grow with workers.
 */
export function groupHttpMetrics(options: HttpMetricsOptions, group: GroupMetrics): HttpMetrics {
  const sum = new HttpMetrics(options);
  for (const { snapshot } of group.live) if (snapshot.http) addHttpMetricsSnapshot(sum, snapshot.http, true);
  for (const kept of group.kept) addHttpMetricsSnapshot(sum, kept, false);
  return sum;
}

/**
 * The SDK's metrics of every live worker side by side, each data point labelled `worker="<cluster worker id>"`: process and
 * runtime metrics do not add up across processes (a CPU time, a heap size, an event-loop delay is one process's), so
 * none is summed and none is lost. Metrics of the same name and scope are merged into one family.
 */
export function sdkMetricsByWorker(live: GroupMetrics['live']): ScopeMetrics[] {
  const scopes = new Map<string, ScopeMetrics>();
  const families = new Map<string, ScopeMetrics['metrics'][number]>();
  for (const { worker, snapshot } of live) {
    for (const scopeMetrics of snapshot.sdk) {
      const scopeKey = `${scopeMetrics.scope.name}\u0000${scopeMetrics.scope.version ?? ''}`;
      let scope = scopes.get(scopeKey);
      if (scope === undefined) {
        scope = { scope: scopeMetrics.scope, metrics: [] };
        scopes.set(scopeKey, scope);
      }
      for (const metric of scopeMetrics.metrics) {
        const familyKey = `${scopeKey}\u0000${metric.descriptor.name}`;
        let family = families.get(familyKey);
        if (family === undefined) {
          family = { ...metric, dataPoints: [] } as typeof metric;
          families.set(familyKey, family);
          scope.metrics.push(family);
        }
        const points = family.dataPoints as Array<(typeof metric.dataPoints)[number]>;
        for (const point of metric.dataPoints) points.push({ ...point, attributes: { ...point.attributes, worker: String(worker) } });
      }
    }
  }
  return [...scopes.values()];
}
