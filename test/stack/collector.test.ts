import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/spawn-service';

type Section = Record<string, Record<string, unknown> | null>;
interface CollectorConfig {
  extensions: Section;
  receivers: Section;
  processors: Section;
  exporters: Section;
  service: { extensions: string[]; pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
}

const config = parse(fs.readFileSync(path.join(ROOT, 'otel/collector.yaml'), 'utf8')) as CollectorConfig;
// Component types in otelcol-contrib 0.159.0 (exporters renamed to lower_snake_case in 0.144).
const KNOWN = {
  receivers: ['otlp'],
  processors: ['memory_limiter', 'batch'],
  exporters: ['prometheus', 'otlp_grpc', 'otlp_http', 'debug'],
  extensions: ['health_check'],
};
const type = (id: string) => id.split('/')[0] as string;

describe('otel/collector.yaml', () => {
  it('defines every component a pipeline references, with known component types', () => {
    const pipelines = Object.entries(config.service.pipelines);
    expect(pipelines.map(([name]) => name).sort()).toEqual(['metrics', 'traces']);
    for (const [name, pipeline] of pipelines) {
      for (const kind of ['receivers', 'processors', 'exporters'] as const) {
        expect(pipeline[kind].length, `${name}.${kind}`).toBeGreaterThan(0);
        for (const id of pipeline[kind]) {
          expect(Object.keys(config[kind]), `${name}: ${kind} ${id}`).toContain(id);
          expect(KNOWN[kind], `${id} type`).toContain(type(id));
        }
      }
      expect(pipeline.processors[0], `${name}: memory_limiter first`).toBe('memory_limiter');
    }
    for (const id of config.service.extensions) expect(Object.keys(config.extensions)).toContain(id);
  });

  it('listens on 0.0.0.0 for OTLP gRPC, OTLP HTTP, health and the Prometheus exporter', () => {
    const otlp = config.receivers.otlp as { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } };
    expect(otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
    expect((config.extensions.health_check as { endpoint: string }).endpoint).toBe('0.0.0.0:13133');
    expect((config.exporters.prometheus as { endpoint: string }).endpoint).toBe('0.0.0.0:8889');
  });

  it('sends traces to the trace backend and metrics to the Prometheus exporter', () => {
    expect(config.service.pipelines.traces?.exporters).toEqual(['otlp_grpc/jaeger']);
    expect((config.exporters['otlp_grpc/jaeger'] as { endpoint: string }).endpoint).toBe('jaeger:4317');
    expect(config.service.pipelines.metrics?.exporters).toEqual(['prometheus']);
    const prometheus = parse(fs.readFileSync(path.join(ROOT, 'prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{ job_name: string; honor_labels?: boolean; static_configs: Array<{ targets: string[] }> }>;
    };
    const collectorJob = prometheus.scrape_configs.find((j) => j.job_name === 'otel-collector');
    expect(collectorJob?.honor_labels).toBe(true);
    expect(collectorJob?.static_configs[0]?.targets).toEqual(['otel-collector:8889']);
  });
});
