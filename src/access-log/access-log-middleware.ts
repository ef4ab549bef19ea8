import type { ServerResponse } from 'node:http';
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from '../lifecycle/logger';
import { parseAssetPath, type AssetAccessTarget } from './asset-path';
import type { AccessLogWriter } from './access-log-writer';

/** Status logged for a client that hung up before the response was sent (nginx's convention). */
const CLIENT_CLOSED_REQUEST = 499;

/** Per-request state kept on the Node response, so one listener function serves every request. */
const TARGET = Symbol('accessLog.target');
const ACCESSED_AT = Symbol('accessLog.accessedAt');
type LoggedResponse = ServerResponse & { [TARGET]?: AssetAccessTarget; [ACCESSED_AT]?: number };

/**
 * Records every asset-shaped request (every method, every status) once its response is done. Registered once on
 * the outer app, so versioned routes are not logged twice. It adds no DB round trip (rows are queued), does not
 * touch the response and never throws: a client that hung up is logged as 499. Like the metrics middleware, it
 * allocates no closure per request: one `close` listener finds the request through symbol properties.
 */
export function accessLogMiddleware(writer: AccessLogWriter, pathPrefix: string, logger: Logger): Middleware {
  let warned = false;
  function enqueueOnClose(this: LoggedResponse): void {
    try {
      const target = this[TARGET];
      const accessedAt = this[ACCESSED_AT];
      if (target === undefined || accessedAt === undefined) return;
      this[TARGET] = undefined;
      writer.enqueue({
        assetId: target.assetId,
        resourceType: target.resourceType,
        method: (this.req?.method ?? 'UNKNOWN').slice(0, 16),
        status: this.writableFinished ? this.statusCode : CLIENT_CLOSED_REQUEST,
        accessedAt,
      });
    } catch (err) {
      if (!warned) logger.warn({ err }, 'access log: enqueue failed; further failures are not logged');
      warned = true;
    }
  }
  return function logAssetAccess(ctx: Context, next: Next) {
    const target = parseAssetPath(ctx.path, pathPrefix);
    if (target === null) return next();
    const res = ctx.res as LoggedResponse;
    res[TARGET] = target;
    res[ACCESSED_AT] = Date.now();
    res.on('close', enqueueOnClose);
    return next();
  };
}
