import http from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type RouteRegistrar } from '../../src/http/app';
import { AssetRoutes } from '../../src/http/asset-routes';
import { RequestObserver } from '../../src/http/request-observer';
import { API_VERSION_PREFIXES } from '../../src/http/route-paths';
import { createLogger } from '../../src/lifecycle/logger';

/**
 * Dispatching by version and first segment only narrows which routes the router tries: every request must get the
 * status (and `Allow`) that one router holding every route gives it. Compared over real HTTP, request by request.
 */
const api: RouteRegistrar = (router) => {
  router.get('/a', (ctx) => (ctx.body = 'a list'));
  router.get('/a/:id', (ctx) => (ctx.body = `a ${ctx.params.id}`));
  router.put('/a/:id', (ctx) => (ctx.body = `put a ${ctx.params.id}`));
  router.get('/b', (ctx) => (ctx.body = 'b'));
  router.post('/b/c/:x', (ctx) => (ctx.body = `b c ${ctx.params.x}`));
};
const unversioned: RouteRegistrar = (router) => router.get('/health', (ctx) => (ctx.body = 'ok'));

const servers: http.Server[] = [];
async function listen(app: Koa): Promise<string> {
  const server = http.createServer(app.callback());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** The reference: every route of every version in one router (the layers of a router per prefix, moved into it). */
function oneRouter(pathPrefix: string): Koa {
  const router = new Router({ sensitive: true });
  for (const version of API_VERSION_PREFIXES) {
    const prefix = `${pathPrefix}${version}`;
    const sub = new Router({ sensitive: true, ...(prefix ? { prefix } : {}) });
    if (version === '') unversioned(sub);
    api(sub);
    router.stack.push(...sub.stack);
  }
  const app = new Koa();
  app.use(router.routes() as Koa.Middleware).use(router.allowedMethods() as Koa.Middleware);
  return app;
}

function dispatched(pathPrefix: string): Koa {
  const logger = createLogger('silent');
  const observer = new RequestObserver({ logger, subscribers: [], assets: { routes: new AssetRoutes(), unrouted: () => undefined } });
  return createApp({ logger, pathPrefix, observer, routes: [unversioned], apiRoutes: [api] });
}

const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'PROPFIND'];
const PATHS = ['/a', '/a/', '/a/1', '/a/1/', '/a/1/2', '/A/1', '/b', '/b/c/9', '/b/x', '/health', '/', '/v1', '/v1/', '/v1/a/1', '/v2/b/c/1', '/v3/a/1', '/v1x/a', '//a/1', '/zzz', '/a%2F1'];

describe.each(['', '/aiod'])('dispatch by segment under deployment prefix "%s"', (pathPrefix) => {
  let reference = '';
  let ours = '';
  beforeAll(async () => {
    reference = await listen(oneRouter(pathPrefix));
    ours = await listen(dispatched(pathPrefix));
  });
  afterAll(() => Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r)))));

  it('answers every method and path as one router holding every route does', async () => {
    const paths = [...PATHS.map((p) => `${pathPrefix}${p}`), ...(pathPrefix ? ['/a/1', '/health', `${pathPrefix}x/a/1`] : [])];
    const differences: string[] = [];
    let routed = 0;
    for (const method of METHODS) {
      for (const path of paths) {
        const [want, got] = await Promise.all([reference, ours].map((base) => fetch(`${base}${path}`, { method })));
        const describe = (r: Response) => `${r.status} allow=${r.headers.get('allow') ?? ''}`;
        if (describe(want as Response) !== describe(got as Response)) differences.push(`${method} ${path}: ${describe(want as Response)} vs ${describe(got as Response)}`);
        if (method === 'GET' && want?.status === 200) {
          routed++;
          expect(await got?.text(), path).toBe(await want.text());
        }
      }
    }
    expect(differences).toEqual([]);
    expect(routed).toBeGreaterThanOrEqual(7); // the comparison did reach the routes, not only 404s
  });
});
