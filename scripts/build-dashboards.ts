/**
 * `npx tsx scripts/build-dashboards.ts`: writes grafana/dashboards/*.json with Grafana's typed builders
 * (`@grafana/grafana-foundation-sdk`, made for Grafana 12 and later; compose runs 13), so panel, field and query
 * options are checked by the compiler. The dashboards are code so that every panel has the same shape and the tests
 * can run every query; edit here, then regenerate.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import { LegendDisplayMode, LegendPlacement, VizLegendOptionsBuilder, type DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import { DashboardBuilder, QueryVariableBuilder, VariableRefresh, VariableSort, type Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder as PromQueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as BargaugePanel } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as PiechartPanel } from '@grafana/grafana-foundation-sdk/piechart';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';

const PROM: DataSourceRef = { type: 'prometheus', uid: 'prometheus' };
const MYSQL: DataSourceRef = { type: 'mysql', uid: 'mysql-catalogue' };
const SEL = 'job=~"$job", instance=~"$instance", handler=~"$handler"';
const PROC = 'job=~"$job", instance=~"$instance"';

/** A query of Grafana's MySQL datasource: the SDK ships none, so it is declared the way its README shows. */
interface MysqlQuery extends Dataquery {
  refId?: string;
  datasource: DataSourceRef;
  rawSql: string;
  format: 'table' | 'time_series';
  editorMode: 'code';
  rawQuery: true;
}

class MysqlQueryBuilder implements Builder<Dataquery> {
  constructor(private readonly query: Omit<MysqlQuery, '_implementsDataqueryVariant'>) {}
  refId(refId: string): this {
    this.query.refId = refId;
    return this;
  }
  build(): MysqlQuery {
    return { ...this.query, _implementsDataqueryVariant() {} };
  }
}

/**
 * Every MySQL query is capped at 10 s by an optimizer hint (MySQL 8; MariaDB reads it as a comment): a dashboard
 * left open on a wide time range cannot pile long queries onto the database the API writes to.
 */
const MAX_EXECUTION_TIME = '/*+ MAX_EXECUTION_TIME(10000) */';
const capped = (rawSql: string) => rawSql.replace(/^SELECT /, `SELECT ${MAX_EXECUTION_TIME} `);
const sql = (rawSql: string, format: 'table' | 'time_series') =>
  new MysqlQueryBuilder({ datasource: MYSQL, rawSql: capped(rawSql), format, editorMode: 'code', rawQuery: true });

/** A Prometheus query; `exemplar` shows the exemplars (trace links) of the series it reads, on latency panels. */
const prom = (expr: string, legendFormat = '', exemplar = false) => {
  const query = new PromQueryBuilder().datasource(PROM).expr(expr).legendFormat(legendFormat).range();
  return exemplar ? query.exemplar(true) : query;
};

type AnyPanelBuilder = TimeseriesPanel | StatPanel | PiechartPanel | BargaugePanel | TablePanel;
interface Spec {
  panel: AnyPanelBuilder;
  targets: Array<PromQueryBuilder | MysqlQueryBuilder>;
  w?: number;
  h?: number;
}

/** Lays the panels out left to right, 24 columns a row; ids and query refIds in order. */
function layout(specs: Spec[]): Array<Builder<Panel>> {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((spec, index) => {
    const w = spec.w ?? 12;
    const h = spec.h ?? 8;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    spec.targets.forEach((target, i) => target.refId(String.fromCharCode(65 + i)));
    const datasource = (spec.targets[0]?.build() as { datasource?: DataSourceRef } | undefined)?.datasource ?? PROM;
    spec.panel.id(index + 1).gridPos({ x, y, w, h }).datasource(datasource).targets(spec.targets);
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return spec.panel as Builder<Panel>;
  });
}

const timeseries = (title: string, unit = 'short') =>
  new TimeseriesPanel()
    .title(title)
    .unit(unit)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom).calcs([]));

function promVariable(name: string, query: string, label: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(PROM)
    .query(query)
    .definition(query)
    .includeAll(true)
    .multi(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' })
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
}

function dashboard(uid: string, title: string, tags: string[], variables: QueryVariableBuilder[], specs: Spec[]): DashboardBuilder {
  const builder = new DashboardBuilder(title).uid(uid).tags(tags).timezone('utc').readonly().refresh('30s').time({ from: 'now-1h', to: 'now' });
  for (const variable of variables) builder.withVariable(variable);
  for (const panel of layout(specs)) builder.withPanel(panel);
  return builder;
}

const red = dashboard('asset-catalogue-red', 'Asset catalogue — API RED', ['asset-catalogue', 'red'], [
  promVariable('job', 'label_values(http_requests_total, job)', 'Job'),
  promVariable('instance', 'label_values(http_requests_total{job=~"$job"}, instance)', 'Instance'),
  promVariable('handler', 'label_values(http_requests_total{job=~"$job", instance=~"$instance"}, handler)', 'Handler'),
], [
  { panel: timeseries('Request rate by handler', 'reqps'), targets: [prom(`sum by (handler) (rate(http_requests_total{${SEL}}[$__rate_interval]))`, '{{handler}}')] },
  {
    panel: timeseries('Error ratio (5xx)', 'percentunit'),
    targets: [prom(`sum(rate(http_requests_total{${SEL}, status=~"5.."}[$__rate_interval])) / sum(rate(http_requests_total{${SEL}}[$__rate_interval]))`, '5xx ratio')],
  },
  {
    panel: timeseries('Latency p50 / p95 / p99', 's').description('Dots are exemplars: a traced request in that latency bucket. Click one to open its trace in Jaeger.'),
    // Classic buckets, or the native histogram where Prometheus keeps only that (docs/observability.md).
    targets: [0.5, 0.95, 0.99].map((q) =>
      prom(
        `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${SEL}}[$__rate_interval]))) or histogram_quantile(${q}, sum(rate(http_request_duration_seconds{${SEL}}[$__rate_interval])))`,
        `p${q * 100}`,
        true,
      ),
    ),
  },
  { panel: timeseries('Requests in progress'), targets: [prom(`sum by (handler) (http_requests_in_progress{${SEL}})`, '{{handler}}')] },
  { panel: timeseries('Status codes', 'reqps'), targets: [prom(`sum by (status) (rate(http_requests_total{${SEL}}[$__rate_interval]))`, '{{status}}')] },
  {
    panel: timeseries('Errors by type', 'reqps').description('Unhandled exceptions answered with 5xx, by error class.'),
    targets: [prom(`sum by (error_type) (rate(http_errors_total{${SEL}}[$__rate_interval]))`, '{{error_type}}')],
  },
  { panel: new PiechartPanel().title('Traffic share by endpoint'), w: 8, targets: [prom(`sum by (handler) (increase(http_requests_total{${SEL}}[$__range]))`, '{{handler}}')] },
  {
    panel: new BargaugePanel().title('Mean latency by endpoint').unit('s'),
    w: 8,
    targets: [
      prom(
        `(sum by (handler) (rate(http_request_duration_seconds_sum{${SEL}}[$__rate_interval])) / sum by (handler) (rate(http_request_duration_seconds_count{${SEL}}[$__rate_interval]))) or (sum by (handler) (histogram_sum(rate(http_request_duration_seconds{${SEL}}[$__rate_interval]))) / sum by (handler) (histogram_count(rate(http_request_duration_seconds{${SEL}}[$__rate_interval]))))`,
        '{{handler}}',
      ),
    ],
  },
  {
    panel: new StatPanel().title('p99 latency, all requests (fine buckets)').unit('s'),
    w: 8,
    targets: [prom(`histogram_quantile(0.99, sum by (le) (rate(http_request_duration_highr_seconds_bucket{${PROC}}[$__rate_interval])))`, 'p99')],
  },
  {
    panel: new StatPanel().title('Availability, 30-day SLO 99.9 % (errors over 1 day)').unit('percentunit'),
    w: 8,
    targets: [prom('1 - max(job:http_requests_errors:ratio_rate1d{job=~"$job"})', 'availability')],
  },
  { panel: timeseries('p99 latency by handler (recorded, 5m)', 's'), w: 16, targets: [prom('job_handler:http_request_duration_seconds:p99_5m{job=~"$job", handler=~"$handler"}', '{{handler}}')] },
  // One process each (instance, and worker with WEB_CONCURRENCY): what ApiHighCpu, ApiEventLoopLag and the memory alerts watch.
  { panel: timeseries('Process CPU', 'percentunit'), w: 8, targets: [prom(`rate(process_cpu_seconds_total{${PROC}}[$__rate_interval])`, '{{instance}} {{worker}}')] },
  {
    panel: timeseries('Resident memory', 'bytes'),
    w: 8,
    targets: [prom(`process_resident_memory_bytes{${PROC}}`, '{{instance}} {{worker}}'), prom(`sum by (instance) (v8js_memory_heap_used{${PROC}})`, 'heap used {{instance}}')],
  },
  {
    panel: timeseries('Event-loop delay p99 / utilisation', 's'),
    w: 8,
    targets: [prom(`nodejs_eventloop_delay_p99{${PROC}}`, 'delay p99 {{instance}} {{worker}}'), prom(`nodejs_eventloop_utilization{${PROC}}`, 'utilisation {{instance}} {{worker}}')],
  },
  {
    panel: timeseries('Access-log queue and drops'),
    targets: [
      prom(`sum by (instance) (access_log_queue_depth{${PROC}})`, 'queued {{instance}}'),
      prom(`sum by (reason) (rate(access_log_rows_dropped_total{${PROC}}[$__rate_interval]))`, 'dropped {{reason}}'),
    ],
  },
  { panel: timeseries('Access-log rows written', 'rowsps'), targets: [prom(`sum by (instance) (rate(access_log_rows_written_total{${PROC}}[$__rate_interval]))`, '{{instance}}')] },
]);

const TYPE = 'resource_type IN (${resource_type:sqlstring})';
const TOP_HOURLY = 'SELECT resource_type, asset_id, CAST(SUM(hits) AS UNSIGNED) AS hits FROM asset_access_hourly WHERE $__timeFilter(hour_start)';
const resourceType = new QueryVariableBuilder('resource_type')
  .label('Resource type')
  .datasource(MYSQL)
  .query(capped('SELECT DISTINCT resource_type FROM asset_access_total ORDER BY 1'))
  .definition(capped('SELECT DISTINCT resource_type FROM asset_access_total ORDER BY 1'))
  .includeAll(true)
  .multi(true)
  .current({ text: 'All', value: '$__all' })
  .refresh(VariableRefresh.OnTimeRangeChanged);

const popularity = dashboard('asset-catalogue-popularity', 'Asset catalogue — asset popularity', ['asset-catalogue', 'popularity'], [resourceType], [
  {
    panel: new TablePanel().title('Top assets of the selected types (dashboard time range)'),
    targets: [sql(`${TOP_HOURLY} AND ${TYPE} GROUP BY resource_type, asset_id ORDER BY hits DESC, asset_id LIMIT 25`, 'table')],
  },
  { panel: new TablePanel().title('Top assets overall (dashboard time range)'), targets: [sql(`${TOP_HOURLY} GROUP BY resource_type, asset_id ORDER BY hits DESC, asset_id LIMIT 25`, 'table')] },
  { panel: new TablePanel().title('Top assets, last 24 h').timeFrom('24h'), targets: [sql(`${TOP_HOURLY} GROUP BY resource_type, asset_id ORDER BY hits DESC, asset_id LIMIT 25`, 'table')] },
  {
    panel: timeseries('Successful reads per hour by type'),
    targets: [
      sql(
        `SELECT $__timeGroupAlias(hour_start, 1h), resource_type AS metric, CAST(SUM(hits) AS UNSIGNED) AS value FROM asset_access_hourly WHERE $__timeFilter(hour_start) AND ${TYPE} GROUP BY 1, resource_type ORDER BY 1`,
        'time_series',
      ),
    ],
  },
  {
    // Requests for ids the catalogue does not hold are folded into per-minute counts instead of raw rows: both
    // halves together are every request to an asset-shaped path.
    panel: timeseries('All requests to assets by status (raw log and folded counts)'),
    targets: [
      sql(
        `SELECT time, metric, CAST(SUM(value) AS UNSIGNED) AS value FROM (` +
          `SELECT $__timeGroupAlias(accessed_at, 5m), CAST(status AS CHAR) AS metric, COUNT(*) AS value FROM asset_access_log WHERE $__timeFilter(accessed_at) AND ${TYPE} GROUP BY 1, status` +
          ` UNION ALL ` +
          `SELECT $__timeGroupAlias(minute_start, 5m), CAST(status AS CHAR) AS metric, SUM(requests) AS value FROM asset_access_folded_minute WHERE $__timeFilter(minute_start) AND ${TYPE} GROUP BY 1, status` +
          `) AS requests GROUP BY time, metric ORDER BY time`,
        'time_series',
      ),
    ],
  },
  {
    panel: new TablePanel().title('Most-read assets of all time').description('All-time counts; not limited by the time range.'),
    targets: [sql(`SELECT resource_type, asset_id, hits FROM asset_access_total WHERE ${TYPE} ORDER BY hits DESC, asset_id LIMIT 25`, 'table')],
  },
]);

/** What the builders produce, as JSON (the Dataquery marker method is not data). */
export function renderDashboards(): Record<string, string> {
  return {
    'api-red.json': `${JSON.stringify(red.build(), null, 2)}\n`,
    'asset-popularity.json': `${JSON.stringify(popularity.build(), null, 2)}\n`,
  };
}

if (require.main === module) {
  const dir = path.resolve(__dirname, '..', 'grafana', 'dashboards');
  for (const [file, json] of Object.entries(renderDashboards())) {
    fs.writeFileSync(path.join(dir, file), json);
    console.log(`wrote ${file}`);
  }
}
