import fs from 'node:fs';
import type { Meter } from '@opentelemetry/api';

function readProcStat(): { vsize: number } | undefined {
  try {
    // Fields after the command name, which is in parentheses and may itself hold spaces.
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { vsize: Number(fields[20]) };
  } catch {
    return undefined;
  }
}

function countOpenFds(): number | undefined {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

function readMaxFds(): number | undefined {
  try {
    const match = /Max open files\s+(\d+)/.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The standard process metrics under their usual Prometheus names (as prometheus client libraries publish them), as
 * OpenTelemetry observable instruments read at collection time. The fd and virtual-memory ones need Linux `/proc`.
 */
export function registerProcessMetrics(meter: Meter): void {
  const startTimeSeconds = Math.round((Date.now() - process.uptime() * 1000) / 10) / 100;
  meter
    .createObservableCounter('process_cpu_seconds_total', { description: 'Total user and system CPU time spent in seconds.' })
    .addCallback((result) => {
      const usage = process.cpuUsage();
      result.observe((usage.user + usage.system) / 1e6);
    });
  meter
    .createObservableGauge('process_resident_memory_bytes', { description: 'Resident memory size in bytes.' })
    .addCallback((result) => result.observe(process.memoryUsage.rss()));
  meter
    .createObservableGauge('process_virtual_memory_bytes', { description: 'Virtual memory size in bytes.' })
    .addCallback((result) => {
      const stat = readProcStat();
      if (stat) result.observe(stat.vsize);
    });
  meter
    .createObservableGauge('process_start_time_seconds', { description: 'Start time of the process since unix epoch in seconds.' })
    .addCallback((result) => result.observe(startTimeSeconds));
  meter
    .createObservableGauge('process_open_fds', { description: 'Number of open file descriptors.' })
    .addCallback((result) => {
      const open = countOpenFds();
      if (open !== undefined) result.observe(open);
    });
  const maxFds = readMaxFds();
  meter
    .createObservableGauge('process_max_fds', { description: 'Maximum number of open file descriptors.' })
    .addCallback((result) => {
      if (maxFds !== undefined) result.observe(maxFds);
    });
}
