import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { sampleValue, scrape } from '../support/metrics-text';

/**
 * One observer, three subscribers: the metrics, the access log and the request log must tell the same story about
 * every request, over HTTP against the real service and MariaDB.
 */
const database = new TestDatabase();
let service: TestService;
let datasetId: string;

async function accessRows(assetId: string): Promise<Array<{ method: string; status: number; resource_type: string }>> {
  await waitFor(async () => (service.accessLog?.queueDepth ?? 0) === 0, 5000, 'access-log queue to drain');
  await service.accessLog?.flush();
  return database.query('SELECT method, status, resource_type FROM asset_access_log WHERE asset_id = ? ORDER BY id', [assetId]);
}

function lastRequestLine(route: string, method: string): Record<string, unknown> | undefined {
  return service.logs.lines.findLast((l) => l.msg === 'request' && l.route === route && l.method === method);
}

const rawPut = (url: string, body: string) => fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), ACCESS_LOG_FLUSH_INTERVAL_MS: '50' });
  await waitUntilReady(service);
  datasetId = ((await (await postJson(`${service.url}/datasets`, { name: 'observed' })).json()) as { identifier: string }).identifier;
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

describe('labels agree across metrics, request log and access log', () => {
  it('a body the parser rejects (400 malformed, 413 too large) is the route in every series and in the log', async () => {
    const url = `${service.url}/datasets/${datasetId}`;
    expect((await rawPut(url, '{"name": ')).status).toBe(400);
    expect((await rawPut(url, JSON.stringify({ name: 'x', description: 'y'.repeat(1_100_000) }))).status).toBe(413);
    const text = await scrape(service.url);
    const route = '/datasets/:id';
    expect(sampleValue(text, `http_requests_total{handler="${route}",method="PUT",status="400"}`)).toBe(1);
    expect(sampleValue(text, `http_requests_total{handler="${route}",method="PUT",status="413"}`)).toBe(1);
    expect(sampleValue(text, `http_request_size_bytes_count{handler="${route}"}`)).toBe(2);
    expect(sampleValue(text, `http_response_size_bytes_count{handler="${route}"}`)).toBe(2);
    expect(text).not.toContain('handler="(?:');
    expect(lastRequestLine(route, 'PUT')).toMatchObject({ status: 413 });
    expect(service.logs.lines.filter((l) => l.msg === 'request' && String(l.route).startsWith('(?:'))).toEqual([]);
    // The access log took the asset from the route's parameters, though the handler never ran.
    expect(await accessRows(datasetId)).toEqual(expect.arrayContaining([
      { method: 'PUT', status: 400, resource_type: 'datasets' },
      { method: 'PUT', status: 413, resource_type: 'datasets' },
    ]));
  });

  it('a 405 on a path that matches a route keeps the route template', async () => {
    const response = await fetch(`${service.url}/datasets/${datasetId}`, { method: 'PATCH' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toMatch(/GET/);
    const text = await scrape(service.url);
    expect(sampleValue(text, 'http_requests_total{handler="/datasets/:id",method="PATCH",status="405"}')).toBe(1);
    expect(sampleValue(text, 'http_requests_in_progress{handler="/datasets/:id",method="PATCH"}')).toBe(0);
    expect(lastRequestLine('/datasets/:id', 'PATCH')).toMatchObject({ status: 405 });
    expect(await accessRows(datasetId)).toContainEqual({ method: 'PATCH', status: 405, resource_type: 'datasets' });
  });
});

describe('routing is exactly what is counted', () => {
  it('is case-sensitive: /DATASETS/<id> is no route, answered 404 and not counted as a read', async () => {
    expect((await fetch(`${service.url}/DATASETS/${datasetId}`)).status).toBe(404);
    expect((await fetch(`${service.url}/Datasets/${datasetId}`)).status).toBe(404);
    expect(lastRequestLine('none', 'GET')).toMatchObject({ status: 404 });
    expect((await accessRows(datasetId)).filter((r) => r.method === 'GET')).toEqual([]);
  });

  it('a %-escaped id is served and counted under the id it decodes to', async () => {
    const escaped = datasetId.replace('_', '%5F');
    expect((await fetch(`${service.url}/datasets/${escaped}`)).status).toBe(200);
    expect((await fetch(`${service.url}/assets/${escaped}`)).status).toBe(200);
    expect((await accessRows(datasetId)).filter((r) => r.method === 'GET')).toEqual([
      { method: 'GET', status: 200, resource_type: 'datasets' },
      { method: 'GET', status: 200, resource_type: 'datasets' },
    ]);
    expect(await database.query('SELECT COUNT(*) AS n FROM asset_access_log WHERE asset_id LIKE ?', ['%\\%%'])).toEqual([{ n: 0 }]);
  });

  it('still logs asset-shaped paths that no route serves, as the access-log design says', async () => {
    const notFound = async () => (await accessRows(datasetId)).filter((r) => r.status === 404);
    const before = (await notFound()).length;
    expect((await fetch(`${service.url}/datasets/${datasetId}/content`)).status).toBe(404);
    expect((await fetch(`${service.url}/datasets/v1/${datasetId}`)).status).toBe(404);
    expect(await notFound()).toHaveLength(before + 2);
    expect((await notFound())[0]).toEqual({ method: 'GET', status: 404, resource_type: 'datasets' });
    // For an id the catalogue does not hold, the request is counted per minute instead (no raw row each).
    expect((await fetch(`${service.url}/datasets/v1/onlyparsed1`)).status).toBe(404);
    expect(await accessRows('onlyparsed1')).toEqual([]);
  });
});

describe('an id no asset can have', () => {
  it('is a 404 without a query (not a 500 from the collation), and raises no error metric', async () => {
    const before = await scrape(service.url);
    for (const id of ['%C3%A9', 'caf%C3%A9', 'a%20b', 'x'.repeat(65), '%F0%9F%98%80', '%E0%A4%A']) {
      for (const method of ['GET', 'DELETE']) {
        const response = await fetch(`${service.url}/datasets/${id}`, { method });
        expect(response.status, `${method} ${id}`).toBe(404);
        expect(((await response.json()) as { error: { status: number } }).error.status).toBe(404);
      }
      expect((await rawPut(`${service.url}/datasets/${id}`, '{"name":"n"}')).status, `PUT ${id}`).toBe(404);
      expect((await fetch(`${service.url}/assets/${id}`)).status, `/assets/${id}`).toBe(404);
    }
    const after = await scrape(service.url);
    const errors = (text: string) => text.split('\n').filter((l) => l.startsWith('http_errors_total{')).join('\n');
    expect(errors(after)).toBe(errors(before));
    expect(service.logs.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('never answers 5xx, whatever the path segment (fuzzed)', async () => {
    const segment = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }).map((s) => encodeURIComponent(s)),
      fc.string({ unit: fc.constantFrom(...'%aZ09_.:-~!$&\'()*+,;=@'.split('')), minLength: 1, maxLength: 70 }),
    );
    await fc.assert(
      fc.asyncProperty(segment, fc.constantFrom('GET', 'PUT', 'DELETE'), fc.constantFrom('/datasets/', '/v2/models/', '/assets/'), async (seg, method, base) => {
        if (method !== 'GET' && base === '/assets/') method = 'GET';
        const response = await fetch(`${service.url}${base}${seg}`, {
          method,
          ...(method === 'PUT' ? { headers: { 'content-type': 'application/json' }, body: '{"name":"fuzz"}' } : {}),
        });
        await response.arrayBuffer();
        expect(response.status, `${method} ${base}${seg}`).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });
});

describe('body messages say what was expected', () => {
  const expectMessage = async (body: string, message: string, field?: string) => {
    const response = await fetch(`${service.url}/datasets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(400);
    const error = ((await response.json()) as { error: { message: string; field?: string } }).error;
    expect(error.message).toBe(message);
    if (field) expect(error.field).toBe(field);
  };

  it('names the expected type, the missing field, and malformed JSON as such', async () => {
    await expectMessage('{"name":123}', 'name: expected a string', 'name');
    await expectMessage('{"name":"a","keywords":"x"}', 'keywords: expected an array of strings', 'keywords');
    await expectMessage('{"name":"a","keywords":["ok",7]}', 'keywords.1: expected a string', 'keywords.1');
    await expectMessage('{"name":"a","description":5}', 'description: expected a string or null', 'description');
    await expectMessage('{}', 'name: is required', 'name');
    await expectMessage('{"name": ', 'malformed JSON body');
    await expectMessage('[1,', 'malformed JSON body');
  });

  it('ignores unknown fields (an asset read back can be sent again), as documented', async () => {
    const response = await postJson(`${service.url}/datasets`, { name: 'round trip', identifier: 'data_x', date_created: 'then', colour: 'red' });
    expect(response.status).toBe(201);
    const asset = (await response.json()) as Record<string, unknown>;
    expect(asset.identifier).not.toBe('data_x');
    expect(asset).not.toHaveProperty('colour');
  });
});
