import { renderExemplar } from './exemplar';
import type { Histogram } from './histogram';

/**
 * Appends one histogram series in the text formats: its `_bucket` lines (with their exemplars when `exemplars`,
 * i.e. in OpenMetrics), `_sum` and `_count`. `labels` is the rendered label set without `le`, possibly empty.
 */
export function histogramLines(out: string[], name: string, labels: string, histogram: Histogram, exemplars: boolean): void {
  const sep = labels === '' ? '' : ',';
  const cumulative = histogram.cumulative();
  const bounds = histogram.bounds;
  const kept = exemplars ? histogram.exemplars : undefined;
  for (let i = 0; i < bounds.length; i++) {
    const exemplar = kept?.[i];
    out.push(`${name}_bucket{${labels}${sep}le="${bounds[i]}"} ${cumulative[i]}${exemplar ? renderExemplar(exemplar) : ''}`);
  }
  const last = kept?.[bounds.length];
  out.push(`${name}_bucket{${labels}${sep}le="+Inf"} ${histogram.count}${last ? renderExemplar(last) : ''}`);
  out.push(labels === '' ? `${name}_sum ${histogram.sum}` : `${name}_sum{${labels}} ${histogram.sum}`);
  out.push(labels === '' ? `${name}_count ${histogram.count}` : `${name}_count{${labels}} ${histogram.count}`);
}
