import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { AppError } from '../errors/app-error';
import type { AssetRoutes } from '../http/asset-routes';
import { assetTargetOf, assetTargetOfAnyId } from './asset-target';
import { RESOURCE_TYPES } from './resource-types';
import { parseAssetInput, type AssetService } from './asset-service';
import { parsePagination } from './pagination';

function requireJson(ctx: Context): void {
  if (!ctx.is('application/json')) {
    throw new AppError(415, 'request body must be application/json');
  }
}

/**
 * Thin routes: parse the request, call the service, set the response. Registered on each version's router. The
 * `/{type}/:id` and `/assets/:id` routes are declared in `assetRoutes`, so the access log counts what they served.
 * `before` runs ahead of every handler (fault injection, when enabled).
 */
export function registerCatalogueRoutes(router: Router, service: AssetService, assetRoutes: AssetRoutes, before: Middleware[] = []): void {
  for (const type of RESOURCE_TYPES) {
    const base = `/${type.name}`;
    router.get(base, ...before, async (ctx) => {
      const { offset, limit } = parsePagination(ctx.query);
      ctx.body = await service.list(type, offset, limit);
    });
    router.post(base, ...before, async (ctx) => {
      requireJson(ctx);
      const asset = await service.create(type, parseAssetInput(ctx.request.body));
      ctx.status = 201;
      ctx.set('Location', `${ctx.path.replace(/\/+$/, '')}/${asset.identifier}`);
      ctx.body = asset;
    });
    router.get(`${base}/:id`, ...before, async (ctx) => {
      ctx.body = await service.get(type, ctx.params.id as string);
    });
    router.put(`${base}/:id`, ...before, async (ctx) => {
      requireJson(ctx);
      ctx.body = await service.replace(type, ctx.params.id as string, parseAssetInput(ctx.request.body));
    });
    router.delete(`${base}/:id`, ...before, async (ctx) => {
      await service.delete(type, ctx.params.id as string);
      ctx.status = 204;
    });
    assetRoutes.add(router, `${base}/:id`, (params) => assetTargetOf(type.name, params.id));
  }
  router.get('/assets/:id', ...before, async (ctx) => {
    ctx.body = await service.getAny(ctx.params.id as string);
  });
  assetRoutes.add(router, '/assets/:id', (params) => assetTargetOfAnyId(params.id));
}
