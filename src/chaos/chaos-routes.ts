import type Router from '@koa/router';
import { parseIntParam } from '../http/int-param';
import { ChaosError } from './chaos-error';
import { ERROR_STATUS, SLOW_MS } from './chaos-settings';

const intParam = (name: string, raw: unknown, bounds: { min: number; max: number; default: number }) =>
  parseIntParam(name, raw, bounds.default, bounds.min, bounds.max);

/**
 * Routes that misbehave on request, for seeing dashboards and alerts react (registered only when CHAOS_ENABLED):
 * `GET /chaos/slow?ms=` answers after `ms` milliseconds, `GET /chaos/error?status=` fails with that 5xx.
 */
export function registerChaosRoutes(router: Router): void {
  router.get('/chaos/slow', async (ctx) => {
    const ms = intParam('ms', ctx.query.ms, SLOW_MS);
    await new Promise((resolve) => setTimeout(resolve, ms));
    ctx.body = { slept_ms: ms };
  });
  router.get('/chaos/error', (ctx) => {
    throw new ChaosError(intParam('status', ctx.query.status, ERROR_STATUS));
  });
}
