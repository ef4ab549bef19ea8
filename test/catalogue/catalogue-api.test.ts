import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestService, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';

const database = new TestDatabase();
let service: TestService;
let base: string;

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), PATH_PREFIX: '/aiod' });
  base = service.url;
  await waitUntilReady(service);
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

async function createDataset(name: string, prefix = ''): Promise<Record<string, unknown>> {
  const response = await postJson(`${base}${prefix}/datasets`, { name, keywords: ['k'] });
  expect(response.status).toBe(201);
  return (await response.json()) as Record<string, unknown>;
}

async function expectError(response: Response, status: number, message?: RegExp): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(body.error.status).toBe(status);
  expect(typeof body.error.message).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/\bat .+:\d+:\d+/); // no stack trace
  if (message) expect(body.error.message).toMatch(message);
  return body.error;
}

describe('catalogue CRUD under a path prefix', () => {
  it('creates, fetches, replaces and deletes an asset', async () => {
    const created = await createDataset('first');
    expect(created.identifier).toMatch(/^data_[A-Za-z0-9]{24}$/);
    expect(created).toMatchObject({ resource_type: 'datasets', name: 'first', description: null, keywords: ['k'] });
    expect(created.date_created).toBe(created.date_modified);

    const url = `${base}/datasets/${created.identifier as string}`;
    expect(await (await fetch(url)).json()).toEqual(created);

    const put = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'renamed', description: 'about' }),
    });
    expect(put.status).toBe(200);
    const replaced = (await put.json()) as Record<string, unknown>;
    expect(replaced).toMatchObject({ name: 'renamed', description: 'about', keywords: [], date_created: created.date_created });
    expect(Date.parse(replaced.date_modified as string)).toBeGreaterThanOrEqual(Date.parse(created.date_created as string));

    expect((await fetch(url, { method: 'DELETE' })).status).toBe(204);
    await expectError(await fetch(url), 404);
    await expectError(await fetch(url, { method: 'DELETE' }), 404);
  });

  it('serves every route under /v1, /v2 and unversioned, and not without the prefix', async () => {
    const created = await createDataset('versioned', '/v2');
    const id = created.identifier as string;
    for (const version of ['', '/v1', '/v2']) {
      expect((await fetch(`${base}${version}/datasets/${id}`)).status).toBe(200);
      expect((await fetch(`${base}${version}/assets/${id}`)).status).toBe(200);
    }
    const withoutPrefix = base.replace(/\/aiod$/, '');
    await expectError(await fetch(`${withoutPrefix}/datasets/${id}`), 404);
    await expectError(await fetch(`${base}/v3/datasets/${id}`), 404);
  });

  it('resolves /assets/{id} by the id prefix for every type', async () => {
    const created = (await (await postJson(`${base}/models`, { name: 'bert' })).json()) as { identifier: string };
    expect(created.identifier).toMatch(/^mdl_/);
    const asset = (await (await fetch(`${base}/assets/${created.identifier}`)).json()) as Record<string, unknown>;
    expect(asset.resource_type).toBe('models');
    await expectError(await fetch(`${base}/assets/zzz_p7v02a70CbBGKk29T8przBjf`), 404);
    await expectError(await fetch(`${base}/assets/not-an-id`), 404);
  });

  it('treats identifiers case-sensitively', async () => {
    const created = await createDataset('case');
    const id = created.identifier as string;
    const flipped = id.slice(0, 5) + [...id.slice(5)].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
    expect(flipped).not.toBe(id);
    await expectError(await fetch(`${base}/datasets/${flipped}`), 404);
  });

  it('does not find an asset under another type', async () => {
    const created = await createDataset('typed');
    await expectError(await fetch(`${base}/models/${created.identifier as string}`), 404);
  });
});

describe('pagination', () => {
  it('pages with total count, default 10, max 100', async () => {
    for (let i = 0; i < 12; i++) await postJson(`${base}/projects`, { name: `p${i}` });
    const first = (await (await fetch(`${base}/projects`)).json()) as { total: number; offset: number; limit: number; items: unknown[] };
    expect(first).toMatchObject({ total: 12, offset: 0, limit: 10 });
    expect(first.items).toHaveLength(10);
    const rest = (await (await fetch(`${base}/projects?offset=10&limit=100`)).json()) as { items: Array<{ identifier: string }> };
    expect(rest.items).toHaveLength(2);
    const all = (await (await fetch(`${base}/projects?limit=100`)).json()) as { items: Array<{ identifier: string }> };
    expect(new Set(all.items.map((a) => a.identifier)).size).toBe(12);
    expect(((await (await fetch(`${base}/projects?offset=50`)).json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('answers the largest offset a client can send (2^53 - 1) with an empty page, and one past it with 400', async () => {
    const page = await fetch(`${base}/projects?offset=${Number.MAX_SAFE_INTEGER}&limit=100`);
    expect(page.status).toBe(200);
    expect(((await page.json()) as { items: unknown[] }).items).toEqual([]);
    const error = await expectError(await fetch(`${base}/projects?offset=${Number.MAX_SAFE_INTEGER}0`), 400);
    expect(error.parameter).toBe('offset');
  });

  it.each(['limit=0', 'limit=101', 'offset=-1', 'limit=abc'])('rejects %s with 400 naming the parameter', async (query) => {
    const error = await expectError(await fetch(`${base}/projects?${query}`), 400);
    expect(error.parameter).toBe(query.split('=')[0]);
  });
});

describe('errors', () => {
  it('400 names the invalid field', async () => {
    const error = await expectError(await postJson(`${base}/datasets`, { name: '' }), 400, /^name: /);
    expect(error.field).toBe('name');
    await expectError(await postJson(`${base}/datasets`, {}), 400, /^name: is required/);
    await expectError(await postJson(`${base}/datasets`, { name: 'n', keywords: ['x'.repeat(65)] }), 400, /^keywords\.0: /);
  });

  it('400 on malformed JSON', async () => {
    const response = await fetch(`${base}/datasets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": ' });
    await expectError(response, 400);
  });

  it('413 on a body over 1 MB', async () => {
    await expectError(await postJson(`${base}/datasets`, { name: 'n', description: 'x'.repeat(1_100_000) }), 413);
  });

  it('415 on a body that is not JSON', async () => {
    const response = await fetch(`${base}/datasets`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'name=x' });
    await expectError(response, 415);
  });

  it('404 on an unknown type or path', async () => {
    await expectError(await fetch(`${base}/widgets`), 404);
    await expectError(await fetch(`${base}/widgets/abc`), 404);
  });

  it('405 with Allow on a wrong method', async () => {
    const response = await fetch(`${base}/datasets`, { method: 'PATCH' });
    await expectError(response, 405);
    expect(response.headers.get('allow')).toMatch(/GET/);
  });
});

describe('operations', () => {
  it('answers /health and /ready', async () => {
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${base}/ready`)).json()).toEqual({ status: 'ready' });
  });

  it('logs one structured line per request with the route template', async () => {
    const created = await createDataset('logged');
    await fetch(`${base}/v2/datasets/${created.identifier as string}`);
    await new Promise((r) => setTimeout(r, 20));
    const line = service.logs.lines.findLast((l) => l.msg === 'request' && l.route === '/aiod/v2/datasets/:id');
    expect(line).toMatchObject({ method: 'GET', status: 200, level: 'info' });
    expect(typeof line?.duration_ms).toBe('number');
    const unmatched = await fetch(`${base}/no/such/${Math.random()}`);
    expect(unmatched.status).toBe(404);
    await new Promise((r) => setTimeout(r, 20));
    expect(service.logs.lines.findLast((l) => l.msg === 'request')).toMatchObject({ route: 'none', status: 404 });
  });

  it('keeps assets across a restart', async () => {
    const created = await createDataset('persistent');
    await service.stop();
    service = await startTestService({ DATABASE_URL: database.url(), PATH_PREFIX: '/aiod' });
    base = service.url;
    await waitUntilReady(service);
    expect(await (await fetch(`${base}/datasets/${created.identifier as string}`)).json()).toEqual(created);
  });
});
