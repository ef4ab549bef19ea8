import type { Meter } from '@opentelemetry/api';
import type { Middleware } from 'koa';
import type { RouteRegistrar } from '../http/app';
import type { HttpMetrics } from './http-metrics';

/** What the telemetry part hands to the service: middleware, routes (`/metrics`), a meter and its shutdown step. */
export interface Telemetry {
  /** Outer middleware (HTTP metrics), run for every request. */
  middleware: Middleware[];
  /** Router middleware (in-progress gauge), run once a route matched. */
  routerMiddleware: Middleware[];
  routes: RouteRegistrar[];
  /** Meter for the service's own instruments (access-log writer); a no-op meter when the SDK is off. */
  meter: Meter;
  /** The HTTP metrics registry, when metrics are enabled. */
  httpMetrics?: HttpMetrics;
  /** Flushes and stops the SDK (a step of the graceful shutdown). */
  shutdown(): Promise<void>;
}
