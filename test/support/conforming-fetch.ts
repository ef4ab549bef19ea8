import type { ApiDocumentOptions } from '../../src/openapi/document-options';
import type { ApiConformance } from './api-conformance';

/**
 * Every answer the test suite receives through `fetch` from a service under test is checked against that service's
 * OpenAPI document (`ApiConformance`): `installConformingFetch` wraps `globalThis.fetch` once per test file (the
 * vitest setup file does it), services register their base URL with the document options they were started with
 * (`startTestService`, `spawnService`), and the problems found are collected until `takeProblems` — the setup file
 * fails the test that received them. Requests to anything else (Prometheus, OTLP receivers, proxies, unregistered
 * apps) and paths the document does not have pass unchecked.
 */

const byOptions = new Map<string, Promise<ApiConformance>>();
const byOrigin = new Map<string, ApiConformance>();
const pending = new Set<Promise<void>>();
let problems: string[] = [];

/** The checker of the document built from `options` (built once per set of options and test file). */
export function conformanceFor(options: ApiDocumentOptions): Promise<ApiConformance> {
  const key = JSON.stringify(options);
  let checker = byOptions.get(key);
  if (checker === undefined) {
    // Loaded on first use: test files that start no service do not pay for zod-openapi and ajv.
    checker = (async () => {
      const [{ buildApiDocument }, { ApiConformance }] = await Promise.all([import('../../src/openapi/api-document'), import('./api-conformance')]);
      return new ApiConformance(buildApiDocument(options) as unknown as Record<string, unknown>);
    })();
    byOptions.set(key, checker);
  }
  return checker;
}

/** Checks the answers of the service at `url` (its base URL) from now on, against `checker` or its options' document; returns the undo. */
export async function watchService(url: string, document: ApiDocumentOptions | ApiConformance): Promise<() => void> {
  const checker = 'check' in document ? document : await conformanceFor(document);
  const origin = new URL(url).origin;
  byOrigin.set(origin, checker);
  return () => {
    if (byOrigin.get(origin) === checker) byOrigin.delete(origin);
  };
}

/** Waits (up to `timeoutMs`) for the checks of the answers received so far, then returns and forgets their problems. */
export async function takeProblems(timeoutMs = 5_000): Promise<string[]> {
  if (pending.size > 0) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled([...pending]), timeout]);
    clearTimeout(timer);
  }
  const taken = problems;
  problems = [];
  return taken;
}

const WRAPPED = Symbol.for('asset-catalogue.conformingFetch');

function requestOf(input: Parameters<typeof fetch>[0], init: RequestInit | undefined): { url: string; method: string } {
  const url = input instanceof Request ? input.url : input instanceof URL ? input.href : String(input);
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
  return { url, method: method.toUpperCase() };
}

/** Wraps `globalThis.fetch` (once): every answer from a watched service is checked in the background. */
export function installConformingFetch(): void {
  const original = globalThis.fetch as typeof fetch & { [WRAPPED]?: true };
  if (original[WRAPPED]) return;
  const conformingFetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const response = await original(input, init);
    const { url, method } = requestOf(input, init);
    const checker = URL.canParse(url) ? byOrigin.get(new URL(url).origin) : undefined;
    if (checker === undefined) return response;
    const pathname = new URL(url).pathname;
    if (checker.expectationOf(method, pathname) === undefined) return response;
    // A clone reads the body beside the test, which reads the original as it likes (or not at all).
    const clone = checker.needsBody(method, pathname, response.headers.get('content-type')) ? response.clone() : undefined;
    const job = (async () => {
      let body: string | undefined;
      try {
        body = await clone?.text();
      } catch {
        body = undefined; // the test aborted the request: status and headers are still checked
      }
      problems.push(...checker.check({ method, url, status: response.status, headers: response.headers, body }));
    })();
    pending.add(job);
    void job.finally(() => pending.delete(job));
    return response;
  };
  globalThis.fetch = Object.assign(conformingFetch, { [WRAPPED]: true as const });
}
