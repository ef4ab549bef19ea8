import { z } from 'zod';
import {
  createDocument,
  type oas31,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';
import { assetInputSchema } from '../catalogue/asset-input';
import { assetPageSchema, assetSchema, resourceTypeSchema } from '../catalogue/asset-schema';
import { paginationQuery } from '../catalogue/pagination';
import { RESOURCE_TYPES, type ResourceType } from '../catalogue/resource-types';
import { ERROR_STATUS, SLOW_MS } from '../chaos/chaos-settings';
import { SUPPORTED_CONTENT_CODINGS } from '../http/content-coding';
import { healthSchema, readySchema } from '../http/health-routes';
import { API_VERSION_PREFIXES } from '../http/route-paths';
import type { ApiVersionPrefix } from '../http/route-key';
import { topQuery } from '../stats/top-query';
import { topSchema, typeTopSchema } from '../stats/top-response';
import type { ApiDocumentOptions } from './document-options';
import { ERROR_RESPONSES as E } from './error-responses';


/** The security scheme of the writes, and the one of `/metrics`. */
export const WRITE_SECURITY = 'bearerAuth';
const METRICS_SECURITY = 'metricsToken';

const API_DESCRIPTION = `A catalogue of assets (datasets, models, publications, …) with popularity statistics.

Every API route is served unversioned (the latest version) and under \`/v1\` and \`/v2\`, with the same answers; \`/health\`, \`/ready\`, \`/metrics\` and the documentation only unversioned. Paths are case-sensitive.

**Errors** are JSON: \`{"error": {"status", "message", …details}}\`, with \`field\` (body field), \`parameter\` (query parameter), \`reason\` (a code) or \`supported\` where the response says so. A method a path does not list answers 405 with \`Allow\` (components/responses/MethodNotAllowed); a method no route implements, 501 (components/responses/NotImplemented). \`HEAD\` is answered wherever \`GET\` is, \`OPTIONS\` with \`Allow\`.

**Writes** (POST, PUT, DELETE) require a bearer token when the service is configured for it (\`API_WRITE_TOKEN\`, or \`OIDC_ISSUER\` with \`OIDC_AUDIENCE\`); otherwise they are open.`;

const TAGS: oas31.TagObject[] = [
  ...RESOURCE_TYPES.map((type) => ({ name: type.name, description: `The ${type.name.replace('_', ' ')} (ids \`${type.abbreviation}_…\`).` })),
  { name: 'assets', description: 'Any asset, by identifier.' },
  { name: 'stats', description: 'Popularity: the most-read assets (successful GETs).' },
  ...API_VERSION_PREFIXES.filter((v) => v !== '').map((v) => ({ name: v.slice(1), description: `Every API route under \`${v}\` (the same as unversioned).` })),
  { name: 'operations', description: 'Health, readiness, metrics and this documentation.' },
];

/** `datasets` → `Datasets`, `educational_resources` → `EducationalResources`. */
function pascal(name: string): string {
  return name
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** `Datasets` → `Dataset`: every type name is a plain plural. */
function singular(plural: string): string {
  return plural.replace(/s$/, '');
}

const json = (schema: z.ZodType, example?: unknown) => ({ 'application/json': { schema, ...(example === undefined ? {} : { example }) } });

const ASSET_EXAMPLE = {
  identifier: 'data_p7v02a70CbBGKk29T8przBjf',
  resource_type: 'datasets',
  name: 'ImageNet',
  description: 'Labelled images for visual recognition.',
  keywords: ['vision'],
  date_created: '2026-01-31T12:00:00.000Z',
  date_modified: '2026-01-31T12:00:00.000Z',
};

const assetId = (type?: ResourceType) =>
  z
    .string()
    .min(1)
    .meta({
      description: type
        ? `The asset's identifier (\`${type.abbreviation}_\` and 24 letters and digits); anything else is a 404.`
        : 'An asset identifier; its abbreviation (`data_`, `mdl_`, …) names the type. Anything else is a 404.',
      examples: [`${type?.abbreviation ?? 'data'}_p7v02a70CbBGKk29T8przBjf`],
    });

const contentEncoding = z
  .enum(SUPPORTED_CONTENT_CODINGS)
  .optional()
  .meta({ description: 'The coding of the body (case-insensitive); any other is a 415.', param: { id: 'ContentEncoding' } });

/** The routes' own query schemas, registered once as parameter components. */
const pageQuery = z.object({
  offset: paginationQuery.shape.offset.meta({ param: { id: 'Offset' } }),
  limit: paginationQuery.shape.limit.meta({ param: { id: 'PageLimit' } }),
});
const statsQuery = z.object({
  limit: topQuery.shape.limit.meta({ param: { id: 'TopLimit' } }),
  since: topQuery.shape.since.meta({ param: { id: 'Since' } }),
  window: topQuery.shape.window.meta({ param: { id: 'Window' } }),
});

const bodyOf = {
  required: true,
  description: 'A JSON object, at most 1 MB after decompression.',
  content: json(assetInputSchema, { name: 'ImageNet', description: 'Labelled images for visual recognition.', keywords: ['vision'] }),
};

/** Responses every write may also give: no valid token (401), a body refused (413, 415, 429), a 503 of its own. */
const writeFailures = (withBody: boolean): ZodOpenApiResponsesObject => ({
  401: E.unauthorized,
  ...(withBody ? { 400: E.invalidBody, 413: E.payloadTooLarge, 415: E.unsupportedMediaType, 429: E.decodingBusy } : {}),
  500: E.internalError,
  503: E.writeUnavailable,
});

/** The five routes of one resource type, under one version prefix. */
function typePaths(type: ResourceType, version: ApiVersionPrefix): ZodOpenApiPathsObject {
  const plural = pascal(type.name);
  const one = singular(plural);
  const id = (name: string) => (version === '' ? name : `${version.slice(1)}${pascal(name)}`);
  const tags = [version === '' ? type.name : version.slice(1)];
  const write = { security: [{ [WRITE_SECURITY]: [] }] };
  const example = { ...ASSET_EXAMPLE, resource_type: type.name, identifier: `${type.abbreviation}_p7v02a70CbBGKk29T8przBjf` };
  const asset = json(assetSchema, example);
  const idParam = z.object({ id: assetId(type) });
  const list: ZodOpenApiOperationObject = {
    operationId: id(`list${plural}`),
    summary: `Page through the ${type.name}`,
    tags,
    requestParams: { query: pageQuery },
    responses: {
      200: { description: `A page of ${type.name}, in identifier order.`, content: json(assetPageSchema, { total: 1, offset: 0, limit: 10, items: [example] }) },
      400: E.invalidParameter,
      500: E.internalError,
      503: E.databaseUnavailable,
    },
  };
  const create: ZodOpenApiOperationObject = {
    operationId: id(`create${one}`),
    summary: `Create a ${singular(type.name).replace('_', ' ')}`,
    tags,
    ...write,
    requestParams: { header: z.object({ 'Content-Encoding': contentEncoding }) },
    requestBody: bodyOf,
    responses: {
      201: {
        description: 'Created; the identifier is the server’s.',
        headers: z.object({ Location: z.string().meta({ description: 'The path of the new asset.', examples: [`/${type.name}/${type.abbreviation}_p7v02a70CbBGKk29T8przBjf`] }) }),
        content: asset,
      },
      ...writeFailures(true),
    },
  };
  const read: ZodOpenApiOperationObject = {
    operationId: id(`get${one}`),
    summary: `Read a ${singular(type.name).replace('_', ' ')}`,
    tags,
    requestParams: { path: idParam },
    responses: { 200: { description: 'The asset.', content: asset }, 404: E.notFound, 500: E.internalError, 503: E.databaseUnavailable },
  };
  const replace: ZodOpenApiOperationObject = {
    operationId: id(`replace${one}`),
    summary: `Replace a ${singular(type.name).replace('_', ' ')}'s writable fields`,
    tags,
    ...write,
    requestParams: { path: idParam, header: z.object({ 'Content-Encoding': contentEncoding }) },
    requestBody: bodyOf,
    responses: { 200: { description: 'The asset as replaced.', content: asset }, 404: E.notFound, ...writeFailures(true) },
  };
  const remove: ZodOpenApiOperationObject = {
    operationId: id(`delete${one}`),
    summary: `Delete a ${singular(type.name).replace('_', ' ')}`,
    tags,
    ...write,
    requestParams: { path: idParam },
    responses: { 204: { description: 'Deleted.' }, 404: E.notFound, ...writeFailures(false) },
  };
  return {
    [`${version}/${type.name}`]: { get: list, post: create },
    [`${version}/${type.name}/{id}`]: { get: read, put: replace, delete: remove },
  };
}

const windowStart = z.object({
  'Stats-Window-Start': z.iso
    .datetime()
    .optional()
    .meta({ description: 'With `since` or `window`: the instant counting began (its minute or hour, clamped to the hourly retention).' }),
});

/** `/assets/{id}` and the two stats routes, under one version prefix. */
function sharedPaths(version: ApiVersionPrefix): ZodOpenApiPathsObject {
  const id = (name: string) => (version === '' ? name : `${version.slice(1)}${pascal(name)}`);
  const tags = (tag: string) => [version === '' ? tag : version.slice(1)];
  const statsFailures: ZodOpenApiResponsesObject = { 400: E.invalidParameter, 429: E.statsBusy, 500: E.internalError, 503: E.statsUnavailable };
  return {
    [`${version}/assets/{id}`]: {
      get: {
        operationId: id('getAsset'),
        summary: 'Read any asset; its type comes from the identifier',
        tags: tags('assets'),
        requestParams: { path: z.object({ id: assetId() }) },
        responses: { 200: { description: 'The asset.', content: json(assetSchema, ASSET_EXAMPLE) }, 404: E.notFound, 500: E.internalError, 503: E.databaseUnavailable },
      },
    },
    [`${version}/stats/top`]: {
      get: {
        operationId: id('topAssets'),
        summary: 'The most-read assets across every type',
        description: 'All time, or since an instant (`since`) or over a duration (`window`). Bounded per process: see 429 and 503.',
        tags: tags('stats'),
        requestParams: { query: statsQuery },
        responses: {
          200: {
            description: 'Most hits first.',
            headers: windowStart,
            content: json(topSchema, [{ resource_type: 'datasets', asset_id: 'data_p7v02a70CbBGKk29T8przBjf', hits: 42 }]),
          },
          ...statsFailures,
        },
      },
    },
    [`${version}/stats/top/{resource_type}`]: {
      get: {
        operationId: id('topAssetsOfType'),
        summary: 'The most-read assets of one type',
        tags: tags('stats'),
        requestParams: { path: z.object({ resource_type: resourceTypeSchema }), query: statsQuery },
        responses: {
          200: { description: 'Most hits first.', headers: windowStart, content: json(typeTopSchema, [{ asset_id: 'data_p7v02a70CbBGKk29T8przBjf', hits: 42 }]) },
          404: E.notFound,
          ...statsFailures,
        },
      },
    },
  };
}

function operationsPaths(options: ApiDocumentOptions): ZodOpenApiPathsObject {
  const tags = ['operations'];
  const paths: ZodOpenApiPathsObject = {
    '/health': {
      get: {
        operationId: 'health',
        summary: 'Liveness; never touches the database',
        tags,
        responses: { 200: { description: 'The process serves.', content: json(healthSchema) } },
      },
    },
    '/ready': {
      get: {
        operationId: 'ready',
        summary: 'Readiness: the database answers and the schema is migrated',
        tags,
        responses: { 200: { description: 'Ready.', content: json(readySchema) }, 500: E.internalError, 503: E.databaseUnavailable },
      },
    },
  };
  if (options.metrics) {
    const text = { schema: z.string() };
    paths['/metrics'] = {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics',
        description:
          'The format follows `Accept`: the delimited protobuf when it prefers it, OpenMetrics 1.0.0 when it names `application/openmetrics-text`, else the Prometheus text format 0.0.4; gzip on request.',
        tags,
        security: [{ [METRICS_SECURITY]: [] }, {}],
        responses: {
          200: {
            description: 'The metrics of this process (of its worker group, with WEB_CONCURRENCY > 1).',
            content: { 'text/plain': text, 'application/openmetrics-text': text, 'application/vnd.google.protobuf': { schema: z.string().meta({ contentMediaType: 'application/vnd.google.protobuf' }) } },
          },
          401: E.unauthorized,
          500: E.internalError,
        },
      },
    };
  }
  if (options.docs) {
    const notModified = { description: 'Unchanged since the `ETag` given in `If-None-Match`.' };
    paths['/openapi.json'] = {
      get: {
        operationId: 'openapi',
        summary: 'This document',
        tags,
        responses: {
          200: { description: 'The OpenAPI 3.1 document of this service (gzip on request).', content: { 'application/json': { schema: z.looseObject({ openapi: z.string() }) } } },
          304: notModified,
        },
      },
    };
    paths['/docs'] = {
      get: {
        operationId: 'docs',
        summary: 'Interactive documentation (Swagger UI) of this document',
        tags,
        responses: {
          200: { description: 'An HTML page; its script and Swagger UI’s files are served under `/docs/` too, nothing from elsewhere.', content: { 'text/html': { schema: z.string() } } },
          304: notModified,
        },
      },
    };
  }
  return paths;
}

function chaosPaths(): ZodOpenApiPathsObject {
  const tags = ['chaos'];
  const ms = z.int().min(SLOW_MS.min).max(SLOW_MS.max).default(SLOW_MS.default).meta({ description: 'How long to wait.' });
  const status = z.int().min(ERROR_STATUS.min).max(ERROR_STATUS.max).default(ERROR_STATUS.default).meta({ description: 'The status to fail with.' });
  return {
    '/chaos/slow': {
      get: {
        operationId: 'chaosSlow',
        summary: 'Answer after `ms` milliseconds (fault injection; never in production)',
        tags,
        requestParams: { query: z.object({ ms }) },
        responses: { 200: { description: 'Slept.', content: json(z.object({ slept_ms: z.int().min(0) })) }, 400: E.invalidParameter },
      },
    },
    '/chaos/error': {
      get: {
        operationId: 'chaosError',
        summary: 'Fail with `status` (fault injection; never in production)',
        tags,
        requestParams: { query: z.object({ status }) },
        responses: { 400: E.invalidParameter, '5XX': E.serverError },
      },
    },
  };
}

/**
 * The OpenAPI 3.1 document of the service as configured: every route of every version prefix, rendered from the zod
 * schemas the routes validate with and the ones their answers are typed by. Pure: the same options give the same
 * document (`npm run openapi` writes the default one to docs/openapi.json).
 */
export function buildApiDocument(options: ApiDocumentOptions): ReturnType<typeof createDocument> {
  const paths: ZodOpenApiPathsObject = { ...operationsPaths(options) };
  for (const version of API_VERSION_PREFIXES) {
    for (const type of RESOURCE_TYPES) Object.assign(paths, typePaths(type, version));
    Object.assign(paths, sharedPaths(version));
  }
  if (options.chaos) Object.assign(paths, chaosPaths());
  return createDocument({
    openapi: '3.1.0',
    info: { title: 'asset-catalogue', version: options.version, description: API_DESCRIPTION, license: { name: 'MIT', identifier: 'MIT' } },
    ...(options.pathPrefix ? { servers: [{ url: options.pathPrefix, description: 'This deployment (PATH_PREFIX).' }] } : {}),
    tags: options.chaos ? [...TAGS, { name: 'chaos', description: 'Fault injection (CHAOS_ENABLED); never in production.' }] : TAGS,
    paths,
    components: {
      responses: { MethodNotAllowed: E.methodNotAllowed, NotImplemented: E.notImplemented },
      securitySchemes: {
        [WRITE_SECURITY]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            '`Authorization: Bearer <token>` on writes, when configured: a JWT from `OIDC_ISSUER` for `OIDC_AUDIENCE` (checked against the issuer’s JWKS; 503 `auth_unavailable` while those keys cannot be fetched), or the static token `API_WRITE_TOKEN`. Without either setting writes are open.',
        },
        ...(options.metrics ? { [METRICS_SECURITY]: { type: 'http', scheme: 'bearer', description: '`METRICS_TOKEN`, when it is set; otherwise `/metrics` is open.' } } : {}),
      },
    },
  });
}
