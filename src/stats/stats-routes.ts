import type Router from '@koa/router';
import { AppError } from '../errors/app-error';
import { resourceTypeByName } from '../catalogue/resource-types';
import type { StatsRepository } from './stats-repository';
import { parseTopQuery } from './top-query';

/** `GET /stats/top/{resource_type}` and `GET /stats/top`: most-read assets, successful GETs only (on each version's router). */
export function registerStatsRoutes(router: Router, stats: StatsRepository): void {
  router.get('/stats/top', async (ctx) => {
    const { limit, sinceMs } = parseTopQuery(ctx.query);
    ctx.body = await stats.top(undefined, limit, sinceMs);
  });
  router.get('/stats/top/:resourceType', async (ctx) => {
    const type = resourceTypeByName(ctx.params.resourceType as string);
    if (!type) throw AppError.notFound(`unknown resource type ${ctx.params.resourceType as string}`);
    const { limit, sinceMs } = parseTopQuery(ctx.query);
    const entries = await stats.top(type.name, limit, sinceMs);
    ctx.body = entries.map(({ asset_id, hits }) => ({ asset_id, hits }));
  });
}
