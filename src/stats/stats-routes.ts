import type Router from '@koa/router';
import { AppError } from '../errors/app-error';
import { resourceTypeByName } from '../catalogue/resource-types';
import type { StatsRepository } from './stats-repository';
import type { StatsGuard } from './stats-guard';
import { parseTopQuery } from './top-query';

/**
 * `GET /stats/top/{resource_type}` and `GET /stats/top`: most-read assets, successful GETs only (on each version's
 * router). The queries run through the guard: admission, deadline, cancellation when the client leaves.
 */
export function registerStatsRoutes(router: Router, stats: StatsRepository, guard: StatsGuard): void {
  router.get('/stats/top', async (ctx) => {
    const { limit, sinceMs } = parseTopQuery(ctx.query);
    ctx.body = await guard.run(ctx, (clientGone) => stats.top(undefined, limit, sinceMs, undefined, clientGone));
  });
  router.get('/stats/top/:resourceType', async (ctx) => {
    const type = resourceTypeByName(ctx.params.resourceType as string);
    if (!type) throw AppError.notFound(`unknown resource type ${ctx.params.resourceType as string}`);
    const { limit, sinceMs } = parseTopQuery(ctx.query);
    const entries = await guard.run(ctx, (clientGone) => stats.top(type.name, limit, sinceMs, undefined, clientGone));
    ctx.body = entries.map(({ asset_id, hits }) => ({ asset_id, hits }));
  });
}
