import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDashboards } from '../../scripts/build-dashboards';
import { ROOT } from '../support/spawn-service';

describe('grafana/dashboards', () => {
  it('are exactly what the typed builders produce (edit scripts/build-dashboards.ts, then regenerate)', () => {
    const rendered = renderDashboards();
    expect(Object.keys(rendered).sort()).toEqual(fs.readdirSync(path.join(ROOT, 'grafana/dashboards')).sort());
    for (const [file, json] of Object.entries(rendered)) expect(fs.readFileSync(path.join(ROOT, 'grafana/dashboards', file), 'utf8'), file).toBe(json);
  });

  it('have panels for what the process alerts watch: CPU, memory and event-loop delay per instance', () => {
    const red = JSON.parse(renderDashboards()['api-red.json'] as string) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const exprs = red.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const metric of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_delay_p99']) expect(exprs).toContain(metric);
  });
});
