import net from 'node:net';
import zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runTraffic } from '../../scripts/traffic';
import { freePort } from '../support/free-port';
import { scrape } from '../support/metrics-text';
import { hmacSignedWithPublicKey, signingKey, TestIssuer, unsignedToken } from '../support/oidc-issuer';
import { TestDatabase } from '../support/test-database';
import { startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';

/**
 * Writes behind a bearer token, over HTTP against the real service and MariaDB: a static token, an OIDC issuer's
 * JWTs (a local discovery document and key set, tokens signed here), both, neither; the issuer down or hanging.
 */
const database = new TestDatabase();
const TOKEN = 'write-T0ken-0123456789abcdef';
const services: TestService[] = [];
const issuers: TestIssuer[] = [];

afterAll(async () => {
  for (const service of services) await service.stop();
  for (const issuer of issuers) await issuer.close();
  await database.drop();
});

async function start(env: Record<string, string>): Promise<TestService> {
  const service = await startTestService({ DATABASE_URL: database.url(), ...env });
  services.push(service);
  await waitUntilReady(service);
  return service;
}

async function startIssuer(): Promise<TestIssuer> {
  const issuer = await TestIssuer.start();
  issuers.push(issuer);
  return issuer;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  challenge: string | null;
  retryAfter: string | null;
  body: { error?: { status: number; message: string; reason?: string }; identifier?: string };
}

/** A write to `url` with `authorization` (a whole header value) or none, and a small JSON body for POST/PUT. */
async function write(method: string, url: string, authorization?: string, body: unknown = { name: 'guarded', keywords: ['auth'] }): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  const response = await fetch(url, { method, headers, ...(method === 'DELETE' ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    retryAfter: response.headers.get('retry-after'),
    body: text ? JSON.parse(text) : {},
  };
}

const bearer = (token: string) => `Bearer ${token}`;
const REQUIRED = 'Bearer realm="asset-catalogue"';
const invalid = (description: string) => `Bearer realm="asset-catalogue", error="invalid_token", error_description="${description}"`;

function expectRefused(answer: Answer, challenge: string): void {
  expect(answer.status).toBe(401);
  expect(answer.challenge).toBe(challenge);
  expect(answer.body.error).toMatchObject({ status: 401, reason: challenge === REQUIRED ? 'token_required' : 'invalid_token' });
}

/** Sample lines of 5xx answers and of `http_errors_total`. */
function serverErrors(metrics: string): string[] {
  return metrics.split('\n').filter((l) => /^http_requests_total\{.*status="5\d\d"/.test(l) || l.startsWith('http_errors_total{'));
}

describe('with API_WRITE_TOKEN (under PATH_PREFIX)', () => {
  let service: TestService;
  let url: string;
  beforeAll(async () => {
    service = await start({ API_WRITE_TOKEN: TOKEN, PATH_PREFIX: '/aiod' });
    url = service.url;
  });

  it('logs that writes need a token, and no warning about open writes', () => {
    expect(service.logs.lines.find((l) => l.msg === 'writes require a bearer token')).toMatchObject({ level: 'info', staticToken: true });
    // (`not ready` while the schema was migrated is the readiness probe's, not ours.)
    expect(service.logs.lines.filter((l) => l.level === 'warn' && l.msg !== 'not ready')).toEqual([]);
  });

  it.each(['', '/v1', '/v2'])('POST, PUT and DELETE under "%s" need the token; with it they work', async (version) => {
    const base = `${url}${version}/datasets`;
    expectRefused(await write('POST', base), REQUIRED);
    const created = await write('POST', base, bearer(TOKEN));
    expect(created.status).toBe(201);
    const id = created.body.identifier as string;
    expectRefused(await write('PUT', `${base}/${id}`, undefined, { name: 'overwritten' }), REQUIRED);
    expectRefused(await write('DELETE', `${base}/${id}`), REQUIRED);
    // Refused writes changed nothing.
    expect(await (await fetch(`${base}/${id}`)).json()).toMatchObject({ name: 'guarded' });
    expect((await write('PUT', `${base}/${id}`, bearer(TOKEN), { name: 'replaced' })).status).toBe(200);
    expect((await write('DELETE', `${base}/${id}`, bearer(TOKEN))).status).toBe(204);
    expect((await fetch(`${base}/${id}`)).status).toBe(404);
  });

  it.each([
    ['another scheme', 'Basic YWRtaW46c2VjcmV0', REQUIRED],
    ['Bearer and no token', 'Bearer', REQUIRED],
    ['Bearer and blanks', 'Bearer    ', REQUIRED],
    ['an empty header', '', REQUIRED],
    ['a wrong token', bearer('wrong-token-0123456789abcdef'), invalid('the token is not valid')],
    ['the token with a character more', bearer(`${TOKEN}x`), invalid('the token is not valid')],
    ['a token with a space inside', bearer(`${TOKEN} ${TOKEN}`), invalid('the token is malformed')],
    ['a 9000-character token', bearer('a'.repeat(9000)), invalid('the token is malformed')],
    ['a 15000-character token', bearer('a'.repeat(15_000)), invalid('the token is malformed')],
  ])('%s → 401 with the Bearer challenge and the JSON envelope', async (_what, authorization, challenge) => {
    expectRefused(await write('POST', `${url}/datasets`, authorization), challenge);
  });

  it('refuses two Authorization headers with 400, even when the first holds the token (a proxy may read the other)', async () => {
    const { port } = new URL(url);
    const body = JSON.stringify({ name: 'twice', keywords: [] });
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () =>
        socket.write(
          `POST /aiod/datasets HTTP/1.1\r\nHost: x\r\nAuthorization: ${bearer(TOKEN)}\r\nAuthorization: Bearer other-0123456789abcdef\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        ),
      );
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('more than one Authorization header');
    const page = (await (await fetch(`${url}/datasets?limit=100`)).json()) as { items: Array<{ name: string }> };
    expect(page.items.map((a) => a.name)).not.toContain('twice');
  });

  it('takes the scheme in any case', async () => {
    expect((await write('POST', `${url}/datasets`, `bearer ${TOKEN}`)).status).toBe(201);
  });

  it('keeps reads public: lists, assets, HEAD, OPTIONS, health, readiness, metrics, stats', async () => {
    const created = await write('POST', `${url}/models`, bearer(TOKEN));
    const id = created.body.identifier as string;
    for (const path of ['/models', `/models/${id}`, `/v2/models/${id}`, `/assets/${id}`, '/health', '/ready', '/metrics', '/stats/top/models', '/stats/top']) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(200);
    }
    expect((await fetch(`${url}/models/${id}`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${url}/models/${id}`, { method: 'OPTIONS' })).status).toBeLessThan(300);
  });

  it('answers a write without a token before reading its body: a 10 MB gzip body is never decoded, the 401 comes first', async () => {
    const decoders: unknown[] = [];
    const spies = (['createUnzip', 'createGunzip', 'createInflate', 'createBrotliDecompress'] as const).map((factory) => {
      const original = zlib[factory] as (...args: unknown[]) => unknown;
      return vi.spyOn(zlib, factory).mockImplementation(((...args: unknown[]) => {
        decoders.push(factory);
        return original(...args);
      }) as never);
    });
    try {
      // Random bytes stored (level 0): 10 MB on the wire. Only its first 64 KB are sent; the answer must not wait.
      const body = zlib.gzipSync(randomBytes(10 * 1024 * 1024), { level: 0 });
      const started = Date.now();
      const head = await headBeforeBody(Number(new URL(url).port), `/aiod/datasets`, body.length, body.subarray(0, 64 * 1024));
      expect(head.status).toBe(401);
      expect(head.headers['www-authenticate']).toBe(REQUIRED);
      expect(head.headers.connection).toBe('close');
      expect(Date.now() - started).toBeLessThan(2000);
      // A whole gzip bomb sent by fetch: refused the same way.
      const bomb = await fetch(`${url}/datasets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024)),
      });
      expect(bomb.status).toBe(401);
      expect(decoders).toEqual([]);
      // The same body with the token is decoded (the spies do see decoders).
      const allowed = await fetch(`${url}/datasets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: bearer(TOKEN) },
        body: zlib.gzipSync(JSON.stringify({ name: 'compressed' })),
      });
      expect(allowed.status).toBe(201);
      expect(decoders).toHaveLength(1);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('npm run traffic sends API_WRITE_TOKEN with its creates', async () => {
    const summary = await runTraffic({ baseUrl: url, rps: 40, seconds: 1, assetsPerType: 2, writeToken: TOKEN });
    expect(summary.byStatus['401']).toBeUndefined();
    const created = (await (await fetch(`${url}/publications?limit=100`)).json()) as { total: number };
    expect(created.total).toBeGreaterThanOrEqual(2);
  });

  it('a method no route has stays 405, a path no route has 404, token or not', async () => {
    expect((await fetch(`${url}/datasets/data_x`, { method: 'PATCH' })).status).toBe(405);
    expect((await fetch(`${url}/widgets`, { method: 'POST' })).status).toBe(404);
  });

  it('counts refused writes as 401s, not as errors; logs no error and never the token', async () => {
    const text = await scrape(url);
    expect(text).toMatch(/^http_requests_total\{handler="\/aiod\/datasets",method="POST",status="401"\} [1-9]/m);
    expect(text).toMatch(/^http_requests_total\{handler="\/aiod\/v2\/datasets\/:id",method="DELETE",status="401"\} [1-9]/m);
    expect(serverErrors(text).filter((l) => !l.includes('handler="/aiod/ready"'))).toEqual([]);
    expect(service.logs.lines.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    expect(JSON.stringify(service.logs.lines)).not.toContain(TOKEN);
  });
});

/** Sends the head of a POST and the first bytes of its body, and reads the answer without sending the rest. */
async function headBeforeBody(port: number, path: string, contentLength: number, first: Buffer): Promise<{ status: number; headers: Record<string, string> }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  try {
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: ${contentLength}\r\n\r\n`);
    socket.write(first);
    let received = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer before the body was sent')), 3000);
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (received.includes('\r\n\r\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const [statusLine, ...lines] = received.slice(0, received.indexOf('\r\n\r\n')).split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    return { status: Number(statusLine?.split(' ')[1]), headers };
  } finally {
    socket.destroy();
  }
}

describe('with OIDC_ISSUER and OIDC_AUDIENCE', () => {
  let issuer: TestIssuer;
  let service: TestService;
  let datasets: string;
  const tokensSent: string[] = [];
  const sent = (token: string) => {
    tokensSent.push(token);
    return bearer(token);
  };
  beforeAll(async () => {
    issuer = await startIssuer();
    service = await start({ OIDC_ISSUER: issuer.url, OIDC_AUDIENCE: issuer.audience, OIDC_JWKS_COOLDOWN_MS: '1000', OIDC_HTTP_TIMEOUT_MS: '500' });
    datasets = `${service.url}/v2/datasets`;
  });

  it('fetches nothing from the issuer before the first token', () => {
    expect(issuer.requests).toEqual({ discovery: 0, jwks: 0 });
  });

  it('a valid token: 201, 200, 204', async () => {
    const created = await write('POST', datasets, sent(await issuer.sign()));
    expect(created.status).toBe(201);
    const id = created.body.identifier as string;
    expect((await write('PUT', `${datasets}/${id}`, sent(await issuer.sign()), { name: 'by-oidc' })).status).toBe(200);
    expect((await write('DELETE', `${datasets}/${id}`, sent(await issuer.sign()))).status).toBe(204);
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1 });
  });

  it('expired beyond the clock tolerance (60 s) → 401; expired within it → 201', async () => {
    expectRefused(await write('POST', datasets, sent(await issuer.sign({}, { expiresIn: -120 }))), invalid('the token has expired'));
    expect((await write('POST', datasets, sent(await issuer.sign({}, { expiresIn: -30 })))).status).toBe(201);
  });

  it('wrong audience, wrong issuer, no exp → 401 saying why', async () => {
    expectRefused(await write('POST', datasets, sent(await issuer.sign({ aud: 'another-api' }))), invalid('the token is for another audience'));
    expectRefused(await write('POST', datasets, sent(await issuer.sign({ iss: 'https://evil.example.org' }))), invalid('the token is from another issuer'));
    expectRefused(await write('POST', datasets, sent(await issuer.sign({ exp: undefined }))), invalid('the token has no exp claim'));
  });

  it('signed by a key not in the key set → 401 (under a published kid, or its own)', async () => {
    const stranger = await signingKey('key-1');
    expectRefused(await write('POST', datasets, sent(await issuer.sign({}, { key: stranger }))), invalid('the token signature does not verify'));
    const other = await signingKey('stranger-key');
    expectRefused(await write('POST', datasets, sent(await issuer.sign({}, { key: other }))), invalid('the token is signed with a key the issuer does not publish'));
  });

  it('alg: none and HS256 signed with the public key → 401', async () => {
    const claims = { iss: issuer.url, aud: issuer.audience, sub: 'admin', exp: Math.floor(Date.now() / 1000) + 300 };
    // Unsigned: not even shaped like a signed JWT.
    expectRefused(await write('POST', datasets, sent(unsignedToken(claims))), invalid('the token is not valid'));
    expectRefused(await write('POST', datasets, sent(unsignedToken(claims, 'AAAA'))), invalid('the token is signed with an algorithm not accepted'));
    expectRefused(await write('POST', datasets, sent(await hmacSignedWithPublicKey(issuer.keys[0]!, claims))), invalid('the token is signed with an algorithm not accepted'));
  });

  it('a flood of tokens with made-up kids fetches the key set at most once per cooldown (counted at the issuer)', async () => {
    await sleep(1100);
    const before = issuer.requests.jwks;
    const tokens = await Promise.all(Array.from({ length: 100 }, () => issuer.signWithRandomKid()));
    const answers = await Promise.all(tokens.map((t) => write('POST', datasets, sent(t))));
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([401]));
    // The first unknown kid after the cooldown fetches once (the others share it or find the cooldown on).
    expect(issuer.requests.jwks - before).toBeLessThanOrEqual(1);
    expect(issuer.requests.discovery).toBe(1);
  });

  it('follows a key rotation: the new key verifies after the refetch, the withdrawn one fails', async () => {
    const oldToken = await issuer.sign();
    expect((await write('POST', datasets, sent(oldToken))).status).toBe(201);
    const newKey = await signingKey('key-2', 'ES256');
    issuer.keys = [newKey];
    await sleep(1100);
    const before = issuer.requests.jwks;
    expect((await write('POST', datasets, sent(await issuer.sign({}, { key: newKey })))).status).toBe(201);
    expect(issuer.requests.jwks).toBe(before + 1);
    expectRefused(await write('POST', datasets, sent(oldToken)), invalid('the token is signed with a key the issuer does not publish'));
  });

  it('a static-looking token is refused without a static token configured', async () => {
    expectRefused(await write('POST', datasets, bearer(TOKEN)), invalid('the token is not valid'));
  });

  it('logs no token, no error, counts no error', async () => {
    const logs = JSON.stringify(service.logs.lines);
    for (const token of tokensSent) expect(logs).not.toContain(token);
    expect(service.logs.lines.filter((l) => l.level === 'error' || (l.level === 'warn' && l.msg !== 'not ready'))).toEqual([]);
    expect(serverErrors(await scrape(service.url)).filter((l) => !l.includes('handler="/ready"'))).toEqual([]);
  });
});

describe('when the issuer cannot be reached', () => {
  it('nothing listening: 503 auth_unavailable with Retry-After, never 500; one warning for the whole episode', async () => {
    const deadIssuer = `http://127.0.0.1:${await freePort()}`;
    const service = await start({ OIDC_ISSUER: deadIssuer, OIDC_AUDIENCE: 'asset-catalogue-api' });
    const issuer = await startIssuer();
    const token = await issuer.sign({ iss: deadIssuer });
    for (let i = 0; i < 10; i++) {
      const answer = await write('POST', `${service.url}/datasets`, bearer(token));
      expect(answer.status).toBe(503);
      expect(answer.body.error).toEqual({ status: 503, message: 'bearer tokens cannot be verified now: the OIDC issuer is unreachable', reason: 'auth_unavailable' });
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // Without a token it is still a 401: nothing to verify.
    expectRefused(await write('POST', `${service.url}/datasets`), REQUIRED);
    const warnings = service.logs.lines.filter((l) => l.level === 'warn' && String(l.msg).startsWith('OIDC issuer unreachable'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ component: 'auth', issuer: deadIssuer });
    expect(service.logs.lines.filter((l) => l.level === 'error')).toEqual([]);
    const text = await scrape(service.url);
    expect(text).toMatch(/^http_requests_total\{handler="\/datasets",method="POST",status="503"\} 10$/m);
    expect(text).not.toMatch(/status="500"/);
    expect(text).not.toMatch(/^http_errors_total\{/m);
  });

  it('a key set that hangs: 503 within the timeout; once it answers (after the backoff), 201 and "reachable again"', async () => {
    const issuer = await startIssuer();
    issuer.modes.jwks = 'hang';
    const service = await start({ OIDC_ISSUER: issuer.url, OIDC_AUDIENCE: issuer.audience, OIDC_HTTP_TIMEOUT_MS: '500' });
    const started = Date.now();
    const answer = await write('POST', `${service.url}/datasets`, bearer(await issuer.sign()));
    expect(answer.status).toBe(503);
    expect(answer.body.error?.reason).toBe('auth_unavailable');
    expect(Date.now() - started).toBeLessThan(2500);
    issuer.modes.jwks = 'up';
    await sleep(1100);
    expect((await write('POST', `${service.url}/datasets`, bearer(await issuer.sign()))).status).toBe(201);
    const episode = service.logs.lines.filter((l) => l.component === 'auth').map((l) => [l.level, String(l.msg).split(':')[0]]);
    expect(episode).toEqual([
      ['warn', 'OIDC issuer unreachable'],
      ['info', 'OIDC issuer reachable again'],
    ]);
  });
});

describe('with both a static token and an issuer', () => {
  it('accepts either; the static token works while the issuer is down', async () => {
    const issuer = await startIssuer();
    const service = await start({ API_WRITE_TOKEN: TOKEN, OIDC_ISSUER: issuer.url, OIDC_AUDIENCE: issuer.audience, OIDC_JWKS_COOLDOWN_MS: '1000' });
    const datasets = `${service.url}/datasets`;
    expect((await write('POST', datasets, bearer(TOKEN))).status).toBe(201);
    expect((await write('POST', datasets, bearer(await issuer.sign()))).status).toBe(201);
    expectRefused(await write('POST', datasets, bearer('neither-this-nor-a-jwt-0123')), invalid('the token is not valid'));
    issuer.modes.discovery = 'reset';
    issuer.modes.jwks = 'reset';
    await sleep(1100);
    // A key it never fetched, past the cooldown: the key set is asked again, in vain; only the issuer could vouch for it.
    const unknown = await signingKey('key-new');
    expect((await write('POST', datasets, bearer(await issuer.sign({}, { key: unknown })))).status).toBe(503);
    expect((await write('POST', datasets, bearer(TOKEN))).status).toBe(201);
    // A key it holds still verifies while the issuer is down.
    expect((await write('POST', datasets, bearer(await issuer.sign()))).status).toBe(201);
  });
});

describe('with neither', () => {
  it('writes stay open, and startup warns naming the variables', async () => {
    const service = await start({});
    expect((await write('POST', `${service.url}/datasets`)).status).toBe(201);
    const warning = service.logs.lines.find((l) => l.level === 'warn' && String(l.msg).includes('API_WRITE_TOKEN'));
    expect(String(warning?.msg)).toMatch(/API_WRITE_TOKEN and OIDC_ISSUER\/OIDC_AUDIENCE are unset/);
    await waitFor(() => service.logs.lines.some((l) => l.msg === 'request'), 2000, 'a request line');
  });
});
