import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StdoutPerTurn } from '../../src/lifecycle/stdout-per-turn';
import { ROOT } from '../support/spawn-service';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('StdoutPerTurn', () => {
  const opened: number[] = [];
  const tempFile = () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'per-turn-')), 'out.log');
    const fd = fs.openSync(file, 'w');
    opened.push(fd);
    return { file, fd };
  };
  afterEach(() => {
    for (const fd of opened.splice(0)) fs.closeSync(fd);
    vi.restoreAllMocks();
  });

  it('holds the lines of a turn and writes them together when the turn ends', async () => {
    const { file, fd } = tempFile();
    const out = new StdoutPerTurn(fd);
    out.write('{"n":1}\n');
    out.write('{"n":2}\n');
    out.write('{"n":3}\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('');
    await nextTurn();
    expect(fs.readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
    out.write('{"n":4}\n');
    await nextTurn();
    expect(fs.readFileSync(file, 'utf8').split('\n')).toHaveLength(5);
    // pino's logger.flush(cb) calls the stream's flush with its callback.
    const done = vi.fn();
    out.write('{"n":5}\n');
    out.flush(done);
    expect(done).toHaveBeenCalledOnce();
    expect(fs.readFileSync(file, 'utf8')).toMatch(/"n":5/);
  });

  it('writes at once when a turn has logged a lot, instead of holding it all to the end of the turn', async () => {
    const { file, fd } = tempFile();
    const out = new StdoutPerTurn(fd);
    const line = `${JSON.stringify({ pad: 'x'.repeat(1000) })}\n`;
    for (let i = 0; i < 100; i++) out.write(line);
    expect(fs.readFileSync(file, 'utf8').length).toBeGreaterThan(60 * 1024);
    await nextTurn();
    expect(fs.readFileSync(file, 'utf8')).toBe(line.repeat(100));
  });

  it('a failing descriptor drops the lines and says so once on stderr, never throwing into the caller', async () => {
    const { fd } = tempFile();
    fs.closeSync(opened.pop() ?? fd);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = new StdoutPerTurn(fd);
    out.write('lost\n');
    await nextTurn();
    out.write('lost too\n');
    expect(() => out.flush()).not.toThrow();
    const reports = stderr.mock.calls.map((call) => String(call[0])).filter((text) => text.startsWith('log lines dropped'));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/EBADF/);
  });

  it.each([
    ['exits at once', 'process.exit(3)', 3],
    ['throws an uncaught exception', "throw new Error('boom')", 1],
  ])('a process that logs and then %s still writes its lines (built logger, real stdout)', (_name, ending, status) => {
    const script = `
      const { createLogger } = require('./dist/lifecycle/logger');
      const logger = createLogger('info');
      for (let i = 0; i < 3; i++) logger.info({ i }, 'last words');
      ${ending};
    `;
    const result = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(status);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { i: number; msg: string; time: string });
    expect(lines.map((l) => l.i)).toEqual([0, 1, 2]);
    expect(lines[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
