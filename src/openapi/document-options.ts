import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';

/** What the OpenAPI document describes: the routes one configuration serves, under its deployment prefix. */
export interface ApiDocumentOptions {
  /** PATH_PREFIX: the server URL of the document (every path is served under it). */
  pathPrefix: string;
  /** The service's version (package.json). */
  version: string;
  /** ENABLE_METRICS (with telemetry started): `GET /metrics`. */
  metrics: boolean;
  /** API_DOCS_ENABLED: `GET /openapi.json` and `GET /docs`. */
  docs: boolean;
  /** CHAOS_ENABLED: `GET /chaos/slow` and `GET /chaos/error`, and injected 500s on the catalogue. */
  chaos: boolean;
}

/** The service's version, from its package.json (two levels up from `src/openapi` and from `dist/openapi` alike). */
export function serviceVersion(): string {
  const manifest = path.join(__dirname, '..', '..', 'package.json');
  return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** The document options of a configuration; `/metrics` is served only when telemetry was started and metrics are on. */
export function documentOptionsOf(config: Config, telemetryStarted: boolean): ApiDocumentOptions {
  return {
    pathPrefix: config.http.pathPrefix,
    version: serviceVersion(),
    metrics: config.metrics.enabled && telemetryStarted,
    docs: config.docs.enabled,
    chaos: config.chaos.enabled,
  };
}
