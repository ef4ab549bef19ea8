import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cappedFetch, ResponseTooLargeError } from '../../src/auth/capped-fetch';
import { createWriteGuard, type WriteGuard } from '../../src/auth/write-guard';
import { AppError } from '../../src/errors/app-error';
import { createLogger } from '../../src/lifecycle/logger';
import { CapturedLogs } from '../support/test-service';
import { TestIssuer } from '../support/oidc-issuer';

let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size'));
    const body = Buffer.alloc(size, 0x20);
    if (req.url?.startsWith('/declared')) res.writeHead(200, { 'content-length': size }).end(body);
    else res.writeHead(200).end(body); // chunked: only counting the bytes can tell
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('cappedFetch', () => {
  it('hands back a body up to the cap as it came', async () => {
    const response = await cappedFetch(1000)(`${base}/chunked?size=1000`);
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBe(1000);
  });

  it.each(['declared', 'chunked'])('refuses a %s body over the cap', async (kind) => {
    await expect(cappedFetch(1000)(`${base}/${kind}?size=1001`)).rejects.toBeInstanceOf(ResponseTooLargeError);
  });
});

describe('an issuer answering a key set or discovery document of 2 MB', () => {
  it.each(['jwks', 'discovery'] as const)('%s: the write gets 503 auth_unavailable, not memory filled', async (endpoint) => {
    const issuer = await TestIssuer.start();
    try {
      issuer.modes[endpoint] = 'huge';
      const guard = createWriteGuard(
        { writeToken: '', oidc: { issuer: issuer.url, audience: issuer.audience, clockToleranceSeconds: 60, httpTimeoutMs: 5000, jwksCooldownMs: 30_000 } },
        createLogger('info', new CapturedLogs()),
      ) as WriteGuard;
      const refused = await Promise.resolve(guard(`Bearer ${await issuer.sign()}`)).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(AppError);
      expect((refused as AppError).status).toBe(503);
    } finally {
      await issuer.close();
    }
  });
});
