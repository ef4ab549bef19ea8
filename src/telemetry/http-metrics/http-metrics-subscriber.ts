import { TraceFlags } from '@opentelemetry/api';
import type { RequestSubscriber } from '../../http/request-outcome';
import type { HttpMetrics } from './http-metrics';
import { boundMethod } from './labels';

/**
 * Feeds request outcomes into the HTTP metrics: a request is in progress from the moment a route matched (only then
 * is its `handler` known) until its response closed; it is counted, timed and sized under the same labels.
 */
export function httpMetricsSubscriber(metrics: HttpMetrics): RequestSubscriber {
  return {
    name: 'http metrics',
    routeEntered(route, method) {
      const handler = metrics.handlerSeries(route);
      if (handler !== null) metrics.methodSeries(handler, boundMethod(method)).inProgress++;
    },
    completed(outcome) {
      const handler = metrics.handlerSeries(outcome.route);
      if (handler === null) return;
      const series = metrics.methodSeries(handler, boundMethod(outcome.method));
      if (outcome.entered) series.inProgress--;
      // A traced, sampled request leaves its trace as exemplar; an unsampled one leaves nothing to link to.
      const span = outcome.spanContext;
      const sampled = span !== undefined && (span.traceFlags & TraceFlags.SAMPLED) !== 0 ? span : undefined;
      metrics.recordRequest(handler, series, outcome.status, outcome.durationSeconds, outcome.requestBytes, outcome.responseBytes, sampled);
      if (outcome.errorType !== undefined) metrics.recordError(handler, outcome.errorType);
    },
  };
}
