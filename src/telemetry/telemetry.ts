import type { Meter } from '@opentelemetry/api';
import type { RouteRegistrar } from '../http/app';
import type { RequestSubscriber } from '../http/request-outcome';
import type { HttpMetrics } from './http-metrics';
import type { LocalMetricsCollector } from './metrics-collector';

/** What the telemetry part hands to the service: middleware, routes (`/metrics`), a meter and its shutdown step. */
export interface Telemetry {
  /** Request-outcome subscribers (the HTTP metrics), when metrics are enabled. */
  subscribers: RequestSubscriber[];
  routes: RouteRegistrar[];
  /** Meter for the service's own instruments (access-log writer); a no-op meter when the SDK is off. */
  meter: Meter;
  /** The HTTP metrics registry, when metrics are enabled. */
  httpMetrics?: HttpMetrics;
  /** This process's own metrics (what a worker reports to its primary), when metrics are enabled. */
  localMetrics?: LocalMetricsCollector;
  /** `service.instance.id` of this process. */
  instanceId: string;
  /** Flushes and stops the SDK (a step of the graceful shutdown). */
  shutdown(): Promise<void>;
}
