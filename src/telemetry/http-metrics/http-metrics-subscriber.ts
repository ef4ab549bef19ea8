import { TraceFlags } from '@opentelemetry/api';
import type { RequestSubscriber } from '../../http/request-outcome';
import type { HttpMetrics } from './http-metrics';
import { boundMethod } from './labels';
import { emitsOldNames, emitsStableNames } from './semconv-mode';

/**
 * Feeds request outcomes into the HTTP metrics, in the families `options.semconv` asks for. In today's families a
 * request is in progress from the moment a route matched (only then is its `handler` known) until its response
 * closed; it is counted, timed and sized under the same labels. The semantic-convention histogram times it once it
 * closed, under its route, method, status, error type, scheme and protocol version.
 */
export function httpMetricsSubscriber(metrics: HttpMetrics): RequestSubscriber {
  const mode = metrics.options.semconv ?? 'old';
  const old = emitsOldNames(mode);
  const stable = emitsStableNames(mode);
  return {
    name: 'http metrics',
    ...(old && {
      routeEntered(route: string, method: string) {
        const handler = metrics.handlerSeries(route);
        if (handler !== null) metrics.methodSeries(handler, boundMethod(method)).inProgress++;
      },
    }),
    completed(outcome) {
      // A traced, sampled request leaves its trace as exemplar; an unsampled one leaves nothing to link to.
      const span = outcome.spanContext;
      const sampled = span !== undefined && (span.traceFlags & TraceFlags.SAMPLED) !== 0 ? span : undefined;
      if (old) {
        const handler = metrics.handlerSeries(outcome.route);
        if (handler !== null) {
          const series = metrics.methodSeries(handler, boundMethod(outcome.method));
          if (outcome.entered) series.inProgress--;
          metrics.recordRequest(handler, series, outcome.status, outcome.durationSeconds, outcome.requestBytes, outcome.responseBytes, sampled);
          if (outcome.errorType !== undefined) metrics.recordError(handler, outcome.errorType);
        }
      }
      if (stable) {
        const route = metrics.serverDurationRoute(outcome.route);
        if (route !== null) metrics.recordServerRequest(route, outcome, sampled);
      }
    },
  };
}
