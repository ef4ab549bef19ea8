import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiDocument } from '../../src/openapi/api-document';
import { ApiConformance, type Exchange } from '../support/api-conformance';
import { takeProblems, watchService } from '../support/conforming-fetch';
import { ROOT } from '../support/spawn-service';
import { TestDatabase } from '../support/test-database';
import { postJson, startTestService, waitUntilReady, type TestService } from '../support/test-service';

const OPTIONS = { pathPrefix: '/aiod', version: '0.0.0', metrics: true, docs: true, chaos: false };
type Json = Record<string, any>;

const document = () => buildApiDocument(OPTIONS) as unknown as Json;

function exchange(method: string, path: string, status: number, body: unknown, headers: Record<string, string> = {}): Exchange {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return {
    method,
    url: `http://127.0.0.1:1/aiod${path}`,
    status,
    headers: new Headers({ ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }), ...headers }),
    body: text,
  };
}

const ASSET = {
  identifier: 'data_p7v02a70CbBGKk29T8przBjf',
  resource_type: 'datasets',
  name: 'n',
  description: null,
  keywords: [],
  date_created: '2026-01-31T12:00:00.000Z',
  date_modified: '2026-01-31T12:00:00.000Z',
};

describe('ApiConformance (the checker the whole suite runs every answer through)', () => {
  const checker = new ApiConformance(document());

  it('accepts answers as documented', () => {
    expect(checker.check(exchange('GET', '/datasets/x', 404, { error: { status: 404, message: 'no' } }))).toEqual([]);
    expect(checker.check(exchange('GET', '/v2/models/mdl_x', 200, { ...ASSET, resource_type: 'models' }))).toEqual([]);
    expect(checker.check(exchange('POST', '/datasets', 201, ASSET, { location: '/aiod/datasets/data_p7v02a70CbBGKk29T8przBjf' }))).toEqual([]);
    expect(checker.check(exchange('DELETE', '/v1/datasets/x', 204, undefined))).toEqual([]);
    expect(checker.check(exchange('HEAD', '/datasets', 200, undefined, { 'content-type': 'application/json; charset=utf-8' }))).toEqual([]);
    expect(checker.check(exchange('GET', '/stats/top/models?window=1h', 200, [{ asset_id: 'mdl_1', hits: 3 }], { 'stats-window-start': '2026-01-31T11:00:00.000Z' }))).toEqual([]);
  });

  it('leaves paths outside the document and outside the prefix alone', () => {
    expect(checker.check(exchange('GET', '/datasets/x/content', 404, { whatever: 1 }))).toEqual([]);
    expect(checker.check({ ...exchange('GET', '/datasets', 500, 'x'), url: 'http://127.0.0.1:1/datasets' })).toEqual([]);
  });

  it.each<[string, Exchange, RegExp]>([
    ['an undeclared status', exchange('GET', '/datasets/x', 400, { error: { status: 400, message: 'm' } }), /status 400 is not declared/],
    ['a field the schema does not have', exchange('GET', '/datasets/x', 200, { ...ASSET, extra: 1 }), /must NOT have additional properties/],
    ['a field of the wrong type', exchange('GET', '/assets/x', 200, { ...ASSET, keywords: 'k' }), /keywords must be array/],
    ['a missing field', exchange('GET', '/datasets', 200, { total: 0, offset: 0, limit: 10 }), /must have required property 'items'/],
    ['an error envelope with another status', exchange('GET', '/datasets/x', 404, { error: { status: 400, message: 'm' } }), /status must be equal to constant/],
    ['an undeclared reason', exchange('GET', '/ready', 503, { error: { status: 503, message: 'm', reason: 'tired' } }), /reason must be equal to one of the allowed values/],
    ['a detail the status does not carry', exchange('GET', '/datasets/x', 404, { error: { status: 404, message: 'm', field: 'id' } }), /additional properties/],
    ['a required header missing', exchange('POST', '/datasets', 201, ASSET), /header Location is required/],
    ['a header not matching its schema', exchange('GET', '/stats/top', 429, { error: { status: 429, message: 'm', reason: 'queue_full' } }, { 'retry-after': 'soon' }), /header Retry-After/],
    ['an undeclared content type', { ...exchange('GET', '/health', 200, undefined), headers: new Headers({ 'content-type': 'text/plain' }), body: 'ok' }, /content type text\/plain is not declared/],
    ['a body where none is declared', exchange('DELETE', '/datasets/x', 204, { deleted: true }), /no content is declared/],
    ['a body that is not JSON', { ...exchange('GET', '/health', 200, undefined), headers: new Headers({ 'content-type': 'application/json' }), body: '{' }, /not JSON/],
    ['a wrong method answered other than 405', exchange('PATCH', '/datasets', 404, { error: { status: 404, message: 'm' } }), /must answer 405/],
    ['a 405 with the wrong Allow', exchange('PATCH', '/datasets', 405, { error: { status: 405, message: 'm' } }, { allow: 'GET' }), /Allow is "GET"/],
    ['an unknown method answered other than 501', exchange('PROPFIND', '/datasets', 405, { error: { status: 405, message: 'm' } }), /must answer 501/],
  ])('reports %s', (_what, answer, problem) => {
    const problems = checker.check(answer);
    expect(problems.join('\n')).toMatch(problem);
  });

  it('accepts the 405 and OPTIONS answers the router gives', () => {
    expect(checker.check(exchange('PATCH', '/datasets', 405, { error: { status: 405, message: 'method not allowed' } }, { allow: 'HEAD, GET, POST' }))).toEqual([]);
    expect(checker.check({ ...exchange('OPTIONS', '/datasets/x', 200, undefined), headers: new Headers({ allow: 'HEAD, GET, PUT, DELETE' }) })).toEqual([]);
  });
});

describe('the conforming fetch, over HTTP against the real service', () => {
  const database = new TestDatabase();
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ DATABASE_URL: database.url(), PATH_PREFIX: '/aiod' });
    await waitUntilReady(service);
  });

  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  it('finds nothing wrong with the service as it is', async () => {
    const created = await postJson(`${service.url}/datasets`, { name: 'conforming' });
    expect(created.status).toBe(201);
    await fetch(`${service.url}/datasets?limit=0`);
    await fetch(`${service.url}/stats/top?window=1h`);
    expect(await takeProblems()).toEqual([]);
  });

  it('complains once the document no longer says what the service answers', async () => {
    const tampered = document();
    // The asset's name becomes a number and 201 disappears from POST /datasets; GET /health loses its 200.
    tampered.components.schemas.Asset.properties.name = { type: 'integer' };
    delete tampered.paths['/datasets'].post.responses['201'];
    tampered.paths['/health'].get.responses = { 204: { description: 'tampered' } };
    const unwatch = await watchService(service.url, new ApiConformance(tampered));
    try {
      const created = (await (await postJson(`${service.url}/datasets`, { name: 'tampered' })).json()) as { identifier: string };
      await fetch(`${service.url}/v1/datasets/${created.identifier}`);
      await fetch(`${service.url}/health`);
      const problems = (await takeProblems()).join('\n');
      expect(problems).toMatch(/POST \/aiod\/datasets → 201: status 201 is not declared/);
      expect(problems).toMatch(/GET \/aiod\/v1\/datasets\/data_\w+ → 200: body .* does not match: body\/name must be integer/);
      expect(problems).toMatch(/GET \/aiod\/health → 200: status 200 is not declared/);
    } finally {
      unwatch();
      await watchService(service.url, service.api);
    }
  });
});

describe('the vitest setup', () => {
  it('fails the test that received a non-conforming answer', () => {
    // A test file of its own, run by vitest with the project's config: its only test passes its own assertions but
    // receives an answer its service's document does not describe.
    const fixture = path.join('test', 'openapi', 'fixtures', 'nonconforming.fixture.ts');
    const run = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/openapi/fixtures/vitest.fixture.config.mts', fixture], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CI: '1', NO_COLOR: '1' },
      timeout: 60_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(1);
    expect(output).toMatch(/answers that do not conform to the OpenAPI document/);
    expect(output).toMatch(/GET \/health → 200: body \{"status":"fine"\} does not match/);
    expect(output).toMatch(/1 failed/);
  });
});
