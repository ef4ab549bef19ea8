import type { MetricFamilyMessage, MetricMessage } from '../../src/telemetry/protobuf/client-model';

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const bound = (b: number | null | undefined) => (b === Infinity || b === null || b === undefined ? '+Inf' : String(b));

function series(name: string, labels: MetricMessage['label'], extra: Array<[string, string]> = []): string {
  const pairs = [...labels.map((l) => [l.name, l.value] as [string, string]), ...extra];
  return pairs.length === 0 ? name : `${name}{${pairs.map(([n, v]) => `${n}="${escape(v)}"`).join(',')}}`;
}

/**
 * The samples a protobuf exposition stands for, written as 0.0.4 text sample lines (`name{labels} value`), classic
 * histograms expanded to `_bucket`/`_sum`/`_count` as Prometheus does without native histograms: to compare a
 * protobuf scrape with a text one series by series. Native buckets are left out (the text has none).
 */
export function protobufSamples(families: readonly MetricFamilyMessage[]): string[] {
  const lines: string[] = [];
  for (const family of families) {
    for (const m of family.metric) {
      const label = m.label ?? [];
      if (m.counter) lines.push(`${series(family.name, label)} ${m.counter.value ?? 0}`);
      else if (m.gauge) lines.push(`${series(family.name, label)} ${m.gauge.value ?? 0}`);
      else if (m.untyped) lines.push(`${series(family.name, label)} ${m.untyped.value ?? 0}`);
      else if (m.histogram) {
        const h = m.histogram;
        lines.push(`${series(`${family.name}_count`, label)} ${h.sample_count ?? 0}`, `${series(`${family.name}_sum`, label)} ${h.sample_sum ?? 0}`);
        for (const b of h.bucket ?? []) lines.push(`${series(`${family.name}_bucket`, label, [['le', bound(b.upper_bound)]])} ${b.cumulative_count ?? 0}`);
      }
    }
  }
  return lines.sort();
}

/** The sample lines of a 0.0.4 exposition text (comments and blank lines dropped), sorted. */
export function textSamples(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .sort();
}
