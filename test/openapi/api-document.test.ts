import fs from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_TYPES } from '../../src/catalogue/resource-types';
import { buildApiDocument } from '../../src/openapi/api-document';
import type { ApiDocumentOptions } from '../../src/openapi/document-options';
import { OPENAPI_FILE, renderOpenApiFile } from '../../scripts/build-openapi';
import { TestDatabase } from '../support/test-database';
import { startTestService, type TestService } from '../support/test-service';

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

const VARIANTS: Array<[string, ApiDocumentOptions]> = [
  ['defaults', { pathPrefix: '', version: '1.2.3', metrics: true, docs: true, chaos: false }],
  ['a path prefix, chaos on', { pathPrefix: '/aiod', version: '1.2.3', metrics: true, docs: true, chaos: true }],
  ['metrics and docs off', { pathPrefix: '/a/b', version: '1.2.3', metrics: false, docs: false, chaos: false }],
];

function operationsOf(document: Json): Array<{ path: string; method: string; operation: Json }> {
  return Object.entries(document.paths as Record<string, Json>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, operation: item[method] as Json })),
  );
}

/** Every Schema Object of the document with the examples given for it (media-type `example`, schema `examples`). */
function schemasOf(document: Json): Array<{ where: string; schema: Json; examples: unknown[] }> {
  const found: Array<{ where: string; schema: Json; examples: unknown[] }> = [];
  const visitSchema = (where: string, schema: Json, extra: unknown[] = []) => found.push({ where, schema, examples: [...extra, ...((schema.examples as unknown[]) ?? [])] });
  const visitContent = (where: string, content: Json | undefined) => {
    for (const [type, media] of Object.entries(content ?? {}) as Array<[string, Json]>) {
      if (media.schema) visitSchema(`${where} ${type}`, media.schema, media.example === undefined ? [] : [media.example]);
    }
  };
  const visitResponse = (where: string, response: Json) => {
    visitContent(where, response.content);
    for (const [name, header] of Object.entries(response.headers ?? {}) as Array<[string, Json]>) if (header.schema) visitSchema(`${where} header ${name}`, header.schema);
  };
  for (const [name, schema] of Object.entries(document.components.schemas ?? {})) visitSchema(`components.schemas.${name}`, schema as Json);
  for (const [name, response] of Object.entries(document.components.responses ?? {})) visitResponse(`components.responses.${name}`, response as Json);
  for (const [name, parameter] of Object.entries(document.components.parameters ?? {})) visitSchema(`components.parameters.${name}`, (parameter as Json).schema);
  for (const { path, method, operation } of operationsOf(document)) {
    const where = `${method.toUpperCase()} ${path}`;
    for (const parameter of operation.parameters ?? []) if (parameter.schema) visitSchema(`${where} parameter ${parameter.name}`, parameter.schema);
    visitContent(`${where} request`, operation.requestBody?.content);
    for (const [status, response] of Object.entries(operation.responses ?? {}) as Array<[string, Json]>) if (!response.$ref) visitResponse(`${where} ${status}`, response);
  }
  return found;
}

describe.each(VARIANTS)('the OpenAPI document (%s)', (_name, options) => {
  const document = buildApiDocument(options) as unknown as Json;

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.version).toBe('1.2.3');
  });

  it('holds JSON Schemas that compile (2020-12, strict), and examples that match them', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
    // The component schemas as `$defs` of one registered schema, the document's refs pointed at them.
    const refs = (schema: unknown): unknown => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"https://openapi.invalid/components.json#/$defs/'));
    ajv.addSchema({ $id: 'https://openapi.invalid/components.json', $defs: refs(document.components.schemas) as Json });
    const schemas = schemasOf(document);
    expect(schemas.length).toBeGreaterThan(20);
    for (const { where, schema, examples } of schemas) {
      const validate = ajv.compile(refs(schema) as Json);
      for (const example of examples) expect(validate(example), `${where}: example ${JSON.stringify(example)}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  }, 20_000);

  it('has one unique operationId, a summary and a tag per operation, and declares every path parameter', () => {
    const operations = operationsOf(document);
    const ids = operations.map((o) => o.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, operation } of operations) {
      expect(operation.summary, `${method} ${path}`).toBeTruthy();
      expect(operation.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
      const declared = (operation.parameters ?? []).filter((p: Json) => p.in === 'path').map((p: Json) => p.name).sort();
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      expect(declared, `${method} ${path}`).toEqual(inPath);
    }
  });

  it('declares the bearer scheme, with 401 and 503, on every write and only there', () => {
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(document.components.securitySchemes.bearerAuth.description).toMatch(/API_WRITE_TOKEN/);
    const reasons503 = document.components.responses.WriteUnavailable.content['application/json'].schema.properties.error.properties.reason.enum;
    expect(reasons503).toContain('auth_unavailable');
    for (const { path, method, operation } of operationsOf(document)) {
      const write = ['post', 'put', 'delete'].includes(method);
      expect(operation.security?.some((s: Json) => 'bearerAuth' in s) ?? false, `${method} ${path}`).toBe(write);
      if (write) {
        expect(operation.responses['401'], `${method} ${path}`).toEqual({ $ref: '#/components/responses/Unauthorized' });
        expect(operation.responses['503'], `${method} ${path}`).toEqual({ $ref: '#/components/responses/WriteUnavailable' });
      }
    }
  });

  it('serves every API route under every version prefix, the server URL being PATH_PREFIX', () => {
    expect(document.servers?.[0]?.url ?? '').toBe(options.pathPrefix);
    for (const version of ['', '/v1', '/v2']) {
      for (const type of RESOURCE_TYPES) {
        expect(Object.keys(document.paths[`${version}/${type.name}`]).sort()).toEqual(['get', 'post']);
        expect(Object.keys(document.paths[`${version}/${type.name}/{id}`]).sort()).toEqual(['delete', 'get', 'put']);
      }
      for (const path of ['/assets/{id}', '/stats/top', '/stats/top/{resource_type}']) expect(Object.keys(document.paths[`${version}${path}`])).toEqual(['get']);
    }
    expect('/metrics' in document.paths).toBe(options.metrics);
    expect('/openapi.json' in document.paths).toBe(options.docs);
    expect('/docs' in document.paths).toBe(options.docs);
    expect('/chaos/error' in document.paths).toBe(options.chaos);
  });

  it('states the bounds of every parameter', () => {
    const { parameters } = document.components;
    expect(parameters.Offset.schema).toMatchObject({ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 });
    expect(parameters.PageLimit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 10 });
    expect(parameters.TopLimit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000, default: 10 });
    expect(parameters.Since.schema.pattern).toBeTruthy();
    expect(parameters.Window.schema.pattern).toBe('^(\\d{1,7})(m|h|d|w)$');
    expect(parameters.Window.description).toMatch(/at most 3650d/);
  });
});

describe('docs/openapi.json', () => {
  it('is what `npm run openapi` writes from the code (run it after changing a route or a schema)', () => {
    expect(fs.readFileSync(OPENAPI_FILE, 'utf8')).toBe(renderOpenApiFile());
  });
});

describe('the document against the routes the service really registers', () => {
  const database = new TestDatabase();
  let service: TestService;

  beforeAll(async () => {
    // Everything on: metrics, docs, chaos; under a prefix.
    service = await startTestService({ DATABASE_URL: database.url(), PATH_PREFIX: '/aiod', CHAOS_ENABLED: 'true' });
  });

  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  it('lists exactly the (method, path) pairs of the router', () => {
    const dispatcher = service.app.middleware.find((m) => 'router' in m) as unknown as { router: { stack: Array<{ path: string; methods: string[] }> } };
    const normal = (path: string) => path.replace(/\{[^}]+\}|:[A-Za-z_]+/g, '{}');
    const routed = new Set(
      dispatcher.router.stack
        // The files of the docs page (its script and Swagger UI's bundle) belong to `/docs`, not to the API.
        .filter((layer) => !layer.path.startsWith('/aiod/docs/'))
        .flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${normal(layer.path.slice('/aiod'.length))}`)),
    );
    const document = buildApiDocument(service.api) as unknown as Json;
    const documented = new Set(operationsOf(document).map(({ path, method }) => `${method.toUpperCase()} ${normal(path)}`));
    expect([...routed].filter((r) => !documented.has(r)), 'routes the document lacks').toEqual([]);
    expect([...documented].filter((d) => !routed.has(d)), 'documented operations no route serves').toEqual([]);
    expect(routed.size).toBeGreaterThan(100);
  });
});
