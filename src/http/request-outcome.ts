import type { SpanContext } from '@opentelemetry/api';
import type { AssetTarget } from '../catalogue/asset-target';

/** Status recorded for a client that hung up before the response was sent (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

/** Route label of a request that no route matched. */
export const NO_ROUTE = 'none';

/**
 * What happened to one request, worked out once when its response closed. Every observer (HTTP metrics, access
 * log, request log) reads this, so they cannot disagree about the route, the status or the asset.
 */
export interface RequestOutcome {
  method: string;
  /** Template of the route that matched the path (`/datasets/:id`), also for a 405 on it; `none` when none did. */
  route: string;
  /** The status sent, or 499 when the client hung up first. */
  status: number;
  /** When the request arrived, epoch milliseconds. */
  startedAtMs: number;
  durationSeconds: number;
  /** `Content-Length` of the request and of the response (0 when absent, e.g. chunked). */
  requestBytes: number;
  responseBytes: number;
  /** Class name of an error answered with a 5xx, a bounded label; undefined otherwise. */
  errorType: string | undefined;
  /** The asset the request addressed, from the matched route's parameters (or the path when no route served it). */
  asset: AssetTarget | undefined;
  /** True when a route matched path and method, i.e. the request was reported as started (`routeEntered`). */
  entered: boolean;
  /** The request's span, when tracing is on. */
  spanContext: SpanContext | undefined;
  /**
   * `https` when this server's own socket was TLS, else `http`: what the server saw, not a proxy's
   * `X-Forwarded-Proto`, which any client can send and the app does not trust (`app.proxy` is off).
   */
  scheme: 'http' | 'https';
  /** HTTP version as Node's parser read it (`1.1`, `1.0`). */
  httpVersion: string;
}

/** One consumer of request outcomes. Both hooks must be cheap; they run on the request path's event loop. */
export interface RequestSubscriber {
  /** Name used when the subscriber throws (it is logged once and never reaches the request). */
  readonly name: string;
  /** A route matched path and method: the request is now in progress under `route`. */
  routeEntered?(route: string, method: string): void;
  /** The response closed (sent or abandoned); called exactly once per request. */
  completed(outcome: RequestOutcome): void;
}
