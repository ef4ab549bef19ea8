import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTraffic } from '../../scripts/traffic';
import { startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';
import { MYSQL_SERVER_URL, TestDatabase } from '../support/test-database';
import { TcpProxy } from '../support/tcp-proxy';
import { PrometheusServer, repoPrometheusConfig } from '../support/prometheus';
import { ROOT } from '../support/spawn-service';
import { expandMysqlMacros, expandPromVariables } from '../support/grafana-macros';

interface Panel {
  title: string;
  timeFrom?: string;
  targets: Array<{ expr?: string; rawSql?: string; format?: string }>;
}
interface Dashboard {
  panels: Panel[];
  templating: { list: Array<{ name: string; query: string | { query: string } }> };
}
const readDashboard = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'grafana/dashboards', file), 'utf8')) as Dashboard;
const ruleGroups = ['recording.yml', 'alerts.yml'].flatMap(
  (file) => (parse(fs.readFileSync(path.join(ROOT, 'prometheus/rules', file), 'utf8')) as { groups: Array<{ rules: Array<{ record?: string; alert?: string; expr: string }> }> }).groups,
);

const database = new TestDatabase();
const proxy = new TcpProxy();
const prometheus = new PrometheusServer();
let service: TestService;

beforeAll(async () => {
  await proxy.up();
  service = await startTestService({ DATABASE_URL: database.url(proxy.hostPort), LOG_LEVEL: 'fatal', ACCESS_LOG_FLUSH_INTERVAL_MS: '100', DB_CONNECT_TIMEOUT_MS: '500' });
  await waitUntilReady(service);

  // The repo's scrape config and rules, with the API on loopback and a fast clock.
  await prometheus.start(repoPrometheusConfig([new URL(service.url).host]));

  // Realistic traffic, with the database cut for a moment so that 5xx and error types appear.
  const traffic = runTraffic({ baseUrl: service.url, rps: 60, seconds: 8, assetsPerType: 8 });
  await new Promise((r) => setTimeout(r, 3000));
  await proxy.down();
  await new Promise((r) => setTimeout(r, 1500));
  await proxy.up();
  const summary = await traffic;
  expect(Object.keys(summary.byStatus)).toEqual(expect.arrayContaining(['200', '201', '400', '404', '503']));
  await waitFor(async () => (await prometheus.query('job:http_requests_errors:ratio_rate1d')).data?.result.length === 1, 20_000, 'recording rules');
  await waitFor(async () => (service.accessLog?.queueDepth ?? 1) === 0, 20_000, 'access log flushed');
}, 90_000);

afterAll(async () => {
  await prometheus.stop();
  await service?.stop();
  await proxy.down();
  await database.drop();
});

describe('API RED dashboard against a real Prometheus', () => {
  const dashboard = readDashboard('api-red.json');
  const all = { job: '.*', instance: '.*', handler: '.*' };
  const cases = dashboard.panels.flatMap((panel) => panel.targets.map((t) => [panel.title, t.expr as string] as const));

  it('has the panels operators need', () => {
    const titles = dashboard.panels.map((p) => p.title).join('\n');
    for (const word of ['Request rate', 'Error ratio', 'p50 / p95 / p99', 'in progress', 'Status codes', 'Errors by type', 'Traffic share', 'Mean latency', 'CPU', 'memory', 'Event-loop']) {
      expect(titles).toContain(word);
    }
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['job', 'instance', 'handler']);
  });

  it.each(cases)('%s: %s returns data without error', async (_title, expr) => {
    const result = await prometheus.query(expandPromVariables(expr, all));
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('success');
    expect(result.data?.result.length).toBeGreaterThan(0);
  });

  it('template variables find values', async () => {
    for (const [label, match] of [['job', 'http_requests_total'], ['instance', 'http_requests_total'], ['handler', 'http_requests_total']]) {
      const values = await prometheus.get<{ data: string[] }>(`/api/v1/label/${label}/values?match[]=${match}`);
      expect(values.data.length, label).toBeGreaterThan(0);
    }
  });
});

describe('rules against a real Prometheus', () => {
  const rules = ruleGroups.flatMap((g) => g.rules);

  it.each(rules.map((r) => [r.record ?? r.alert, r.expr] as const))('%s evaluates without error', async (_name, expr) => {
    const result = await prometheus.query(expr);
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('success');
  });

  it('recording rules produce data, and every rule is healthy in the rule manager', async () => {
    for (const rule of rules.filter((r) => r.record)) {
      expect((await prometheus.query(rule.record as string)).data?.result.length, rule.record).toBeGreaterThan(0);
    }
    const loaded = await prometheus.get<{ data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> } }>('/api/v1/rules');
    const states = loaded.data.groups.flatMap((g) => g.rules);
    expect(states.length).toBe(rules.length);
    for (const state of states) expect([state.name, state.health, state.lastError ?? '']).toEqual([state.name, 'ok', '']);
  });
});

describe('the PromQL examples in docs/observability.md against a real Prometheus', () => {
  // The docs' ```promql block: one expression per line, a trailing `# comment` says what it shows.
  const doc = fs.readFileSync(path.join(ROOT, 'docs/observability.md'), 'utf8');
  const block = /```promql\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  const examples = block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);

  it('the docs have examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  it.each(examples)('%s runs and returns data', async (expr) => {
    const result = await prometheus.query(expr);
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('success');
    expect(result.data?.result.length, expr).toBeGreaterThan(0);
  });
});

describe('asset popularity dashboard against MariaDB', () => {
  const dashboard = readDashboard('asset-popularity.json');
  const types = ['datasets', 'models', 'publications', 'experiments'];
  const user = `ro_${database.name}`.slice(0, 32);
  let conn: mysql.Connection;

  // Quotes, a backslash, a backtick and shell syntax: the scripts must pass it to SQL as it is.
  const password = `ro'pa\\ss"$(touch /tmp/x)\`;--`;

  beforeAll(async () => {
    // Grafana reads as the read-only user the compose stack sets up: the real scripts, run against MariaDB.
    const env = { PATH: process.env.PATH ?? '', MYSQL_ROOT_PASSWORD: '', MYSQL_DATABASE: database.name, GRAFANA_MYSQL_USER: user, GRAFANA_MYSQL_PASSWORD: password, GRANT_WAIT_SECONDS: '5' };
    execFileSync('sh', [path.join(ROOT, 'mysql/init/01-grafana-readonly.sh')], { env, stdio: 'pipe' });
    execFileSync('sh', [path.join(ROOT, 'mysql/grants/grant-grafana.sh')], { env, stdio: 'pipe' });
    const url = new URL(MYSQL_SERVER_URL);
    conn = await mysql.createConnection({ host: url.hostname, port: Number(url.port || 3306), user, password, database: database.name });
    await conn.query("SET time_zone = '+00:00'"); // the datasource's timezone setting
  });

  afterAll(async () => {
    await conn?.end();
    await database.query(`DROP USER IF EXISTS '${user}'@'%'`);
  });

  const cases = dashboard.panels.flatMap((panel) => panel.targets.map((t) => [panel.title, panel.timeFrom, t.rawSql as string, t.format as string] as const));

  it.each(cases)('%s returns the columns the panel expects', async (_title, timeFrom, rawSql, format) => {
    const now = Math.floor(Date.now() / 1000);
    const span = timeFrom === '24h' ? 86_400 : 6 * 3600;
    const sql = expandMysqlMacros(rawSql, { fromSec: now - span, toSec: now + 60 }, { resource_type: types });
    const [rows, fields] = (await conn.query(sql)) as unknown as [Array<Record<string, unknown>>, Array<{ name: string }>];
    expect(rows.length).toBeGreaterThan(0);
    const columns = fields.map((f) => f.name);
    if (format === 'time_series') {
      expect(columns).toEqual(['time', 'metric', 'value']);
      expect(Number(rows[0]?.time)).toBeGreaterThan(now - span - 3600);
    } else {
      expect(columns).toEqual(['resource_type', 'asset_id', 'hits']);
      const hits = rows.map((r) => Number(r.hits));
      expect(hits).toEqual([...hits].sort((a, b) => b - a));
    }
  });

  it('counts requests for unknown ids (folded, no raw row) in the status panel', async () => {
    const panel = dashboard.panels.find((p) => p.title.startsWith('All requests to assets by status'));
    const now = Math.floor(Date.now() / 1000);
    const sql = expandMysqlMacros(panel?.targets[0]?.rawSql as string, { fromSec: now - 3600, toSec: now + 60 }, { resource_type: types });
    const [rows] = (await conn.query(sql)) as unknown as [Array<{ metric: string; value: number | string }>];
    const shown404 = rows.filter((r) => r.metric === '404').reduce((sum, r) => sum + Number(r.value), 0);
    const [[folded]] = (await conn.query(
      `SELECT CAST(COALESCE(SUM(requests), 0) AS UNSIGNED) AS n FROM asset_access_folded_minute WHERE status = 404 AND resource_type IN (${types.map(() => '?').join(',')})`,
      types,
    )) as unknown as [Array<{ n: number | string }>];
    expect(Number(folded?.n)).toBeGreaterThan(0);
    expect(shown404).toBeGreaterThanOrEqual(Number(folded?.n));
  });

  it('the resource_type variable query runs, and the read-only user cannot write', async () => {
    const variable = dashboard.templating.list.find((v) => v.name === 'resource_type');
    const [rows] = (await conn.query(variable?.query as string)) as unknown as [Array<{ resource_type: string }>];
    expect(rows.map((r) => r.resource_type)).toEqual(expect.arrayContaining(['datasets', 'models']));
    await expect(conn.query("INSERT INTO asset_access_total VALUES ('datasets', 'x', 1)")).rejects.toThrow(/denied/i);
    // Only the tables the panels read: not the catalogue itself.
    await expect(conn.query('SELECT COUNT(*) FROM assets')).rejects.toThrow(/denied/i);
  });

  it('caps every query at 10 s and reads the raw log only within the time range', () => {
    const variable = dashboard.templating.list.find((v) => v.name === 'resource_type');
    for (const query of [...cases.map((c) => c[2]), variable?.query as string]) {
      expect(query).toMatch(/^SELECT \/\*\+ MAX_EXECUTION_TIME\(10000\) \*\/ /);
      if (query.includes('asset_access_log')) expect(query).toMatch(/\$__timeFilter\(accessed_at\)/);
    }
  });
});
