import type Router from '@koa/router';
import type { Database } from '../db';

/** `/health` is liveness and never touches the DB; `/ready` answers 503 with the reason while the DB is unusable. */
export function registerHealthRoutes(router: Router, database: Database): void {
  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/ready', async (ctx) => {
    const result = await database.ping(1000);
    if (result.ok) {
      ctx.body = { status: 'ready' };
    } else {
      ctx.status = 503;
      ctx.body = { error: { status: 503, message: result.reason } };
    }
  });
}
