import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { loadConfig } from '../../src/config';
import { PROMETHEUS_RULE_FILE, renderPrometheusRule } from '../../scripts/build-k8s-rules';
import { ROOT } from '../support/spawn-service';
import { startTestService, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';

/** Rendered with the real `kubectl kustomize` (Kustomize v5), validated against the Kubernetes and operator schemas. */
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string> };

function render(dir: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', path.join(ROOT, dir)], { encoding: 'utf8' });
  return parseAllDocuments(out).map((doc) => doc.toJS() as K8sObject);
}

// The models' own types do not resolve under this project's module resolution: their instances have `validate()`.
type Validatable = { validate(): void };
const MODELS: Record<string, new (data: any) => unknown> = {
  Deployment,
  ConfigMap,
  Service,
  PodDisruptionBudget,
  ServiceMonitor,
  PrometheusRule,
};

const overlays = ['deploy/kubernetes/base', 'deploy/kubernetes/overlays/monitoring'];

describe.each(overlays)('%s', (dir) => {
  const objects = render(dir);

  it('renders only objects of known kinds, each valid against its schema', () => {
    expect(objects.length).toBeGreaterThanOrEqual(4);
    for (const object of objects) {
      const Model = MODELS[object.kind];
      expect(Model, object.kind).toBeDefined();
      expect(() => (new (Model as NonNullable<typeof Model>)(object) as Validatable).validate(), `${object.kind}/${object.metadata.name}`).not.toThrow();
    }
  });
});

describe('the base', () => {
  const objects = render('deploy/kubernetes/base');
  const deployment = objects.find((o) => o.kind === 'Deployment') as K8sObject;
  const configMap = objects.find((o) => o.kind === 'ConfigMap') as K8sObject;
  const container = deployment.spec.template.spec.containers[0];
  const settings = configMap.data ?? {};
  // What the service would run with: the ConfigMap over the defaults (DATABASE_URL comes from the Secret).
  const config = loadConfig(settings);

  it('is a fleet: ≥ 2 replicas, a disruption budget, rolling without losing capacity', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget') as K8sObject;
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    const service = objects.find((o) => o.kind === 'Service') as K8sObject;
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.ports[0].targetPort).toBe('http');
  });

  it('probes the routes the app serves, on the port it listens on', () => {
    const port = container.ports.find((p: { name: string }) => p.name === 'http');
    expect(port.containerPort).toBe(config.http.port);
    expect(container.livenessProbe.httpGet).toEqual({ path: `${config.http.pathPrefix}/health`, port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: `${config.http.pathPrefix}/ready`, port: 'http' });
    expect(container.startupProbe.httpGet).toEqual({ path: `${config.http.pathPrefix}/ready`, port: 'http' });
  });

  it('gives SIGTERM time for preStop, the drain, the access-log flush and the last export', () => {
    const preStop = container.lifecycle.preStop.sleep.seconds as number;
    const neededMs = preStop * 1000 + config.http.shutdownTimeoutMs + config.accessLog.shutdownTimeoutMs + config.telemetry.shutdownTimeoutMs;
    expect(preStop).toBeGreaterThanOrEqual(3);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(neededMs);
  });

  it('runs non-root on a read-only filesystem with limits, the database URL from a Secret, migrations on start', () => {
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits.memory).toBeDefined();
    expect(container.env).toContainEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'asset-catalogue-database', key: 'DATABASE_URL' } } });
    expect(settings).not.toHaveProperty('DATABASE_URL');
    expect(config.database.migrateOnStart).toBe(true); // serialised by the migration lock across replicas
  });

  it('takes API_WRITE_TOKEN from an optional Secret, never from the ConfigMap; OIDC is off until the ConfigMap names an issuer', () => {
    expect(container.env).toContainEqual({
      name: 'API_WRITE_TOKEN',
      valueFrom: { secretKeyRef: { name: 'asset-catalogue-write-token', key: 'API_WRITE_TOKEN', optional: true } },
    });
    expect(settings).not.toHaveProperty('API_WRITE_TOKEN');
    expect(settings).toHaveProperty('OIDC_ISSUER');
    expect(settings).toHaveProperty('OIDC_AUDIENCE');
    expect(config.auth).toEqual({ writeToken: '', oidc: undefined });
  });

  it('only sets variables the service knows, each valid', () => {
    expect(() => loadConfig(settings)).not.toThrow();
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const name of Object.keys(settings)) expect(readme, name).toContain(`\`${name}\``);
  });

  describe('its probes against the service started with its ConfigMap', () => {
    const database = new TestDatabase();
    let service: TestService;
    const WRITE_TOKEN = 'from-the-secret-0123456789abcdef';
    beforeAll(async () => {
      // With the token the Secret would give it.
      service = await startTestService({ ...settings, HOST: '127.0.0.1', PORT: '0', DATABASE_URL: database.url(), LOG_LEVEL: 'warn', API_WRITE_TOKEN: WRITE_TOKEN });
    });
    afterAll(async () => {
      await service?.stop();
      await database.drop();
    });

    it('answers liveness at once and readiness once migrated', async () => {
      const origin = new URL(service.url).origin;
      expect((await fetch(`${origin}${container.livenessProbe.httpGet.path}`)).status).toBe(200);
      const deadline = Date.now() + 15_000;
      let status = 0;
      while (Date.now() < deadline && status !== 200) {
        status = (await fetch(`${origin}${container.readinessProbe.httpGet.path}`)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
    });

    it('requires the Secret\'s token for writes, not for reads', async () => {
      const post = (headers: Record<string, string>) =>
        fetch(`${service.url}/datasets`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"name":"k8s"}' });
      expect((await post({})).status).toBe(401);
      expect((await post({ authorization: `Bearer ${WRITE_TOKEN}` })).status).toBe(201);
      expect((await fetch(`${service.url}/datasets`)).status).toBe(200);
    });
  });
});

describe('the monitoring overlay', () => {
  const objects = render('deploy/kubernetes/overlays/monitoring');

  it('scrapes /metrics on the named port, with an optional bearer token from a Secret', () => {
    const monitor = objects.find((o) => o.kind === 'ServiceMonitor') as K8sObject;
    const service = objects.find((o) => o.kind === 'Service') as K8sObject & { metadata: { labels: Record<string, string> } };
    expect(monitor.spec.selector.matchLabels).toEqual(Object.fromEntries(Object.entries(monitor.spec.selector.matchLabels).filter(([k]) => service.metadata.labels[k] !== undefined)));
    const [endpoint] = monitor.spec.endpoints;
    expect(endpoint).toMatchObject({ port: 'http', path: '/metrics', interval: '15s' });
    expect(endpoint.authorization.credentials).toMatchObject({ name: 'asset-catalogue-metrics', key: 'token', optional: true });
    expect(service.spec.ports.map((p: { name: string }) => p.name)).toContain(endpoint.port);
  });

  it('carries exactly the rules of prometheus/rules/*.yml (one source; regenerate with npm run build:k8s-rules)', () => {
    expect(fs.readFileSync(PROMETHEUS_RULE_FILE, 'utf8')).toBe(renderPrometheusRule());
    const rule = objects.find((o) => o.kind === 'PrometheusRule') as K8sObject;
    const fromFiles = ['alerts.yml', 'recording.yml'].flatMap((f) => (parse(fs.readFileSync(path.join(ROOT, 'prometheus/rules', f), 'utf8')) as { groups: unknown[] }).groups);
    expect(rule.spec.groups).toEqual(fromFiles);
  });
});

describe('schema validation', () => {
  it('does reject a misspelled field (so the checks above can fail)', () => {
    const deployment = render('deploy/kubernetes/base').find((o) => o.kind === 'Deployment') as K8sObject;
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'eight thousand';
    expect(() => (new Deployment(broken as never) as unknown as Validatable).validate()).toThrow();
  });
});
