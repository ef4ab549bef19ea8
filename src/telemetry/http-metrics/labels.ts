/** Methods kept as label values; anything else (WebDAV, scanners' junk verbs) becomes `other`. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE']);

export function boundMethod(method: string): string {
  return KNOWN_METHODS.has(method) ? method : 'other';
}

/** Status codes are 100–999 (Node enforces it), so grouping keys and labels can be cached in small arrays. */
const exactLabels: string[] = [];
const groupedLabels = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx', '6xx', '7xx', '8xx', '9xx'];

/** The key under which a status is counted: the code itself, or its class (2 for 2xx) when grouping. */
export function statusKey(status: number, group: boolean): number {
  return group ? Math.floor(status / 100) : status;
}

export function statusLabel(key: number, group: boolean): string {
  if (group) return groupedLabels[key] ?? 'other';
  return (exactLabels[key] ??= String(key));
}

/** Escapes a label value for the Prometheus text format (backslash, double quote, newline). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `name="value",…` for a label set, values escaped; empty string for no labels. */
export function renderLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
    .join(',');
}

/** `<namespace>_<subsystem>_<name>`, leaving out the empty parts. */
export function metricName(namespace: string, subsystem: string, name: string): string {
  return [namespace, subsystem, name].filter((part) => part !== '').join('_');
}
