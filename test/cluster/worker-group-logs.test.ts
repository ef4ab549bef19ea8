import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/spawn-service';
import { openFifo, readSlowly } from '../support/slow-pipe';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/test-service';

const database = new TestDatabase();
afterAll(() => database.drop());

const REQUESTS = 3000;

/**
 * The built service as a group of three workers, its stdout a real pipe read slowly (a log shipper under load), while
 * clients drive thousands of requests, a third of them failing on purpose (chaos) so that their lines carry a stack.
 */
describe('WEB_CONCURRENCY=3, stdout a pipe read slowly', () => {
  it('writes every line whole (each parses as JSON) and loses none, through to the shutdown', async () => {
    const fifo = await openFifo();
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: database.url(),
        WEB_CONCURRENCY: '3',
        LOG_LEVEL: 'info',
        CHAOS_ENABLED: 'true',
        CHAOS_ERROR_RATE: '0.33',
      },
      stdio: ['ignore', fifo.writeFd, 'pipe'],
    });
    fs.closeSync(fifo.writeFd);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      let url = '';
      let listening = 0;
      const read = readSlowly(fifo.readFd, (line) => {
        if (!line.includes('"msg":"listening"')) return;
        listening++;
        const { port } = JSON.parse(line) as { port: number };
        url = `http://127.0.0.1:${port}`;
      });
      await waitFor(() => listening === 3, 30_000, 'three workers to listen');
      await waitFor(async () => (await fetch(`${url}/ready`)).status === 200, 15_000, '/ready');
      let failed = 0;
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < REQUESTS) {
            next++;
            const response = await fetch(`${url}/datasets/0000000000000000000000000000000000000000000000000000000000000000`);
            if (response.status === 500) failed++;
            await response.arrayBuffer();
          }
        }),
      );
      expect(failed).toBeGreaterThan(REQUESTS / 5);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const text = await read;
      const lines = text.split('\n');
      expect(lines.pop()).toBe('');
      const notJson = lines.filter((line) => {
        try {
          JSON.parse(line);
          return false;
        } catch {
          return true;
        }
      });
      expect(notJson.slice(0, 3), `${notJson.length} of ${lines.length} lines are not JSON`).toEqual([]);
      const parsed = lines.map((line) => JSON.parse(line) as { msg: string; route?: string; status?: number; err?: { stack?: string } });
      const requests = parsed.filter((l) => l.msg === 'request' && l.route === '/datasets/:id');
      expect(requests).toHaveLength(REQUESTS);
      expect(requests.filter((l) => l.status === 500)).toHaveLength(failed);
      expect(parsed.filter((l) => l.msg === 'unhandled error' && l.err?.stack !== undefined)).toHaveLength(failed);
      expect(parsed.at(-1)?.msg).toBe('all workers stopped');
      expect(stderr).not.toMatch(/log lines dropped/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
