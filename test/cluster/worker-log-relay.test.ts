import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/spawn-service';
import { openFifo, readSlowly } from '../support/slow-pipe';

const LINES_PER_WORKER = 600;

/**
 * A worker group made of the built pieces alone (logger, relay), whose workers log as fast as they can lines of
 * every size — many above PIPE_BUF, some of 20 KB — several per turn; worker 3 then crashes (uncaught exception) with
 * lines still pending, and worker 2 ends on an unfinished line. stdout is a real pipe that the test reads slowly.
 */
const script = `
  const cluster = require('node:cluster');
  const { createLogger } = require(${JSON.stringify(path.join(ROOT, 'dist/lifecycle/logger'))});
  const { stdoutPerTurn } = require(${JSON.stringify(path.join(ROOT, 'dist/lifecycle/stdout-per-turn'))});
  const { relayWorkerStdout } = require(${JSON.stringify(path.join(ROOT, 'dist/cluster/worker-log-relay'))});
  const logger = createLogger('info');
  if (cluster.isPrimary) {
    // Opening process.stdout on a pipe makes the descriptor non-blocking (libuv), as any console.log would.
    if (process.env.NON_BLOCKING === 'true') void process.stdout;
    relayWorkerStdout(stdoutPerTurn());
    let left = 3;
    cluster.on('exit', () => {
      if (--left === 0) {
        logger.info('primary done');
        process.exit(0);
      }
    });
    for (let w = 1; w <= 3; w++) cluster.fork({ W: String(w) });
  } else {
    const w = Number(process.env.W);
    const size = (i) => (i % 50 === 7 ? 20000 : i % 5 === 0 ? 6000 : 200 + ((i * 37) % 3000));
    let i = 0;
    const turn = () => {
      for (let k = 0; k < 15 && i < ${LINES_PER_WORKER}; k++, i++) logger.info({ w, i, pad: 'x'.repeat(size(i)) }, 'line');
      if (i < ${LINES_PER_WORKER}) return setImmediate(turn);
      if (w === 3) {
        for (let k = 0; k < 5; k++) logger.info({ w, k }, 'last words');
        throw new Error('crash with lines pending');
      }
      // Something else writes a line it never finishes (after the logger's own exit flush): not for stdout.
      if (w === 2) process.on('exit', () => require('node:fs').writeSync(1, '{"unfinished":'));
      process.exit(0);
    };
    turn();
  }
`;

describe('worker stdout relay', () => {
  // A blocking stdout holds the primary in write(2); a non-blocking one makes it keep lines waiting (EAGAIN) and stop
  // reading the workers' pipes while more than its bound waits (the workers then wait in turn).
  it.each([['blocking', false], ['non-blocking', true]])('passes on every line of every worker whole, of any length, through a slow %s pipe, also a crashed worker’s last lines', async (_mode, nonBlocking) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'relay-')), 'group.js');
    fs.writeFileSync(file, script);
    const fifo = await openFifo();
    const child = spawn(process.execPath, [file], { cwd: ROOT, env: { ...process.env, NON_BLOCKING: String(nonBlocking) }, stdio: ['ignore', fifo.writeFd, 'pipe'] });
    fs.closeSync(fifo.writeFd);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const text = await readSlowly(fifo.readFd, undefined, 2048);
    expect(await exited).toBe(0);
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    const parsed = lines.map((line, n) => {
      try {
        return JSON.parse(line) as { w?: number; i?: number; k?: number; msg: string; pad?: string };
      } catch {
        throw new Error(`line ${n} is not JSON: ${line.slice(0, 120)}…${line.slice(-120)}`);
      }
    });
    for (const w of [1, 2, 3]) {
      const own = parsed.filter((l) => l.w === w && l.msg === 'line');
      expect(own.map((l) => l.i)).toEqual(Array.from({ length: LINES_PER_WORKER }, (_, i) => i));
    }
    expect(parsed.filter((l) => l.msg === 'last words').map((l) => l.k)).toEqual([0, 1, 2, 3, 4]);
    expect(parsed.at(-1)?.msg).toBe('primary done');
    expect(parsed.filter((l) => (l.pad?.length ?? 0) > 4096).length).toBeGreaterThan(100);
    expect(stderr).toMatch(/crash with lines pending/);
    expect(stderr).not.toMatch(/log lines dropped/);
    expect(stderr).toMatch(/worker \d+: its output ended in the middle of a line \(14 bytes, not relayed to stdout\): \{"unfinished":/);
  });
});
