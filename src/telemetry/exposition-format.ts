import { wantsOpenMetrics } from './openmetrics';

/** The exposition formats `/metrics` speaks. */
export type ExpositionFormat = 'protobuf' | 'openmetrics' | 'text';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

interface AcceptEntry {
  type: string;
  params: Map<string, string>;
  q: number;
}

function parseAccept(accept: string): AcceptEntry[] {
  const entries: AcceptEntry[] = [];
  for (const part of accept.split(',')) {
    const [type = '', ...rest] = part.split(';').map((s) => s.trim());
    const params = new Map<string, string>();
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
    }
    const q = params.has('q') ? Number(params.get('q')) : 1;
    entries.push({ type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0 });
  }
  return entries;
}

function isProtobuf(entry: AcceptEntry): boolean {
  return (
    entry.type === 'application/vnd.google.protobuf' &&
    entry.params.get('proto') === 'io.prometheus.client.MetricFamily' &&
    entry.params.get('encoding') === 'delimited'
  );
}

/** Types this route can answer with something else than protobuf (the 0.0.4 text or OpenMetrics), wildcards included. */
const OTHER_SERVABLE = new Set(['text/plain', 'application/openmetrics-text', 'text/*', 'application/*', '*/*']);

/**
 * The format a scrape gets: the delimited protobuf when `Accept` names it (Prometheus lists it first when native
 * histograms are on) at a quality no other type we could answer with beats (a type we cannot write, `text/html` say,
 * does not count); otherwise OpenMetrics when `Accept` names it, as before; otherwise the 0.0.4 text. Media types are
 * compared without case. A scraper that never asks for protobuf never gets it.
 */
export function chooseExposition(accept: string | undefined): ExpositionFormat {
  if (accept === undefined) return 'text';
  if (accept.toLowerCase().includes('application/vnd.google.protobuf')) {
    const entries = parseAccept(accept);
    const protobuf = Math.max(0, ...entries.filter(isProtobuf).map((e) => e.q));
    const others = Math.max(0, ...entries.filter((e) => !isProtobuf(e) && OTHER_SERVABLE.has(e.type)).map((e) => e.q));
    if (protobuf > 0 && protobuf >= others) return 'protobuf';
  }
  return wantsOpenMetrics(accept) ? 'openmetrics' : 'text';
}
