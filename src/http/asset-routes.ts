import type Router from '@koa/router';
import type { AssetTarget } from '../catalogue/asset-target';

/** Turns a matched route's parameters into the asset it addresses. */
export type AssetTargetResolver = (params: Record<string, string>) => AssetTarget | undefined;

/**
 * Which routes address an asset, by full route template (router prefix included, as the router reports it). The
 * catalogue registers `/{type}/:id` and `/assets/:id`; the request observer asks it once a request is done.
 */
export class AssetRoutes {
  private readonly byTemplate = new Map<string, AssetTargetResolver>();

  /** Declares that `path`, as just registered on `router`, addresses the asset `resolve` names. */
  add(router: Router, path: string, resolve: AssetTargetResolver): void {
    this.byTemplate.set(`${router.opts.prefix ?? ''}${path}`, resolve);
  }

  resolverOf(template: string): AssetTargetResolver | undefined {
    return this.byTemplate.get(template);
  }
}
