import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_TYPES } from '../../src/catalogue/resource-types';
import { buildApiDocument } from '../../src/openapi/api-document';
import { ApiConformance } from '../support/api-conformance';
import { SchemaArbitraries } from '../support/schema-arbitrary';
import { TestDatabase } from '../support/test-database';
import { postJson, startTestService, waitUntilReady, type TestService } from '../support/test-service';

/**
 * Requests generated from the OpenAPI document — every operation of every version prefix, its parameters within and
 * outside their bounds, valid and invalid bodies, content types and codings, methods a path does not have — sent to
 * the real service over HTTP. For each answer: never a 5xx (the database is healthy: no 503 can be due), and it
 * conforms to the document. Beyond that, the document's bounds must be the server's: a request valid per the document
 * succeeds (a 404 allowed for an id), one invalid per the document is refused with a 4xx.
 */

type Json = Record<string, any>;
/** What the answer must be: a success (404 allowed for an id), a refusal (4xx), or anything documented. */
type Expected = 'ok' | 'refused' | 'any';

interface Generated {
  method: string;
  path: string;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body?: Buffer;
  expected: Expected;
  /** The path names an asset by id: a success may also be a 404 (no such asset, or deleted meanwhile). */
  byId: boolean;
  /** Why the case is expected so, for the report of a failing case. */
  why: string[];
}

interface Operation {
  template: string;
  method: string;
  operation: Json;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];
/** Requests per route (a route is one operation across resource types and version prefixes). */
const RUNS = Number(process.env.API_PROPERTY_RUNS ?? 250);
/** A route without parameters or body has few requests to try. */
const RUNS_WITHOUT_INPUTS = 20;

const database = new TestDatabase();
let service: TestService;
const document = () => buildApiDocument({ pathPrefix: '/aiod', version: '0.0.0', metrics: true, docs: true, chaos: false }) as unknown as Json;
const api = new ApiConformance(document());
const arbitraries = new SchemaArbitraries(api);
/** Identifiers of assets that exist (or did: DELETE takes them away), by type. */
const existing = new Map<string, string[]>(RESOURCE_TYPES.map((type) => [type.name, []]));

const operations: Operation[] = Object.entries(api.document.paths as Record<string, Json>).flatMap(([template, item]) =>
  METHODS.filter((method) => item[method]).map((method) => ({ template, method: method.toUpperCase(), operation: item[method] as Json })),
);

/** `/v1/datasets/{id}` → `/{type}/{id}`: one route across its types and versions. */
function routeOf(template: string): string {
  const unversioned = template.replace(/^\/v\d+(?=\/)/, '');
  const type = RESOURCE_TYPES.find((t) => unversioned === `/${t.name}` || unversioned.startsWith(`/${t.name}/`));
  return type ? unversioned.replace(`/${type.name}`, '/{type}') : unversioned;
}

const routes = new Map<string, Operation[]>();
for (const operation of operations) {
  const key = `${operation.method} ${routeOf(operation.template)}`;
  routes.set(key, [...(routes.get(key) ?? []), operation]);
}

/** Path segments that URL parsing would remove or rewrite (`.`, `..`) are not ids a client can send. */
const segment = (value: string) => encodeURIComponent(value);
const idLike = fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }).filter((s) => s !== '.' && s !== '..');

function pathParameter(operation: Operation, parameter: Json): fc.Arbitrary<{ value: string; expected: Expected; why: string }> {
  if (parameter.name === 'id') {
    const type = RESOURCE_TYPES.find((t) => operation.template.includes(`/${t.name}/`));
    const known = () => (type ? (existing.get(type.name) ?? []) : [...existing.values()].flat());
    return fc.oneof(
      fc.nat().map((i) => {
        const ids = known();
        return { value: ids.length > 0 ? (ids[i % ids.length] as string) : 'data_p7v02a70CbBGKk29T8przBjf', expected: 'ok' as const, why: 'an id that exists or existed' };
      }),
      fc.stringMatching(/^[a-z]{3,4}_[A-Za-z0-9]{24}$/).map((value) => ({ value, expected: 'ok' as const, why: 'a well-formed id' })),
      idLike.map((value) => ({ value, expected: 'ok' as const, why: 'any string as the id' })),
    );
  }
  const { valid, invalid } = arbitraries.queryValues(parameter.schema as Json);
  return fc.oneof(
    valid.map((value) => ({ value, expected: 'ok' as const, why: `valid ${parameter.name}` })),
    invalid.filter((v) => v !== '.' && v !== '..').map((value) => ({ value, expected: 'refused' as const, why: `invalid ${parameter.name}` })),
  );
}

/**
 * The values the descriptions of `since` and `window` promise to accept (their patterns say only the form): real
 * calendar instants in the past, durations of at most 3650 days.
 */
const semanticallyValid: Record<string, fc.Arbitrary<string>> = {
  since: fc
    .tuple(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date(Date.now() - 86_400_000), noInvalidDate: true }), fc.constantFrom('date', 'Z', 'offset', 'space', 'fraction'))
    .map(([date, form]) => {
      const iso = date.toISOString();
      if (form === 'date') return iso.slice(0, 10);
      if (form === 'space') return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
      if (form === 'offset') return `${iso.slice(0, 19)}+00:00`;
      if (form === 'fraction') return iso.replace('Z', '000Z');
      return iso;
    }),
  window: fc
    .constantFrom(['m', 5_256_000], ['h', 87_600], ['d', 3650], ['w', 521])
    .chain(([unit, max]) => fc.integer({ min: 1, max: max as number }).map((n) => `${n}${unit as string}`)),
};

function queryParameter(parameter: Json): fc.Arbitrary<{ pairs: Array<[string, string]>; expected: Expected; why: string } | undefined> {
  const name = parameter.name as string;
  const { valid, invalid } = arbitraries.queryValues(parameter.schema as Json);
  const semantic = semanticallyValid[name];
  // Valid more often than not: a request with three parameters is then still valid as a whole about two times in three.
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.constant({ pairs: [[name, '']] as Array<[string, string]>, expected: 'ok' as const, why: `empty ${name}` }) },
    // A pattern says only the form: a value of that form may still break a rule of the description.
    { weight: 6, arbitrary: valid.map((value) => ({ pairs: [[name, value]] as Array<[string, string]>, expected: semantic ? ('any' as const) : ('ok' as const), why: `${name} valid per the schema` })) },
    ...(semantic ? [{ weight: 6, arbitrary: semantic.map((value) => ({ pairs: [[name, value]] as Array<[string, string]>, expected: 'ok' as const, why: `${name} valid per its description` })) }] : []),
    { weight: 2, arbitrary: invalid.map((value) => ({ pairs: [[name, value]] as Array<[string, string]>, expected: 'refused' as const, why: `invalid ${name}` })) },
    { weight: 1, arbitrary: fc.tuple(valid, valid).map(([a, b]) => ({ pairs: [[name, a], [name, b]] as Array<[string, string]>, expected: 'refused' as const, why: `${name} given twice` })) },
  );
}

const HUGE = Buffer.from(JSON.stringify({ name: 'huge', description: 'x'.repeat(1024 * 1024) }));

function bodyOf(operation: Operation): fc.Arbitrary<{ body?: Buffer; headers: Record<string, string>; expected: Expected; why: string }> {
  const media = operation.operation.requestBody.content['application/json'] as Json;
  const codings = (api.resolve((operation.operation.parameters as Json[]).find((p) => (api.resolve(p) as Json).name === 'Content-Encoding')) as Json).schema.enum as string[];
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const jsonType = { 'content-type': 'application/json' };
  const encode: Record<string, (b: Buffer) => Buffer> = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync, identity: (b) => b };
  const valid = arbitraries.valid(media.schema as Json);
  return fc.oneof(
    { weight: 6, arbitrary: valid.map((v) => ({ body: json(v), headers: jsonType, expected: 'ok' as const, why: 'a valid body' })) },
    { weight: 6, arbitrary: arbitraries.invalid(media.schema as Json).map((v) => ({ body: json(v), headers: jsonType, expected: 'refused' as const, why: 'an invalid body' })) },
    fc
      .tuple(valid, fc.constantFrom(...codings), fc.boolean())
      .map(([v, coding, upper]) => ({
        body: (encode[coding] as (b: Buffer) => Buffer)(json(v)),
        headers: { ...jsonType, 'content-encoding': upper ? coding.toUpperCase() : coding },
        expected: 'ok' as const,
        why: `a valid body, ${coding}`,
      })),
    fc.string({ minLength: 1, maxLength: 20 }).filter((s) => { try { JSON.parse(s); return false; } catch { return true; } }).map((text) => ({ body: Buffer.from(text), headers: jsonType, expected: 'refused' as const, why: 'malformed JSON' })),
    valid.map((v) => ({ body: json(v), headers: { 'content-type': 'text/plain' }, expected: 'refused' as const, why: 'not application/json' })),
    fc.constant({ headers: {}, expected: 'refused' as const, why: 'no body' }),
    fc
      .stringMatching(/^[a-z0-9-]{1,12}$/)
      .filter((coding) => !codings.includes(coding))
      .map((coding) => ({ body: Buffer.from('{"name":"x"}'), headers: { ...jsonType, 'content-encoding': coding }, expected: 'refused' as const, why: `Content-Encoding ${coding}` })),
    valid.map((v) => ({ body: json(v), headers: { ...jsonType, 'content-encoding': 'gzip' }, expected: 'refused' as const, why: 'gzip that is not' })),
    { weight: 1, arbitrary: fc.constant({ body: HUGE, headers: jsonType, expected: 'refused' as const, why: 'over 1 MB' }) },
  );
}

/** Requests for one documented operation (one of the route's types and versions). */
function requestsFor(operation: Operation): fc.Arbitrary<Generated> {
  const parameters = ((operation.operation.parameters ?? []) as Json[]).map((p) => api.resolve(p) as Json);
  const pathParameters = parameters.filter((p) => p.in === 'path');
  const queryParameters = parameters.filter((p) => p.in === 'query');
  return fc
    .record({
      method: operation.method === 'GET' ? fc.constantFrom('GET', 'GET', 'GET', 'HEAD') : fc.constant(operation.method),
      path: fc.tuple(...pathParameters.map((p) => pathParameter(operation, p).map((v) => [p.name as string, v] as const))),
      query: fc.tuple(...queryParameters.map((p) => queryParameter(p))),
      body: operation.operation.requestBody ? bodyOf(operation).map((b) => b as typeof b | undefined) : fc.constant(undefined),
    })
    .map(({ method, path, query, body }) => {
      const parts = [...path.map(([, v]) => v), ...query.filter((q) => q !== undefined), ...(body ? [body] : [])];
      let expected: Expected = parts.some((p) => p.expected === 'refused') ? 'refused' : parts.some((p) => p.expected === 'any') ? 'any' : 'ok';
      const pairs = query.flatMap((q) => q?.pairs ?? []);
      const given = (name: string) => pairs.some(([n, v]) => n === name && v !== '');
      const why = parts.map((p) => p.why);
      // The descriptions of `since` and `window`: not both.
      if (given('since') && given('window')) {
        expected = 'refused';
        why.push('since and window both');
      }
      let url = operation.template;
      for (const [name, value] of path) url = url.replace(`{${name}}`, segment(value.value));
      return { method, path: url, query: pairs, headers: body?.headers ?? {}, body: body?.body, expected, byId: operation.template.includes('{id}'), why };
    });
}

async function send(request: Generated): Promise<void> {
  const search = request.query.length > 0 ? `?${new URLSearchParams(request.query).toString()}` : '';
  const url = `${service.url}${request.path}${search}`;
  const response = await fetch(url, { method: request.method, headers: request.headers, body: request.body });
  const text = request.method === 'HEAD' ? '' : await response.text();
  const status = response.status;
  const context = `${request.method} ${request.path}${search} (${request.why.join(', ') || 'no inputs'}; expected ${request.expected}) → ${status} ${text.slice(0, 300)}`;
  // The one 5xx the document allows a healthy service: 501 for a method no route implements (PROPFIND).
  const unimplemented = status === 501 && api.expectationOf(request.method, new URL(url).pathname)?.kind === 'other-method';
  if (!unimplemented) expect(status, context).toBeLessThan(500);
  expect(api.check({ method: request.method, url, status, headers: response.headers, body: text }), context).toEqual([]);
  if (request.expected === 'ok') expect((status >= 200 && status < 300) || (status === 404 && request.byId), context).toBe(true);
  if (request.expected === 'refused') expect([400, 404, 413, 415], context).toContain(status);
  if (status === 201) {
    const created = JSON.parse(text) as { identifier: string; resource_type: string };
    existing.get(created.resource_type)?.push(created.identifier);
  }
}

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), PATH_PREFIX: '/aiod', LOG_LEVEL: 'warn' });
  await waitUntilReady(service);
  for (const type of RESOURCE_TYPES) {
    for (const name of ['first', 'second']) {
      const created = (await (await postJson(`${service.url}/${type.name}`, { name })).json()) as { identifier: string };
      existing.get(type.name)?.push(created.identifier);
    }
  }
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

describe('requests generated from the OpenAPI document', () => {
  it('covers every operation of the document, grouped by route', () => {
    expect([...routes.values()].flat().length).toBe(operations.length);
    expect(routes.size).toBeGreaterThanOrEqual(13);
  });

  it.each([...routes.keys()])('%s: never a 5xx, every answer as documented, the documented bounds the server’s', async (route) => {
    const ofRoute = routes.get(route) as Operation[];
    const inputs = ofRoute.some((o) => (o.operation.parameters ?? []).length > 0 || o.operation.requestBody);
    await fc.assert(
      fc.asyncProperty(fc.oneof(...ofRoute.map(requestsFor)), send),
      { numRuns: inputs ? RUNS : RUNS_WITHOUT_INPUTS, endOnFailure: false },
    );
  }, 120_000);

  it('methods a path does not list: 405 with Allow (501 for unknown ones), OPTIONS with Allow, as documented', async () => {
    const templates = [...new Set(operations.map((o) => o.template))];
    const request = fc
      .record({ template: fc.constantFrom(...templates), method: fc.constantFrom('PATCH', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'PROPFIND'), id: fc.stringMatching(/^[a-z]{3,4}_[A-Za-z0-9]{24}$/) })
      .map(({ template, method, id }): Generated => ({
        method,
        path: template.replace(/\{[^}]+\}/g, template.includes('{resource_type}') ? 'datasets' : id),
        query: [],
        headers: {},
        expected: 'any',
        byId: false,
        why: ['a method the path may not have'],
      }))
      .filter(({ method, path }) => api.expectationOf(method, `/aiod${path}`)?.kind !== 'operation');
    await fc.assert(fc.asyncProperty(request, send), { numRuns: RUNS });
  }, 120_000);
});
