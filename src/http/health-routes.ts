import type Router from '@koa/router';
import { z } from 'zod';
import type { Database } from '../db';
import { AppError } from '../errors/app-error';
import type { Logger } from '../lifecycle/logger';

/** What `/health` and `/ready` answer with 200, declared for the OpenAPI document. */
export const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
export const readySchema = z.object({ status: z.literal('ready') }).meta({ id: 'Ready' });

/**
 * `/health` is liveness and never touches the DB; `/ready` answers 503 with a reason code (`unreachable`,
 * `migrating`, `schema_missing`) while the DB is unusable. The driver's detail goes to the log, once per change,
 * since probes ask every few seconds.
 */
export function registerHealthRoutes(router: Router, database: Database, logger: Logger): void {
  let lastDetail: string | undefined;
  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' } satisfies z.infer<typeof healthSchema>;
  });
  router.get('/ready', async (ctx) => {
    const result = await database.ping(1000);
    if (result.ok) {
      lastDetail = undefined;
      ctx.body = { status: 'ready' } satisfies z.infer<typeof readySchema>;
      return;
    }
    if (result.detail !== lastDetail) logger.warn({ reason: result.reason, err: result.detail }, 'not ready');
    lastDetail = result.detail;
    throw new AppError(503, 'database unavailable', { reason: result.reason });
  });
}
