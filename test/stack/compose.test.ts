import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config/env-schema';
import { loadConfig } from '../../src/config';
import { ROOT } from '../support/spawn-service';

interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }> | string[];
}

const composeText = fs.readFileSync(path.join(ROOT, 'docker-compose.yaml'), 'utf8');
const compose = parse(composeText) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
// Images built from scratch or distroless: nothing inside can run a healthcheck command.
const NO_SHELL_IMAGES = ['otel-collector', 'jaeger'];
// Jobs that run once and exit: nothing to health-check.
const ONE_SHOT = ['grafana-grants'];

describe('docker-compose.yaml', () => {
  it('has the expected services, monitoring ones under the monitoring profile', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'grafana', 'grafana-grants', 'jaeger', 'mysql', 'otel-collector', 'prometheus']);
    expect(services.api?.profiles).toBeUndefined();
    expect(services.mysql?.profiles).toBeUndefined();
    for (const name of ['otel-collector', 'prometheus', 'grafana', 'grafana-grants', 'jaeger']) expect(services[name]?.profiles).toEqual(['monitoring']);
  });

  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) continue;
      expect(service.image, name).toMatch(/^[\w./-]+:v?\d+\.\d+(\.\d+)?$/);
    }
    expect(services.mysql?.image).toMatch(/^mysql:8\.4\./);
    expect(services.prometheus?.image).toMatch(/^prom\/prometheus:v3\./);
    expect(services.grafana?.image).toMatch(/^grafana\/grafana:13\./);
    expect(services['otel-collector']?.image).toMatch(/^otel\/opentelemetry-collector-contrib:/);
  });

  it('mounts only files and folders that exist in the repo', () => {
    const mounts = Object.values(services).flatMap((s) => s.volumes ?? []).filter((v) => v.startsWith('./'));
    expect(mounts.length).toBeGreaterThanOrEqual(6);
    for (const mount of mounts) expect(fs.existsSync(path.join(ROOT, mount.split(':')[0] as string)), mount).toBe(true);
    const named = Object.values(services).flatMap((s) => s.volumes ?? []).filter((v) => !v.startsWith('./')).map((v) => v.split(':')[0]);
    for (const volume of named) expect(Object.keys(compose.volumes), volume).toContain(volume);
  });

  it('has healthchecks wherever the image can run one, and the API waits for a healthy DB', () => {
    for (const [name, service] of Object.entries(services)) {
      if (ONE_SHOT.includes(name)) continue;
      if (NO_SHELL_IMAGES.includes(name)) expect(service.healthcheck, name).toBeUndefined();
      else expect(service.healthcheck?.test.length, name).toBeGreaterThan(0);
    }
    expect(JSON.stringify(services.api?.healthcheck?.test)).toContain('/health');
    expect(services.api?.depends_on).toEqual({ mysql: { condition: 'service_healthy' } });
  });

  it('configures the API with variables the app knows, on the port it publishes', () => {
    const env = services.api?.environment ?? {};
    const known = new Set(Object.keys(envSchema.shape));
    const standardOtel = ['OTEL_RESOURCE_ATTRIBUTES', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'];
    for (const name of Object.keys(env)) expect(known.has(name) || standardOtel.includes(name), name).toBe(true);
    expect(services.api?.ports).toEqual([`\${API_PORT:-8000}:${env.PORT}`]);
    expect(env.DATABASE_URL).toMatch(/@mysql:3306\//);
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
    // Writes open unless .env sets a token (the API warns at startup).
    expect(env.API_WRITE_TOKEN).toBe('${API_WRITE_TOKEN:-}');
  });

  it('exports traces only with the monitoring profile: a plain `up` has no collector to send them to', () => {
    expect(services.api?.environment?.OTEL_TRACES_EXPORTER).toBe('${OTEL_TRACES_EXPORTER:-none}');
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const monitoringUp = readme.split('\n').find((line) => line.includes('--profile monitoring up'));
    expect(monitoringUp).toMatch(/OTEL_TRACES_EXPORTER=otlp docker compose --profile monitoring up/);
  });

  it('gives the API a stop grace period covering its drain, access-log flush and telemetry timeouts', () => {
    const defaults = loadConfig({});
    const neededMs = defaults.http.shutdownTimeoutMs + defaults.accessLog.shutdownTimeoutMs + defaults.telemetry.shutdownTimeoutMs;
    const grace = /^(\d+)s$/.exec(String((services.api as { stop_grace_period?: string }).stop_grace_period));
    expect(grace, 'stop_grace_period in seconds').not.toBeNull();
    expect(Number(grace?.[1]) * 1000).toBeGreaterThan(neededMs);
  });

  it('grants Grafana its tables after the API created them, before Grafana starts', () => {
    const grants = services['grafana-grants'] as Service & { entrypoint: string[]; restart: string };
    expect(grants.volumes).toContain('./mysql/grants:/grants:ro');
    expect(grants.entrypoint).toEqual(['sh', '/grants/grant-grafana.sh']);
    expect(grants.restart).toBe('no');
    expect(services.grafana?.depends_on).toMatchObject({ 'grafana-grants': { condition: 'service_completed_successfully' } });
  });

  it('documents every variable it reads in .env.example, with the same default', () => {
    const example = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    const documented = new Map<string, string>();
    for (const line of example.split('\n')) {
      const match = /^([A-Z_][A-Z0-9_]*)=(\S*)/.exec(line);
      if (match) documented.set(match[1] as string, match[2] as string);
    }
    const withoutComments = composeText.split('\n').filter((line) => !line.trim().startsWith('#')).join('\n');
    const used = [...withoutComments.matchAll(/\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g)];
    expect(used.length).toBeGreaterThan(10);
    for (const [, name, fallback] of used) {
      expect(documented.has(name as string), `${name} in .env.example`).toBe(true);
      expect(documented.get(name as string), `${name} default`).toBe(fallback ?? '');
    }
  });

  it('wires Prometheus and Grafana to the repo config', () => {
    expect(services.prometheus?.volumes).toEqual(expect.arrayContaining(['./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro', './prometheus/rules:/etc/prometheus/rules:ro']));
    expect((services.prometheus as { command: string[] }).command.join(' ')).toMatch(/--storage\.tsdb\.retention\.time=/);
    expect(services.grafana?.environment?.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD/);
    expect(services.mysql?.volumes).toContain('./mysql/init:/docker-entrypoint-initdb.d:ro');
  });
});

describe('Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  it('is multi-stage on Node 24, runs as non-root, with a healthcheck', () => {
    expect(dockerfile.match(/^FROM node:24[\w.-]*/gm)?.length).toBe(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).toMatch(/COPY .*drizzle \.\/drizzle/);
  });
});

describe('grafana provisioning', () => {
  const datasources = parse(fs.readFileSync(path.join(ROOT, 'grafana/provisioning/datasources/datasources.yml'), 'utf8')) as {
    apiVersion: number;
    datasources: Array<{ uid: string; type: string; user?: string }>;
  };

  it('has its datasources with fixed uids, MySQL read as the read-only user', () => {
    expect(datasources.apiVersion).toBe(1);
    expect(datasources.datasources.map((d) => [d.uid, d.type])).toEqual([
      ['prometheus', 'prometheus'],
      ['mysql-catalogue', 'mysql'],
      ['jaeger', 'jaeger'],
    ]);
    expect(datasources.datasources[1]?.user).toBe('${GRAFANA_MYSQL_USER}');
    // What the user can actually do is tested against MariaDB in dashboard-queries.test.ts; here: nothing but SELECT.
    const grants = fs.readFileSync(path.join(ROOT, 'mysql/grants/grant-grafana.sh'), 'utf8');
    expect(grants).toMatch(/GRANT SELECT ON/);
    expect(grants).not.toMatch(/GRANT (ALL|INSERT|UPDATE|DELETE)/i);
  });

  it('links exemplars to traces: Prometheus sends trace_id to the Jaeger datasource, latency panels show exemplars', () => {
    const prometheusDs = datasources.datasources.find((d) => d.uid === 'prometheus') as unknown as { jsonData: { exemplarTraceIdDestinations: Array<{ name: string; datasourceUid: string }> } };
    const uids = new Set(datasources.datasources.map((d) => d.uid));
    expect(prometheusDs.jsonData.exemplarTraceIdDestinations).toEqual([{ name: 'trace_id', datasourceUid: 'jaeger' }]);
    for (const d of prometheusDs.jsonData.exemplarTraceIdDestinations) expect(uids.has(d.datasourceUid)).toBe(true);
    expect(services.jaeger).toBeDefined();
    expect((services.prometheus as { command: string[] }).command).toContain('--enable-feature=exemplar-storage');
    const red = JSON.parse(fs.readFileSync(path.join(ROOT, 'grafana/dashboards/api-red.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr?: string; exemplar?: boolean }> }> };
    const latency = red.panels.filter((p) => p.targets.some((t) => t.expr?.includes('http_request_duration_seconds_bucket')));
    expect(latency.length).toBeGreaterThan(0);
    for (const panel of latency) for (const t of panel.targets) expect(t.exemplar, panel.title).toBe(true);
    // Only queries of the raw histogram carry exemplars; everything else leaves the option off.
    const others = red.panels.flatMap((p) => p.targets).filter((t) => !t.expr?.includes('http_request_duration_seconds_bucket'));
    for (const t of others) expect(t.exemplar).toBeUndefined();
  });

  it('dashboards reference only the provisioned datasource uids', () => {
    const uids = new Set(datasources.datasources.map((d) => d.uid));
    for (const file of fs.readdirSync(path.join(ROOT, 'grafana/dashboards'))) {
      const text = fs.readFileSync(path.join(ROOT, 'grafana/dashboards', file), 'utf8');
      const referenced = [...text.matchAll(/"uid": "([^"]+)"/g)].map((m) => m[1]).filter((u) => !u?.startsWith('asset-catalogue-'));
      expect(referenced.length, file).toBeGreaterThan(0);
      for (const uid of referenced) expect(uids.has(uid as string), `${file}: ${uid}`).toBe(true);
    }
  });
});
