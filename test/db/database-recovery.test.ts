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
  it('starts anyway: /health 200, /ready 503 with the reason, catalogue 503 JSON', async () => {
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    const ready = await fetch(`${service.url}/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { error: { message: string } }).error.message).toMatch(/ECONNREFUSED/);
    const list = await fetch(`${service.url}/datasets`);
    expect(list.status).toBe(503);
    expect(await list.json()).toMatchObject({ error: { status: 503 } });
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
  });
});
