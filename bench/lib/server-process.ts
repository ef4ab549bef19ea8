import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../test/support/free-port';
import { childPids, cpuSecondsOf } from './process-cpu';

export const ROOT = path.resolve(__dirname, '..', '..');

/** Every server still running: a bench that fails must not leave them behind, writing to a dropped database. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The built service (`dist/main.js`) as a child process pinned to one core, with its CPU time readable. */
export class ServerProcess {
  private child: ChildProcess | undefined;
  url = '';

  constructor(
    private readonly env: Record<string, string>,
    /** CPU list for taskset: one core (`0`) or several (`0,1`). */
    private readonly core: number | string = 0,
    private readonly entry = 'dist/main.js',
    /** Where the server's stdout goes: the bench's own, or /dev/null (a request log at info would flood it). */
    private readonly stdout: 'inherit' | 'ignore' = 'inherit',
  ) {}

  /** Starts the server and waits until `readyPath` answers 200. */
  async start(readyPath = '/health'): Promise<void> {
    const port = await freePort();
    this.child = spawn('taskset', ['-c', String(this.core), process.execPath, this.entry], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', this.stdout, 'inherit'],
    });
    const child = this.child;
    running.add(child);
    child.once('exit', () => running.delete(child));
    this.url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`server exited with ${this.child.exitCode}`);
      try {
        if ((await fetch(`${this.url}${readyPath}`)).status === 200) return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`server not ready at ${this.url}${readyPath}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** User + system CPU seconds the server process (and, for a worker group, every worker) has used so far. */
  cpuSeconds(): number {
    const pid = this.child?.pid ?? 0;
    return [pid, ...childPids(pid)].reduce((sum, p) => sum + cpuSecondsOf(p), 0);
  }

  /** The server's pid (taskset execs node, so this is node's own), for /proc readings. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How the server ended (`code 1`, `SIGKILL`), or undefined while it runs: a bench under load can outlive it. */
  get ended(): string | undefined {
    if (!this.child) return undefined;
    if (this.child.signalCode !== null) return this.child.signalCode;
    return this.child.exitCode === null ? undefined : `code ${this.child.exitCode}`;
  }

  /** SIGTERM, then SIGKILL when it has not exited after `killAfterMs` (a server stuck under load must not hang the bench). */
  async stop(killAfterMs = 30_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    await exited;
    clearTimeout(timer);
  }
}
