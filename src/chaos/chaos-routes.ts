import type Router from '@koa/router';
import { AppError } from '../errors/app-error';
import { ChaosError } from './chaos-error';
import { ERROR_STATUS, SLOW_MS } from './chaos-settings';

function intParam(name: string, raw: unknown, bounds: { min: number; max: number; default: number }): number {
  if (raw === undefined || raw === '') return bounds.default;
  const value = typeof raw === 'string' && /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= bounds.min && value <= bounds.max)) {
    throw AppError.badRequest(`${name} must be an integer from ${bounds.min} to ${bounds.max}`, { parameter: name });
  }
  return value;
}

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
