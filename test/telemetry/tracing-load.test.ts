import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/spawn-service';

/**
 * The instrumentation metapackage loads every bundled instrumentation when required: with tracing off (the default)
 * it must not be loaded at all. Checked on the built telemetry module in a fresh Node process.
 */
function modulesLoadedWith(env: Record<string, string>): string[] {
  const script = `
    const { loadConfig } = require('./dist/config');
    const { createLogger } = require('./dist/lifecycle/logger');
    const { startTelemetry } = require('./dist/telemetry');
    const telemetry = startTelemetry(loadConfig(process.env), createLogger('silent'));
    process.stdout.write(JSON.stringify(Object.keys(require.cache)));
    void telemetry.shutdown();
  `;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

describe('loading tracing', () => {
  it('tracing off: neither the metapackage nor any tracing instrumentation is loaded', () => {
    const loaded = modulesLoadedWith({});
    expect(loaded.filter((m) => m.includes('auto-instrumentations-node'))).toEqual([]);
    expect(loaded.filter((m) => /instrumentation-(http|koa|mysql2)\//.test(m))).toEqual([]);
    expect(loaded.filter((m) => m.includes('/sdk-node/'))).toEqual([]);
    // The runtime metrics are on: their instrumentation is loaded on its own.
    expect(loaded.some((m) => m.includes('instrumentation-runtime-node'))).toBe(true);
  });

  it('tracing on: the metapackage is what provides the instrumentations', () => {
    const loaded = modulesLoadedWith({ OTEL_TRACES_EXPORTER: 'console' });
    expect(loaded.some((m) => m.includes('auto-instrumentations-node'))).toBe(true);
    expect(loaded.some((m) => m.includes('instrumentation-http/'))).toBe(true);
  });
});
