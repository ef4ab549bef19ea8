import type { Context, Middleware, Next } from 'koa';
import type { Logger } from '../lifecycle/logger';
import { parseAssetPath } from './asset-path';
import type { AccessLogWriter } from './access-log-writer';

/**
 * Records every asset-shaped request (every method, every status) once its response is done. Registered once on
 * the outer app, so versioned routes are not logged twice. It adds no DB round trip (rows are queued), does not
 * touch the response and never throws: a client that hung up is logged as 499.
 */
export function accessLogMiddleware(writer: AccessLogWriter, pathPrefix: string, logger: Logger): Middleware {
  let warned = false;
  return function logAssetAccess(ctx: Context, next: Next) {
    const target = parseAssetPath(ctx.path, pathPrefix);
    if (target === null) return next();
    const accessedAt = Date.now();
    ctx.res.once('close', () => {
      try {
        writer.enqueue({
          assetId: target.assetId,
          resourceType: target.resourceType,
          method: ctx.method.slice(0, 16),
          status: ctx.res.writableFinished ? ctx.res.statusCode : 499,
          accessedAt,
        });
      } catch (err) {
        if (!warned) logger.warn({ err }, 'access log: enqueue failed; further failures are not logged');
        warned = true;
      }
    });
    return next();
  };
}
