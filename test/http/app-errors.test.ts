import http from 'node:http';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app';
import { AssetRoutes } from '../../src/http/asset-routes';
import { RequestObserver } from '../../src/http/request-observer';
import { createLogger } from '../../src/lifecycle/logger';
import { CapturedLogs } from '../support/test-service';

/**
 * Errors the error middleware never sees — a body stream failing after the headers went out, a subscriber of the
 * observer throwing — must still reach the log (Koa's own handler is silenced), and never the client's answer.
 */
let server: http.Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(options: { subscriberThrows?: boolean } = {}) {
  const logs = new CapturedLogs();
  const logger = createLogger('info', logs);
  const observer = new RequestObserver({
    logger,
    subscribers: [
      {
        name: 'exploding subscriber',
        completed: () => {
          if (options.subscriberThrows) throw new Error('subscriber bug');
        },
      },
    ],
    assets: { routes: new AssetRoutes(), unrouted: () => undefined },
  });
  const app = createApp({
    logger,
    pathPrefix: '',
    observer,
    routes: [
      (router) => {
        router.get('/stream', (ctx) => {
          let sent = false;
          ctx.type = 'text/plain';
          ctx.body = new Readable({
            read() {
              if (!sent) {
                sent = true;
                this.push('partial body\n');
              } else {
                setTimeout(() => this.destroy(new Error('disk went away mid-stream')), 20);
              }
            },
          });
        });
        router.get('/ok', (ctx) => {
          ctx.body = { ok: true };
        });
      },
    ],
  });
  server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { logs, url: `http://127.0.0.1:${port}` };
}

describe('errors outside the error middleware', () => {
  it('a body stream that fails after the headers were sent is logged with its route and path', async () => {
    const { logs, url } = await serve();
    await fetch(`${url}/stream`).then((r) => r.text()).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    const line = logs.lines.find((l) => l.msg === 'request failed outside the error middleware');
    expect(line).toMatchObject({ level: 'error', method: 'GET', path: '/stream' });
    expect(JSON.stringify(line)).toContain('disk went away mid-stream');
  });

  it('a throwing subscriber is logged once and the client still gets its answer', async () => {
    const { logs, url } = await serve({ subscriberThrows: true });
    for (let i = 0; i < 3; i++) expect(await (await fetch(`${url}/ok`)).json()).toEqual({ ok: true });
    await new Promise((r) => setTimeout(r, 50));
    const warned = logs.lines.filter((l) => l.subscriber === 'exploding subscriber');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ level: 'warn' });
  });
});

