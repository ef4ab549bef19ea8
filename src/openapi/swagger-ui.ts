import fs from 'node:fs';
import path from 'node:path';

/** The static Swagger UI build the docs page loads, from the `swagger-ui-dist` package. */
export interface SwaggerUiDist {
  version: string;
  dir: string;
}

/**
 * Locates `swagger-ui-dist` (called at startup only when the docs are enabled, so a missing package stops startup
 * instead of failing the first reader of `/docs`). Its files are read on their first request.
 */
export function locateSwaggerUi(): SwaggerUiDist {
  const manifest = require.resolve('swagger-ui-dist/package.json');
  const { version } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string };
  return { version, dir: path.dirname(manifest) };
}

/** The files of the package the page uses, with their content types; every other file of it is not served. */
export const SWAGGER_UI_FILES: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/**
 * The page's script: Swagger UI on the served document. No validator badge (it would send the document to
 * validator.swagger.io), no `?url=` (a link could not make the page load and run another document), and no request
 * leaves this origin: the deployment's own network may have no internet, and the CSP of the page forbids it anyway.
 */
export function docsInitScript(documentUrl: string): string {
  const config = {
    url: documentUrl,
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    queryConfigEnabled: false,
    docExpansion: 'list',
    defaultModelsExpandDepth: 1,
    tryItOutEnabled: false,
  };
  return `"use strict";
window.ui = SwaggerUIBundle(Object.assign(${JSON.stringify(config)}, {
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
}));
`;
}

/** The HTML of `/docs`; `assets` is the absolute path its files are served under. */
export function docsPage(paths: { assets: string; init: string }, title: string): string {
  const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${escape(title)}</title>
    <link rel="stylesheet" href="${escape(paths.assets)}/swagger-ui.css">
    <link rel="icon" type="image/png" href="${escape(paths.assets)}/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="${escape(paths.assets)}/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${escape(paths.assets)}/swagger-ui-bundle.js"></script>
    <script src="${escape(paths.init)}"></script>
  </body>
</html>
`;
}

/**
 * What the page may load: its own origin only (Swagger UI sets inline styles and shows data: images). A browser
 * blocks anything else, so an upgrade of the bundle that starts fetching fonts or a validator from the internet
 * cannot leak requests (the browser test would see the page break).
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
