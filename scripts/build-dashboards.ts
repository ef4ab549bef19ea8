/**
 * `npx tsx scripts/build-dashboards.ts`: writes grafana/dashboards/*.json. The dashboards are code so that every
 * panel has the same shape and the tests can run every query; edit here, then regenerate.
 */
import fs from 'node:fs';
import path from 'node:path';

const PROM = { type: 'prometheus', uid: 'prometheus' };
const MYSQL = { type: 'mysql', uid: 'mysql-catalogue' };
const SEL = 'job=~"$job", instance=~"$instance", handler=~"$handler"';
const PROC = 'job=~"$job", instance=~"$instance"';

let nextId = 1;
interface PanelSpec {
  title: string;
  type: string;
  w?: number;
  h?: number;
  unit?: string;
  description?: string;
  targets: Array<Record<string, unknown>>;
  timeFrom?: string;
  options?: Record<string, unknown>;
}

function layout(specs: PanelSpec[]): Array<Record<string, unknown>> {
  let x = 0;
  let y = 0;
  let rowH = 0;
  return specs.map((spec) => {
    const w = spec.w ?? 12;
    const h = spec.h ?? 8;
    if (x + w > 24) {
      x = 0;
      y += rowH;
      rowH = 0;
    }
    const panel = {
      id: nextId++,
      title: spec.title,
      type: spec.type,
      description: spec.description,
      gridPos: { x, y, w, h },
      datasource: (spec.targets[0]?.datasource as object) ?? PROM,
      fieldConfig: { defaults: { unit: spec.unit ?? 'short' }, overrides: [] },
      options: spec.options ?? {},
      targets: spec.targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), ...t })),
      ...(spec.timeFrom ? { timeFrom: spec.timeFrom } : {}),
    };
    x += w;
    rowH = Math.max(rowH, h);
    return panel;
  });
}

/** A Prometheus query; `exemplar` shows the exemplars (trace links) of the series it reads, on latency panels. */
const prom = (expr: string, legendFormat = '', exemplar = false) => ({ datasource: PROM, expr, legendFormat, range: true, ...(exemplar ? { exemplar: true } : {}) });
/**
 * Every MySQL query is capped at 10 s by an optimizer hint (MySQL 8; MariaDB reads it as a comment): a dashboard
 * left open on a wide time range cannot pile long queries onto the database the API writes to.
 */
const MAX_EXECUTION_TIME = '/*+ MAX_EXECUTION_TIME(10000) */';
const capped = (rawSql: string) => rawSql.replace(/^SELECT /, `SELECT ${MAX_EXECUTION_TIME} `);
const sql = (rawSql: string, format: 'table' | 'time_series') => ({ datasource: MYSQL, rawSql: capped(rawSql), format, editorMode: 'code', rawQuery: true });

function promVariable(name: string, query: string, label: string) {
  return {
    name,
    label,
    type: 'query',
    datasource: PROM,
    query: { query, refId: `${name}-var` },
    definition: query,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { text: 'All', value: '$__all' },
    refresh: 2,
    sort: 1,
  };
}

function dashboard(uid: string, title: string, panels: PanelSpec[], variables: unknown[], tags: string[]) {
  nextId = 1;
  return {
    uid,
    title,
    tags,
    timezone: 'utc',
    schemaVersion: 41,
    version: 1,
    editable: false,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    templating: { list: variables },
    panels: layout(panels),
  };
}

const red = dashboard(
  'asset-catalogue-red',
  'Asset catalogue — API RED',
  [
    { title: 'Request rate by handler', type: 'timeseries', unit: 'reqps', targets: [prom(`sum by (handler) (rate(http_requests_total{${SEL}}[$__rate_interval]))`, '{{handler}}')] },
    {
      title: 'Error ratio (5xx)',
      type: 'timeseries',
      unit: 'percentunit',
      targets: [
        prom(
          `sum(rate(http_requests_total{${SEL}, status=~"5.."}[$__rate_interval])) / sum(rate(http_requests_total{${SEL}}[$__rate_interval]))`,
          '5xx ratio',
        ),
      ],
    },
    {
      title: 'Latency p50 / p95 / p99',
      type: 'timeseries',
      unit: 's',
      description: 'Dots are exemplars: a traced request in that latency bucket. Click one to open its trace in Jaeger.',
      targets: [0.5, 0.95, 0.99].map((q) =>
        prom(`histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${SEL}}[$__rate_interval])))`, `p${q * 100}`, true),
      ),
    },
    { title: 'Requests in progress', type: 'timeseries', targets: [prom(`sum by (handler) (http_requests_in_progress{${SEL}})`, '{{handler}}')] },
    { title: 'Status codes', type: 'timeseries', unit: 'reqps', targets: [prom(`sum by (status) (rate(http_requests_total{${SEL}}[$__rate_interval]))`, '{{status}}')] },
    { title: 'Errors by type', type: 'timeseries', unit: 'reqps', description: 'Unhandled exceptions answered with 5xx, by error class.', targets: [prom(`sum by (error_type) (rate(http_errors_total{${SEL}}[$__rate_interval]))`, '{{error_type}}')] },
    { title: 'Traffic share by endpoint', type: 'piechart', w: 8, targets: [prom(`sum by (handler) (increase(http_requests_total{${SEL}}[$__range]))`, '{{handler}}')] },
    {
      title: 'Mean latency by endpoint',
      type: 'bargauge',
      w: 8,
      unit: 's',
      targets: [
        prom(
          `sum by (handler) (rate(http_request_duration_seconds_sum{${SEL}}[$__rate_interval])) / sum by (handler) (rate(http_request_duration_seconds_count{${SEL}}[$__rate_interval]))`,
          '{{handler}}',
        ),
      ],
    },
    { title: 'p99 latency, all requests (fine buckets)', type: 'stat', w: 8, unit: 's', targets: [prom(`histogram_quantile(0.99, sum by (le) (rate(http_request_duration_highr_seconds_bucket{${PROC}}[$__rate_interval])))`, 'p99')] },
    { title: 'Availability, 30-day SLO 99.9 % (errors over 1 day)', type: 'stat', w: 8, unit: 'percentunit', targets: [prom('1 - max(job:http_requests_errors:ratio_rate1d{job=~"$job"})', 'availability')] },
    { title: 'p99 latency by handler (recorded, 5m)', type: 'timeseries', w: 16, unit: 's', targets: [prom('job_handler:http_request_duration_seconds:p99_5m{job=~"$job", handler=~"$handler"}', '{{handler}}')] },
    { title: 'Process CPU', type: 'timeseries', w: 8, unit: 'percentunit', targets: [prom(`rate(process_cpu_seconds_total{${PROC}}[$__rate_interval])`, '{{instance}}')] },
    { title: 'Resident memory', type: 'timeseries', w: 8, unit: 'bytes', targets: [prom(`process_resident_memory_bytes{${PROC}}`, '{{instance}}'), prom(`sum by (instance) (v8js_memory_heap_used{${PROC}})`, 'heap used {{instance}}')] },
    { title: 'Event-loop delay p99 / utilisation', type: 'timeseries', w: 8, unit: 's', targets: [prom(`nodejs_eventloop_delay_p99{${PROC}}`, 'delay p99 {{instance}}'), prom(`nodejs_eventloop_utilization{${PROC}}`, 'utilisation {{instance}}')] },
    { title: 'Access-log queue and drops', type: 'timeseries', targets: [prom(`sum by (instance) (access_log_queue_depth{${PROC}})`, 'queued {{instance}}'), prom(`sum by (reason) (rate(access_log_rows_dropped_total{${PROC}}[$__rate_interval]))`, 'dropped {{reason}}')] },
    { title: 'Access-log rows written', type: 'timeseries', unit: 'rowsps', targets: [prom(`sum by (instance) (rate(access_log_rows_written_total{${PROC}}[$__rate_interval]))`, '{{instance}}')] },
  ],
  [
    promVariable('job', 'label_values(http_requests_total, job)', 'Job'),
    promVariable('instance', 'label_values(http_requests_total{job=~"$job"}, instance)', 'Instance'),
    promVariable('handler', 'label_values(http_requests_total{job=~"$job", instance=~"$instance"}, handler)', 'Handler'),
  ],
  ['asset-catalogue', 'red'],
);

const TYPE = "resource_type IN (${resource_type:sqlstring})";
const popularity = dashboard(
  'asset-catalogue-popularity',
  'Asset catalogue — asset popularity',
  [
    {
      title: 'Top assets of the selected types (dashboard time range)',
      type: 'table',
      targets: [sql(`SELECT resource_type, asset_id, CAST(SUM(hits) AS UNSIGNED) AS hits FROM asset_access_hourly WHERE $__timeFilter(hour_start) AND ${TYPE} GROUP BY resource_type, asset_id ORDER BY hits DESC, asset_id LIMIT 25`, 'table')],
    },
    {
      title: 'Top assets overall (dashboard time range)',
      type: 'table',
      targets: [sql('SELECT resource_type, asset_id, CAST(SUM(hits) AS UNSIGNED) AS hits FROM asset_access_hourly WHERE $__timeFilter(hour_start) GROUP BY resource_type, asset_id ORDER BY hits DESC, asset_id LIMIT 25', 'table')],
    },
    {
      title: 'Top assets, last 24 h',
      type: 'table',
      timeFrom: '24h',
      targets: [sql('SELECT resource_type, asset_id, CAST(SUM(hits) AS UNSIGNED) AS hits FROM asset_access_hourly WHERE $__timeFilter(hour_start) GROUP BY resource_type, asset_id ORDER BY hits DESC, asset_id LIMIT 25', 'table')],
    },
    {
      title: 'Successful reads per hour by type',
      type: 'timeseries',
      targets: [sql(`SELECT $__timeGroupAlias(hour_start, 1h), resource_type AS metric, CAST(SUM(hits) AS UNSIGNED) AS value FROM asset_access_hourly WHERE $__timeFilter(hour_start) AND ${TYPE} GROUP BY 1, resource_type ORDER BY 1`, 'time_series')],
    },
    {
      title: 'All requests to assets by status (raw log)',
      type: 'timeseries',
      targets: [sql(`SELECT $__timeGroupAlias(accessed_at, 5m), CAST(status AS CHAR) AS metric, COUNT(*) AS value FROM asset_access_log WHERE $__timeFilter(accessed_at) AND ${TYPE} GROUP BY 1, status ORDER BY 1`, 'time_series')],
    },
    {
      title: 'Most-read assets of all time',
      type: 'table',
      targets: [sql(`SELECT resource_type, asset_id, hits FROM asset_access_total WHERE ${TYPE} ORDER BY hits DESC, asset_id LIMIT 25`, 'table')],
      description: 'All-time counts; not limited by the time range.',
    },
  ],
  [
    {
      name: 'resource_type',
      label: 'Resource type',
      type: 'query',
      datasource: MYSQL,
      query: capped('SELECT DISTINCT resource_type FROM asset_access_total ORDER BY 1'),
      definition: capped('SELECT DISTINCT resource_type FROM asset_access_total ORDER BY 1'),
      includeAll: true,
      multi: true,
      current: { text: 'All', value: '$__all' },
      refresh: 2,
    },
  ],
  ['asset-catalogue', 'popularity'],
);

const dir = path.resolve(__dirname, '..', 'grafana', 'dashboards');
for (const [file, dash] of [['api-red.json', red], ['asset-popularity.json', popularity]] as const) {
  fs.writeFileSync(path.join(dir, file), `${JSON.stringify(dash, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
