import { rawGet } from '../support/metrics-text';
import { MAX_NEGOTIATED_ACCEPT_ENCODING } from '../../src/openapi/static-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiDocument } from '../../src/openapi/api-document';
import { TestDatabase } from '../support/test-database';
import { startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';

const database = new TestDatabase();
let service: TestService;

/** Raw access rows and folded counts: what the access log recorded so far. */
async function recorded(): Promise<number> {
  const [{ n: raw }] = await database.query<[{ n: number }]>('SELECT COUNT(*) AS n FROM asset_access_log');
  const [{ n: folded }] = await database.query<[{ n: number }]>('SELECT COALESCE(SUM(requests), 0) AS n FROM asset_access_folded_minute');
  return Number(raw) + Number(folded);
}

async function flushed(s: TestService): Promise<void> {
  await waitFor(async () => (s.accessLog?.queueDepth ?? 0) === 0, 5000, 'queue to drain');
  await s.accessLog?.flush();
}

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), PATH_PREFIX: '/aiod', ACCESS_LOG_FLUSH_INTERVAL_MS: '50' });
  await waitUntilReady(service);
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

describe('GET /openapi.json', () => {
  it('serves the document of this configuration, its server URL the PATH_PREFIX', async () => {
    const response = await fetch(`${service.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const document = (await response.json()) as { servers: Array<{ url: string }>; openapi: string };
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers[0]?.url).toBe('/aiod');
    expect(document).toEqual(JSON.parse(JSON.stringify(buildApiDocument(service.api))));
  });

  it('revalidates with its ETag, gzips on request, answers HEAD', async () => {
    const first = await fetch(`${service.url}/openapi.json`, { headers: { 'accept-encoding': 'gzip' } });
    expect(first.headers.get('content-encoding')).toBe('gzip');
    expect(first.headers.get('vary')).toBe('Accept-Encoding');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+-gzip"$/);
    await first.arrayBuffer();
    // fetch adds `Cache-Control: no-cache` to a conditional request unless one is given, which would skip the check.
    const again = await fetch(`${service.url}/openapi.json`, { headers: { 'if-none-match': etag as string, 'accept-encoding': 'gzip', 'cache-control': 'max-age=0' } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const head = await fetch(`${service.url}/openapi.json`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('does not negotiate an Accept-Encoding longer than any real client sends: the file goes uncompressed', async () => {
    const long = Array.from({ length: 1150 }, (_, i) => `x${i};q=0.1`).join(',') + ',gzip';
    expect(long.length).toBeGreaterThan(MAX_NEGOTIATED_ACCEPT_ENCODING);
    const answer = await rawGet(`${service.url}/openapi.json`, { 'accept-encoding': long });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(answer.body.toString()).openapi).toBe('3.1.0');
  });

  it('is served under the prefix only, unversioned', async () => {
    expect((await fetch(`${service.url}/v1/openapi.json`)).status).toBe(404);
    expect((await fetch(`${service.url.replace(/\/aiod$/, '')}/openapi.json`)).status).toBe(404);
  });
});

describe('GET /docs', () => {
  it('is a page whose every file is served here, with its content type and caching', async () => {
    const response = await fetch(`${service.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self';/);
    const html = await response.text();
    const links = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(links.length).toBe(5);
    const origin = new URL(service.url).origin;
    for (const link of links) {
      expect(link, 'an absolute path on this origin, under the prefix').toMatch(/^\/aiod\/docs\//);
      const file = await fetch(`${origin}${link}`);
      expect(file.status, link).toBe(200);
      const type = file.headers.get('content-type');
      if (link.endsWith('.css')) expect(type).toBe('text/css; charset=utf-8');
      else if (link.endsWith('.js')) expect(type).toBe('text/javascript; charset=utf-8');
      else expect(type).toBe('image/png');
      const body = await file.text();
      if (link.endsWith('/init.js')) {
        expect(body).toContain('"url":"/aiod/openapi.json"');
        expect(body).toContain('"validatorUrl":null');
        expect(file.headers.get('cache-control')).toBe('no-cache');
      } else {
        // The bundle's URL names its version: it can be cached for good.
        expect(link).toMatch(/\/swagger-ui-\d+\.\d+\.\d+\//);
        expect(file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      }
    }
  });

  it('serves no other file of the package', async () => {
    const html = await (await fetch(`${service.url}/docs`)).text();
    const assets = /href="([^"]+)\/swagger-ui\.css"/.exec(html)?.[1] as string;
    const origin = new URL(service.url).origin;
    for (const file of ['index.html', 'swagger-initializer.js', 'package.json', '../package.json', 'swagger-ui.js.map']) {
      expect((await fetch(`${origin}${assets}/${file}`)).status, file).toBe(404);
    }
  });
});

describe('the access log', () => {
  it('records neither /openapi.json nor /docs and its files', async () => {
    await flushed(service);
    const before = await recorded();
    const html = await (await fetch(`${service.url}/docs`)).text();
    const origin = new URL(service.url).origin;
    for (const link of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string)) await (await fetch(`${origin}${link}`)).arrayBuffer();
    await (await fetch(`${service.url}/openapi.json`)).arrayBuffer();
    await (await fetch(`${service.url}/docs/nothing`)).arrayBuffer();
    await flushed(service);
    expect(await recorded()).toBe(before);
  });
});

describe('API_DOCS_ENABLED=false', () => {
  it('removes both routes, and the access log still records neither', async () => {
    const off = new TestDatabase();
    const s = await startTestService({ DATABASE_URL: off.url(), API_DOCS_ENABLED: 'false' });
    try {
      await waitUntilReady(s);
      expect((await fetch(`${s.url}/openapi.json`)).status).toBe(404);
      expect((await fetch(`${s.url}/docs`)).status).toBe(404);
      expect((await fetch(`${s.url}/health`)).status).toBe(200);
      await flushed(s);
      const [{ n }] = await off.query<[{ n: number }]>(
        'SELECT (SELECT COUNT(*) FROM asset_access_log) + (SELECT COALESCE(SUM(requests), 0) FROM asset_access_folded_minute) AS n',
      );
      expect(Number(n)).toBe(0);
    } finally {
      await s.stop();
      await off.drop();
    }
  });
});
