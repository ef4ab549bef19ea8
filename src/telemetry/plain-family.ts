/**
 * A family of plain counters or gauges without labels that `/metrics` shows beside the registries' own: the worker
 * group's series (`cluster_workers`, …), which only the primary knows. Kept as data so that every exposition format
 * renders it.
 */
export interface PlainFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  value: number;
}

/** The Prometheus 0.0.4 text of the families (turned into OpenMetrics like the rest of the SDK's text). */
export function renderPlainFamilies(families: readonly PlainFamily[]): string {
  if (families.length === 0) return '';
  const lines: string[] = [];
  for (const f of families) lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, `${f.name} ${f.value}`);
  lines.push('');
  return lines.join('\n');
}
