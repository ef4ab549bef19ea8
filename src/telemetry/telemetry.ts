import type { Middleware } from 'koa';
import type { RouteRegistrar } from '../http/app';

/** What the telemetry part hands to the service: middleware, routes (`/metrics`) and its shutdown step. */
export interface Telemetry {
  middleware: Middleware[];
  routes: RouteRegistrar[];
  shutdown(): Promise<void>;
}
