import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from './free-port';

export function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { input, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

export interface PromResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value?: [number, string] }> };
}

/** A real Prometheus server (the Debian package's binary) on a free loopback port with a throw-away TSDB. */
export class PrometheusServer {
  private child: ChildProcess | undefined;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-'));
  url = '';
  log = '';

  /** `config` is a prometheus.yml text; files it names relative to `configDir` are resolved there. */
  async start(config: string, configDir = this.dir, flags: string[] = []): Promise<void> {
    const port = await freePort();
    const configPath = path.join(configDir === this.dir ? this.dir : configDir, `prometheus-test-${port}.yml`);
    fs.writeFileSync(configPath, config);
    this.configPath = configPath;
    this.child = spawn(
      'prometheus',
      [
        `--config.file=${configPath}`,
        `--storage.tsdb.path=${path.join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
        ...flags,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout?.on('data', (c: Buffer) => (this.log += c.toString()));
    this.child.stderr?.on('data', (c: Buffer) => (this.log += c.toString()));
    this.url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        if ((await fetch(`${this.url}/-/ready`)).ok) return;
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`prometheus did not start:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private configPath: string | undefined;

  async query(expr: string): Promise<PromResult> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await response.json()) as PromResult;
  }

  async get<T>(apiPath: string): Promise<T> {
    return (await (await fetch(`${this.url}${apiPath}`)).json()) as T;
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((r) => this.child?.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    if (this.configPath && !this.configPath.startsWith(this.dir)) fs.rmSync(this.configPath, { force: true });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The repo's `prometheus/prometheus.yml` for a test: the shipped rule files as they are (absolute paths), scrapes and
 * evaluations every second, the API job scraping `apiTargets` on loopback. Other jobs (the collector) point at a
 * closed port, or are left out with `apiOnly`.
 */
export function repoPrometheusConfig(apiTargets: string[], options: { apiOnly?: boolean } = {}): string {
  const root = path.resolve(__dirname, '..', '..');
  const config = parse(fs.readFileSync(path.join(root, 'prometheus/prometheus.yml'), 'utf8')) as {
    global: Record<string, string>;
    rule_files: string[];
    scrape_configs: Array<{ job_name: string; scrape_interval?: string; static_configs: Array<{ targets: string[] }> }>;
  };
  config.global = { scrape_interval: '1s', evaluation_interval: '1s' };
  config.rule_files = config.rule_files.map((f) => path.join(root, 'prometheus', f));
  if (options.apiOnly) config.scrape_configs = config.scrape_configs.filter((job) => job.job_name === 'asset-catalogue');
  for (const job of config.scrape_configs) {
    delete job.scrape_interval;
    job.static_configs = [{ targets: job.job_name === 'asset-catalogue' ? apiTargets : ['127.0.0.1:9'] }];
  }
  return stringify(config);
}

/** A prometheus.yml scraping one target (`host:port`) every second under the job `api`. */
export function singleJobConfig(target: string): string {
  return `
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: api
    static_configs:
      - targets: ['${target}']
`;
}
