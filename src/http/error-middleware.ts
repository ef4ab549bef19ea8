import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error';
import { describeDatabaseError, unavailableReason } from '../db';
import type { Logger } from '../lifecycle/logger';
import { lingerThenClose, type DrainBounds } from './lingering-close';
import { routeLayerOf } from './route-match';

export interface ErrorBody {
  error: { status: number; message: string; [detail: string]: unknown };
}

/** What the request observer learns about an error that reached this handler. */
export interface ErrorState {
  /** Set for errors answered with a 5xx: the error's class name, a bounded label for `http_errors_total`. */
  unhandledErrorType?: string;
}

function respond(ctx: Context, status: number, message: string, details: Record<string, unknown> = {}): void {
  ctx.status = status;
  ctx.body = { error: { status, message, ...details } } satisfies ErrorBody;
}

/**
 * The single place where errors become responses. Every error is JSON without a stack trace and without internals:
 * a 503 names a reason code, never the driver's message (host, port, user, schema stay in the log); 5xx are logged
 * with the stack; a bodiless error status (unmatched route, the router's 405) gets the same JSON shape. An error
 * answered while the request body is still arriving (an early 413, a route that never read it) drains what the client
 * still sends, within `drain`, and then closes the connection, so that a client writing its whole body first reads it.
 */
export function errorMiddleware(logger: Logger, drain: DrainBounds) {
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.status >= 400) {
        // Unmatched routes (404) and the router's 405/501 leave a status without a body: give them the JSON shape.
        if (ctx.body == null) respond(ctx, ctx.status, ctx.status === 404 ? `no route for ${ctx.method} ${ctx.path}` : httpMessage(ctx.status));
        if (!ctx.req.complete) lingerThenClose(ctx.req, ctx.res, drain);
      }
    } catch (err) {
      const state = ctx.state as ErrorState;
      const reason = err instanceof AppError ? undefined : unavailableReason(err);
      if (err instanceof AppError) {
        ctx.set(err.headers);
        respond(ctx, err.status, err.message, err.details);
      } else if (reason !== undefined) {
        state.unhandledErrorType = (err as Error).name || 'DatabaseUnavailable';
        logger.warn({ err: describeDatabaseError(err), reason, route: routeOf(ctx) }, 'database unavailable');
        respond(ctx, 503, 'database unavailable', { reason });
      } else if (isHttpError(err) && err.status < 500) {
        // Errors raised by Koa and the router (405); the body reader's are AppErrors already (see body-read-error.ts).
        if (err.headers) ctx.set(err.headers);
        respond(ctx, err.status, clientErrorMessage(err));
      } else {
        const status = isHttpError(err) ? err.status : 500;
        state.unhandledErrorType = err instanceof Error ? err.constructor.name : typeof err;
        logger.error({ err, method: ctx.method, route: routeOf(ctx) }, 'unhandled error');
        respond(ctx, status, httpMessage(status));
      }
      if (!ctx.req.complete) lingerThenClose(ctx.req, ctx.res, drain);
    }
  };
}

function routeOf(ctx: Context): string | undefined {
  const path = routeLayerOf(ctx, true)?.path;
  return typeof path === 'string' ? path : undefined;
}

interface HttpErrorLike {
  status: number;
  message: string;
  expose?: boolean;
  headers?: Record<string, string>;
}

function isHttpError(err: unknown): err is HttpErrorLike {
  const status = (err as { status?: unknown })?.status;
  return typeof status === 'number' && status >= 400 && status <= 599;
}

function clientErrorMessage(err: HttpErrorLike): string {
  return err.expose ? err.message : httpMessage(err.status);
}

function httpMessage(status: number): string {
  const messages: Record<number, string> = {
    400: 'bad request',
    405: 'method not allowed',
    413: 'request body too large (limit 1 MB)',
    500: 'internal server error',
    501: 'not implemented',
    503: 'service unavailable',
  };
  return messages[status] ?? 'error';
}
