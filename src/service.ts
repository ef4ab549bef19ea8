import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import { Database } from './db';
import { AssetRepository } from './catalogue/asset-repository';
import { AssetService } from './catalogue/asset-service';
import { registerCatalogueRoutes } from './catalogue/catalogue-routes';
import { createApp } from './http/app';
import { registerHealthRoutes } from './http/health-routes';
import type { Logger } from './lifecycle/logger';
import { ShutdownSequence } from './lifecycle/shutdown-sequence';
import { closeServer } from './lifecycle/close-server';
import type { Telemetry } from './telemetry';

export interface RunningService {
  /** Base URL including the path prefix, e.g. `http://127.0.0.1:8000/aiod`. */
  url: string;
  server: http.Server;
  database: Database;
  shutdown: ShutdownSequence;
}

/**
 * The composition root of the service: builds every part from the config and wires them together. `main.ts`
 * calls it after telemetry has started; the tests call it directly on an ephemeral port.
 */
export async function startService(config: Config, logger: Logger, telemetry?: Telemetry): Promise<RunningService> {
  const database = new Database(config.database, logger);
  const assetService = new AssetService(new AssetRepository(database));

  const app = createApp({
    logger,
    pathPrefix: config.http.pathPrefix,
    outerMiddleware: [...(telemetry?.middleware ?? [])],
    routerMiddleware: [...(telemetry?.routerMiddleware ?? [])],
    routes: [
      (router) => registerHealthRoutes(router, database),
      ...(telemetry?.routes ?? []),
      (router) => registerCatalogueRoutes(router, assetService),
    ],
  });

  const server = http.createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, config.http.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Prepare the schema after listening: /health answers at once, /ready says why the DB is not usable yet.
  void database.startPreparing();

  const shutdown = new ShutdownSequence(logger)
    .add('http server', () => closeServer(server, config.http.shutdownTimeoutMs), config.http.shutdownTimeoutMs + 1000)
    .add('database pool', () => database.close());
  if (telemetry) shutdown.add('telemetry', () => telemetry.shutdown());

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}${config.http.pathPrefix}`;
  logger.info({ url, pathPrefix: config.http.pathPrefix }, 'listening');
  return { url, server, database, shutdown };
}
