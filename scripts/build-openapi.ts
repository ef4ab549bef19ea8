/**
 * Writes docs/openapi.json: the OpenAPI document of the default configuration (no PATH_PREFIX, metrics and docs on,
 * chaos off), for client generators and reviewers who do not run the service. `npm run openapi` after changing a
 * route or a schema; a test fails while the file differs from what the code builds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildApiDocument } from '../src/openapi/api-document';
import { serviceVersion, type ApiDocumentOptions } from '../src/openapi/document-options';

export const ROOT = path.resolve(__dirname, '..');
export const OPENAPI_FILE = path.join(ROOT, 'docs/openapi.json');

/** The options of the committed document: the service's defaults, whatever the environment says. */
export const DEFAULT_DOCUMENT_OPTIONS: ApiDocumentOptions = { pathPrefix: '', version: serviceVersion(), metrics: true, docs: true, chaos: false };

export function renderOpenApiFile(): string {
  return `${JSON.stringify(buildApiDocument(DEFAULT_DOCUMENT_OPTIONS), null, 2)}\n`;
}

if (require.main === module) {
  fs.writeFileSync(OPENAPI_FILE, renderOpenApiFile());
  console.log(`wrote ${path.relative(ROOT, OPENAPI_FILE)}`);
}
