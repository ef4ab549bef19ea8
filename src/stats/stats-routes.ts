import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import { AppError } from '../errors/app-error';
import { resourceTypeByName } from '../catalogue/resource-types';
import type { StatsRepository, TopEntry } from './stats-repository';
import type { StatsGuard } from './stats-guard';
import { parseTopQuery, topWeight } from './top-query';
import type { topSchema, typeTopSchema } from './top-response';

/**
 * The top of a request's query, run through the guard (admission, deadline, cancellation when the client leaves); a
 * windowed answer says in `Stats-Window-Start` the instant it counts from (the start of the minute or hour of
 * `since`, clamped to the hourly retention).
 */
async function topOf(ctx: Context, stats: StatsRepository, guard: StatsGuard, resourceType: string | undefined): Promise<TopEntry[]> {
  const now = Date.now();
  const query = parseTopQuery(ctx.query, now);
  const { limit, sinceMs } = query;
  const weight = topWeight(query, resourceType === undefined);
  const entries = await guard.run(ctx, (clientGone) => stats.top(resourceType, limit, sinceMs, now, clientGone), weight);
  if (sinceMs !== undefined) ctx.set('Stats-Window-Start', new Date(stats.windowStart(sinceMs, now)).toISOString());
  return entries;
}

/** `GET /stats/top/{resource_type}` and `GET /stats/top`: most-read assets, successful GETs only (on each version's router). */
export function registerStatsRoutes(router: Router, stats: StatsRepository, guard: StatsGuard): void {
  router.get('/stats/top', async (ctx) => {
    ctx.body = (await topOf(ctx, stats, guard, undefined)) satisfies z.infer<typeof topSchema>;
  });
  router.get('/stats/top/:resourceType', async (ctx) => {
    const type = resourceTypeByName(ctx.params.resourceType as string);
    if (!type) throw AppError.notFound(`unknown resource type ${ctx.params.resourceType as string}`);
    const entries = await topOf(ctx, stats, guard, type.name);
    ctx.body = entries.map(({ asset_id, hits }) => ({ asset_id, hits })) satisfies z.infer<typeof typeTopSchema>;
  });
}
