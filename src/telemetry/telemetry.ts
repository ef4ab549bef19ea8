import type { Meter } from '@opentelemetry/api';
import type { RouteRegistrar } from '../http/app';
import type { RequestSubscriber } from '../http/request-outcome';
import type { HttpMetrics } from './http-metrics';

/** What the telemetry part hands to the service: request subscribers, routes (`/metrics`), a meter and its shutdown step. */
export interface Telemetry {
  /** Request-outcome subscribers (the HTTP metrics), when metrics are enabled. */
  subscribers: RequestSubscriber[];
  routes: RouteRegistrar[];
  /** Meter for the service's own instruments (access-log writer); a no-op meter when the SDK is off. */
  meter: Meter;
  /** The HTTP metrics registry, when metrics are enabled. */
  httpMetrics?: HttpMetrics;
  /** Flushes and stops the SDK (a step of the graceful shutdown). */
  shutdown(): Promise<void>;
}
