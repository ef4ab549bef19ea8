import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiDocument } from '../../src/openapi/api-document';
import { TestDatabase } from '../support/test-database';
import { startTestService, waitUntilReady, type TestService } from '../support/test-service';

/** Debian's Chromium (`.ci/run` installs it); playwright-core drives it, it downloads no browser of its own. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the screenshot of the rendered page is saved, for a person to look at. */
export const SCREENSHOT = process.env.DOCS_SCREENSHOT ?? path.join(os.tmpdir(), 'asset-catalogue-docs.png');

// Flags for a machine without network or display: no first-run, sync, component updates or QUIC probing, which
// otherwise keep the browser waiting on the closed network.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const database = new TestDatabase();
let service: TestService;
let profile: string;
let browser: BrowserContext;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does), or set CHROMIUM_PATH`);
  service = await startTestService({ DATABASE_URL: database.url(), PATH_PREFIX: '/aiod' });
  await waitUntilReady(service);
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-chromium-'));
  browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
  await service?.stop();
  await database.drop();
});

describe('/docs in a real browser (headless Chromium)', () => {
  it('renders every operation of the document, loading nothing from anywhere else', async () => {
    const page = await browser.newPage();
    const origin = new URL(service.url).origin;
    const requested: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });

    await page.goto(`${service.url}/docs`);
    await page.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
    await page.screenshot({ path: SCREENSHOT });

    // Every operation of the document is listed (Swagger UI shows each under each of its tags).
    const listed = new Set(
      await page.$$eval('.opblock-summary', (blocks) =>
        blocks.map((block) => `${block.querySelector('.opblock-summary-method')?.textContent?.trim()} ${block.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
      ),
    );
    const document = buildApiDocument(service.api) as unknown as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(document.paths).flatMap(([p, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${p}`));
    expect(operations.length).toBeGreaterThan(100);
    expect(operations.filter((operation) => !listed.has(operation))).toEqual([]);
    expect(await page.textContent('.info .title')).toContain('asset-catalogue');

    // An operation opens with its parameters and its responses.
    await page.click('#operations-datasets-listDatasets .opblock-summary');
    const opened = page.locator('#operations-datasets-listDatasets');
    await opened.locator('.parameters').waitFor();
    const text = (await opened.textContent()) ?? '';
    for (const shown of ['offset', 'limit', 'Default value : 10', '400', '503', '"total": 1']) expect(text).toContain(shown);

    // "Try it out" reaches the service through the document's server URL (the prefix), within the page's CSP.
    const health = page.locator('#operations-operations-health');
    await health.locator('.opblock-summary').click();
    await health.locator('.try-out__btn').click();
    await health.locator('.execute').click();
    await health.locator('.live-responses-table tbody .response-col_status').first().waitFor();
    expect(await health.locator('.live-responses-table tbody .response-col_status').first().textContent()).toContain('200');
    expect(requested).toContain(`${origin}/aiod/health`);

    expect(requested.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:')), 'requests leaving the service').toEqual([]);
    expect(requested).toContain(`${origin}/aiod/openapi.json`);
    expect(problems).toEqual([]);
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(20_000);
    await page.close();
  }, 60_000);
});
