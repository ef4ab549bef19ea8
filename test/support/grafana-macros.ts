/** Grafana's MySQL macros and variables, expanded the way Grafana's MySQL datasource does, for running panel SQL. */
export function expandMysqlMacros(sql: string, range: { fromSec: number; toSec: number }, variables: Record<string, string[]>): string {
  const seconds = (interval: string) => {
    const match = /^(\d+)([smhd])$/.exec(interval.trim().replace(/'/g, ''));
    if (!match) throw new Error(`unsupported interval ${interval}`);
    return Number(match[1]) * ({ s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[match[2] as string]!;
  };
  return sql
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_, col: string) => `${col.trim()} BETWEEN FROM_UNIXTIME(${range.fromSec}) AND FROM_UNIXTIME(${range.toSec})`)
    .replace(/\$__timeGroupAlias\(([^,]+),([^)]+)\)/g, (_, col: string, interval: string) => {
      const s = seconds(interval);
      return `cast(cast(UNIX_TIMESTAMP(${col.trim()})/(${s}) as signed)*${s} as signed) AS "time"`;
    })
    .replace(/\$\{(\w+):sqlstring\}/g, (_, name: string) => (variables[name] ?? []).map((v) => `'${v.replace(/'/g, "''")}'`).join(','));
}

/** Grafana's Prometheus variables, substituted for an instant query over the test's short history. */
export function expandPromVariables(expr: string, variables: Record<string, string>): string {
  return expr
    .replace(/\$__rate_interval/g, '1m')
    .replace(/\$__range/g, '5m')
    .replace(/\$(\w+)/g, (whole, name: string) => variables[name] ?? whole);
}
