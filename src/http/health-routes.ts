import type Router from '@koa/router';
import type { Database } from '../db';
import { AppError } from '../errors/app-error';
import type { Logger } from '../lifecycle/logger';

/**
 * `/health` is liveness and never touches the DB; `/ready` answers 503 with a reason code (`unreachable`,
 * `migrating`, `schema_missing`) while the DB is unusable. The driver's detail goes to the log, once per change,
 * since probes ask every few seconds.
 */
export function registerHealthRoutes(router: Router, database: Database, logger: Logger): void {
  let lastDetail: string | undefined;
  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/ready', async (ctx) => {
    const result = await database.ping(1000);
    if (result.ok) {
      lastDetail = undefined;
      ctx.body = { status: 'ready' };
      return;
    }
    if (result.detail !== lastDetail) logger.warn({ reason: result.reason, err: result.detail }, 'not ready');
    lastDetail = result.detail;
    throw new AppError(503, 'database unavailable', { reason: result.reason });
  });
}
