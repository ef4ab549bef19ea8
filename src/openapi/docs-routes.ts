import fs from 'node:fs';
import path from 'node:path';
import type Router from '@koa/router';
import type { ApiDocumentOptions } from './document-options';
import { staticFile } from './static-file';
import { DOCS_CONTENT_SECURITY_POLICY, SWAGGER_UI_FILES, docsInitScript, docsPage, locateSwaggerUi } from './swagger-ui';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

/** Revalidated on every use (cheap with the ETag): the document changes with a deployment, not with a URL. */
const REVALIDATE = 'no-cache';
/** The bundle's files are served under a path naming the package version: a new version is a new URL. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * `GET /openapi.json` (the OpenAPI document of this configuration) and `GET /docs` (Swagger UI on it, every file
 * served from here). Registered unversioned, only when API_DOCS_ENABLED. Nothing is built per request: the document
 * (and the module that builds it, with zod-openapi) is loaded on the first `/openapi.json`, the bundle's files on
 * their first request, then answered from memory; the routes sit under their own first path segments, so the
 * dispatcher never tries them for API requests. They are not asset paths: the access log does not record them.
 */
export function registerApiDocsRoutes(router: Router, options: ApiDocumentOptions): void {
  const bundle = locateSwaggerUi();
  const documentUrl = `${options.pathPrefix}${OPENAPI_PATH}`;
  const assets = `${options.pathPrefix}${DOCS_PATH}/swagger-ui-${bundle.version}`;
  const init = `${options.pathPrefix}${DOCS_PATH}/init.js`;

  router.get(
    OPENAPI_PATH,
    staticFile({ type: 'application/json; charset=utf-8', cacheControl: REVALIDATE }, async () => {
      const { buildApiDocument } = await import('./api-document');
      return Buffer.from(JSON.stringify(buildApiDocument(options)));
    }),
  );
  const page = staticFile({ type: 'text/html; charset=utf-8', cacheControl: REVALIDATE }, () => Buffer.from(docsPage({ assets, init }, 'asset-catalogue API')));
  router.get(DOCS_PATH, async (ctx) => {
    ctx.set('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY);
    ctx.set('X-Content-Type-Options', 'nosniff');
    await page(ctx);
  });
  router.get(
    `${DOCS_PATH}/init.js`,
    staticFile({ type: 'text/javascript; charset=utf-8', cacheControl: REVALIDATE }, () => Buffer.from(docsInitScript(documentUrl))),
  );
  for (const [file, type] of Object.entries(SWAGGER_UI_FILES)) {
    router.get(
      `${DOCS_PATH}/swagger-ui-${bundle.version}/${file}`,
      staticFile({ type, cacheControl: IMMUTABLE }, () => fs.promises.readFile(path.join(bundle.dir, file))),
    );
  }
}
