import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';

const database = new TestDatabase();
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'warn' });
  await waitUntilReady(service);
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

describe('/ready with every pool connection taken', () => {
  it('answers 200 at once: it pings on a connection of its own, so a saturated pool is not an unreachable database', async () => {
    const held = await Promise.all(Array.from({ length: service.config.database.poolSize }, () => service.database.pool.getConnection()));
    try {
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const ready = await fetch(`${service.url}/ready`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toEqual({ status: 'ready' });
        // Well inside the ping's 1 s bound: it did not wait for the pool.
        expect(Date.now() - started).toBeLessThan(900);
      }
      expect(service.logs.lines.filter((l) => l.msg === 'not ready' && l.reason === 'unreachable')).toEqual([]);
    } finally {
      for (const conn of held) conn.release();
    }
  });
});
