import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StdoutPerTurn } from '../../src/lifecycle/stdout-per-turn';
import { ROOT } from '../support/spawn-service';
import { openFifo } from '../support/slow-pipe';

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
    const reports = stderr.mock.calls.map((call) => String(call[0])).filter((text) => text.startsWith('log lines'));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/EBADF/);
  });

  it('a reader that does not keep up (EAGAIN on a real pipe) delays the lines, loses none, and reports nothing', async () => {
    const fifo = await openFifo({ nonBlocking: true });
    opened.push(fifo.writeFd, fifo.readFd);
    const reports: string[] = [];
    const out = new StdoutPerTurn(fifo.writeFd, { report: (text) => void reports.push(text) });
    const lines = Array.from({ length: 300 }, (_, i) => `${JSON.stringify({ i, pad: 'é'.repeat(300 + (i % 7) * 50) })}\n`);
    // More than the pipe holds (64 KiB): the first writes fill it, the rest meets EAGAIN.
    for (const line of lines) out.write(line);
    out.flush();
    expect(out.backlog).toBeGreaterThan(0);
    let read = '';
    const buffer = Buffer.alloc(4096);
    const drained = new Promise<void>((resolve) => out.onceDrained(resolve));
    let done = false;
    void drained.then(() => (done = true));
    const chunks: Buffer[] = [];
    while (!done || chunks.length === 0) {
      try {
        const n = fs.readSync(fifo.readFd, buffer);
        chunks.push(Buffer.from(buffer.subarray(0, n)));
      } catch {
        await new Promise((r) => setTimeout(r, 2)); // empty (EAGAIN): let the writer's retry run
      }
    }
    out.write('{"after":true}\n');
    out.flush();
    for (;;) {
      try {
        const n = fs.readSync(fifo.readFd, buffer);
        if (n === 0) break;
        chunks.push(Buffer.from(buffer.subarray(0, n)));
      } catch {
        break;
      }
    }
    read = Buffer.concat(chunks).toString();
    expect(read).toBe(`${lines.join('')}{"after":true}\n`);
    expect(reports).toEqual([]);
  });

  it('a reader that stops reading costs at most its bound in memory: lines beyond it are dropped, counted and reported, and logging resumes when it reads again', async () => {
    const fifo = await openFifo({ nonBlocking: true });
    opened.push(fifo.writeFd, fifo.readFd);
    const reports: string[] = [];
    const out = new StdoutPerTurn(fifo.writeFd, { report: (text) => void reports.push(text) });
    const line = `${JSON.stringify({ pad: 'x'.repeat(1000) })}\n`;
    for (let i = 0; i < 10_000; i++) out.write(line); // ~10 MB against a 64 KiB pipe and an 8 MiB bound
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/^log lines dropped: the reader does not keep up/);
    const buffer = Buffer.alloc(65536);
    const chunks: Buffer[] = [];
    const readAvailable = () => {
      for (;;) {
        try {
          const n = fs.readSync(fifo.readFd, buffer);
          if (n === 0) return;
          chunks.push(Buffer.from(buffer.subarray(0, n)));
        } catch {
          return; // empty for now (EAGAIN)
        }
      }
    };
    // The reader comes back: the writer's retries drain what waited, and the episode ends.
    for (let turns = 0; reports.length < 2 && turns < 2000; turns++) {
      readAvailable();
      await new Promise((r) => setTimeout(r, 2));
    }
    readAvailable();
    expect(reports[1]).toMatch(/^log lines written again, after \d+ dropped line\(s\)/);
    const dropped = Number(/after (\d+) dropped/.exec(reports[1] ?? '')?.[1]);
    const written = Buffer.concat(chunks).toString();
    expect(written).toBe(line.repeat(10_000 - dropped));
    expect(dropped).toBeGreaterThan(1000);
  });

  it('after a failed write (ENOSPC) it keeps writing: the failure is reported once per episode, with what it dropped', () => {
    const written: string[] = [];
    const reports: string[] = [];
    let failures = 0;
    const writeSync = (_fd: number, data: string | Buffer) => {
      if (failures > 0) {
        failures--;
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      written.push(data.toString());
      return Buffer.byteLength(data);
    };
    const out = new StdoutPerTurn(99, { writeSync, report: (text) => void reports.push(text) });
    failures = 2;
    out.write('{"n":1}\n{"n":2}\n');
    out.flush();
    out.write('{"n":3}\n');
    out.flush();
    expect(reports).toEqual(['log lines dropped: writing them failed (ENOSPC: no space left on device, write)\n']);
    out.write('{"n":4}\n');
    out.flush();
    expect(written).toEqual(['{"n":4}\n']);
    expect(reports[1]).toBe('log lines written again, after 3 dropped line(s)\n');
    failures = 1;
    out.write('{"n":5}\n');
    out.flush();
    out.write('{"n":6}\n');
    out.flush();
    expect(reports).toHaveLength(4); // a new episode: reported again, and its end
    expect(written).toEqual(['{"n":4}\n', '{"n":6}\n']);
  });

  it('a failure that cuts a line short ends it with a newline before the next lines: none is spliced onto it', () => {
    const out: Buffer[] = [];
    let call = 0;
    const writeSync = (_fd: number, data: string | Buffer) => {
      call++;
      const bytes = Buffer.from(data);
      if (call === 1) {
        out.push(bytes.subarray(0, 5)); // the reader took 5 bytes, then the descriptor failed
        return 5;
      }
      if (call === 2 || call === 3) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      out.push(bytes);
      return bytes.length;
    };
    const sink = new StdoutPerTurn(99, { writeSync, report: () => undefined });
    sink.write('{"n":1,"pad":"xxxx"}\n');
    sink.flush(); // 5 bytes out, the rest waits
    sink.flush(); // the rest fails: dropped
    sink.write('{"n":2}\n');
    sink.flush(); // fails too: still in the middle of line 1
    sink.write('{"n":3}\n');
    sink.flush();
    expect(Buffer.concat(out).toString()).toBe('{"n":\n{"n":3}\n');
  });

  it('writeLinesTo (a worker whose primary is gone): each line its own write to the new descriptor, at once, with what the old one did not take', () => {
    const calls: Array<{ fd: number; text: string }> = [];
    let refuse = true;
    const writeSync = (fd: number, data: string | Buffer) => {
      const text = Buffer.from(data).toString();
      if (fd === 7 && refuse) throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, write'), { code: 'EAGAIN' });
      calls.push({ fd, text });
      return Buffer.byteLength(text);
    };
    const sink = new StdoutPerTurn(7, { writeSync, report: () => undefined });
    sink.write('{"n":1}\n');
    sink.write('{"n":2}\n');
    sink.flush(); // the old descriptor's reader is gone: both lines wait
    refuse = false;
    sink.writeLinesTo(9);
    sink.write('{"n":3}\n'); // written at once, not at the end of the turn
    expect(calls).toEqual([
      { fd: 9, text: '{"n":1}\n' },
      { fd: 9, text: '{"n":2}\n' },
      { fd: 9, text: '{"n":3}\n' },
    ]);
  });

  it('a real descriptor that fails (/dev/full) never throws into the caller and reports once', () => {
    const fd = fs.openSync('/dev/full', 'w');
    opened.push(fd);
    const reports: string[] = [];
    const out = new StdoutPerTurn(fd, { report: (text) => void reports.push(text) });
    for (let i = 0; i < 3; i++) {
      out.write('{"lost":true}\n');
      expect(() => out.flush()).not.toThrow();
    }
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/ENOSPC/);
  });

  it('writes the lines logged by exit listeners that run after its own (built logger, real stdout)', () => {
    const script = `
      const { createLogger } = require('./dist/lifecycle/logger');
      const logger = createLogger('info');
      logger.info('before exit');
      process.on('exit', (code) => logger.info({ code }, 'from a later exit listener'));
      process.on('exit', () => logger.info('and the one after it'));
      process.exitCode = 4;
    `;
    const result = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(4);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; code?: number });
    expect(lines.map((l) => l.msg)).toEqual(['before exit', 'from a later exit listener', 'and the one after it']);
    expect(lines[1]?.code).toBe(4);
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
