import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error';
import { describeDatabaseError, isDatabaseUnavailable } from '../db';
import type { Logger } from '../lifecycle/logger';

export interface ErrorBody {
  error: { status: number; message: string; [detail: string]: unknown };
}

/** What the request's outer layers (metrics, logs) learn about an error that reached this handler. */
export interface ErrorState {
  /** Set for errors answered with a 5xx: the error's class name, a bounded label for `http_errors_total`. */
  unhandledErrorType?: string;
}

function respond(ctx: Context, status: number, message: string, details: Record<string, unknown> = {}): void {
  ctx.status = status;
  ctx.body = { error: { status, message, ...details } } satisfies ErrorBody;
}

/**
 * The single place where errors become responses. Every error is JSON without a stack trace; 5xx are logged with
 * the stack; a bodiless error status (unmatched route, the router's 405) gets the same JSON shape.
 */
export function errorMiddleware(logger: Logger) {
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      // Unmatched routes (404) and the router's 405/501 leave a status without a body: give them the JSON shape.
      if (ctx.status >= 400 && ctx.body == null) {
        respond(ctx, ctx.status, ctx.status === 404 ? `no route for ${ctx.method} ${ctx.path}` : httpMessage(ctx.status));
      }
    } catch (err) {
      const state = ctx.state as ErrorState;
      if (err instanceof AppError) {
        respond(ctx, err.status, err.message, err.details);
      } else if (isDatabaseUnavailable(err)) {
        state.unhandledErrorType = (err as Error).name || 'DatabaseUnavailable';
        logger.warn({ err, route: ctx._matchedRoute }, 'database unavailable');
        respond(ctx, 503, `database unavailable: ${describeDatabaseError(err)}`);
      } else if (isHttpError(err) && err.status < 500) {
        // Errors raised by Koa, the router and the body parser (malformed JSON 400, 405, 413, 415).
        if (err.headers) ctx.set(err.headers);
        respond(ctx, err.status, err.expose ? err.message : httpMessage(err.status));
      } else {
        const status = isHttpError(err) ? err.status : 500;
        state.unhandledErrorType = err instanceof Error ? err.constructor.name : typeof err;
        logger.error({ err, method: ctx.method, route: ctx._matchedRoute }, 'unhandled error');
        respond(ctx, status, httpMessage(status));
      }
    }
  };
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
