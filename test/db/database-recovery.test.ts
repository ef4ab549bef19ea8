import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { TcpProxy } from '../support/tcp-proxy';

const database = new TestDatabase();
const proxy = new TcpProxy();
let service: TestService;

beforeAll(async () => {
  await proxy.reservePort();
  service = await startTestService({ DATABASE_URL: database.url(proxy.hostPort), DB_CONNECT_TIMEOUT_MS: '500' });
});

afterAll(async () => {
  await service?.stop();
  await proxy.down();
  await database.drop();
});

describe('with the database down', () => {
  it('starts anyway: /health 200, /ready 503 with a reason code, catalogue 503 JSON', async () => {
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    const ready = await fetch(`${service.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ error: { status: 503, message: 'database unavailable', reason: 'unreachable' } });
    const list = await fetch(`${service.url}/datasets`);
    expect(list.status).toBe(503);
    expect(await list.json()).toEqual({ error: { status: 503, message: 'database unavailable', reason: 'unreachable' } });
  });

  it('keeps the driver detail (host, port, schema) out of every body and in the log', async () => {
    const port = proxy.hostPort.split(':')[1] as string;
    for (const path of ['/ready', '/datasets', `/datasets/data_${'a'.repeat(24)}`, '/stats/top/datasets', '/assets/data_x']) {
      const body = await (await fetch(`${service.url}${path}`)).text();
      expect(body, path).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|root|t_[0-9a-z]+_/);
      expect(body, path).not.toContain(port);
      expect(body, path).not.toContain(database.name);
    }
    const logged = JSON.stringify(service.logs.lines.filter((l) => l.msg === 'database unavailable' || l.msg === 'not ready'));
    expect(logged).toContain('ECONNREFUSED');
    expect(logged).toContain(port);
  });

  it('recovers by itself once the database is back, migrations included', async () => {
    await proxy.up();
    await waitUntilReady(service);
    const created = await postJson(`${service.url}/datasets`, { name: 'after recovery' });
    expect(created.status).toBe(201);
  });

  it('answers 503 while the database goes away again, and recovers without a restart', async () => {
    await proxy.down();
    const during = await fetch(`${service.url}/datasets`);
    expect(during.status).toBe(503);
    expect((await fetch(`${service.url}/ready`)).status).toBe(503);
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    await proxy.up();
    await waitFor(async () => (await fetch(`${service.url}/datasets`)).status === 200, 10_000, 'catalogue to answer 200');
    const page = (await (await fetch(`${service.url}/datasets`)).json()) as { total: number };
    expect(page.total).toBe(1);
    // The readiness ping's own connection was cut too: it reconnects by itself.
    await waitUntilReady(service, 5000);
  });
});
