import type { Middleware } from 'koa';
import { ChaosError } from './chaos-error';
import type { ChaosSettings } from './chaos-settings';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Injects delay and failures into a share of the requests it runs for (the catalogue's routes), before their
 * handler: a delayed request is slow end to end, a failed one answers 500 like any unhandled error.
 */
export function chaosMiddleware(settings: ChaosSettings, random: () => number = Math.random): Middleware {
  return async function injectChaos(_ctx, next) {
    if (settings.latencyMs > 0 && random() < settings.latencyRate) await sleep(settings.latencyMs);
    if (settings.errorRate > 0 && random() < settings.errorRate) throw new ChaosError(500);
    return next();
  };
}
