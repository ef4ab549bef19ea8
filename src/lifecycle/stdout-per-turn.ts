import fs from 'node:fs';
import type pino from 'pino';

/** A turn that logs more than this writes what it has at once rather than holding it all until the turn ends. */
const MAX_PENDING_CHARS = 64 * 1024;
/**
 * While the reader does not keep up (EAGAIN), lines wait in memory up to this much; lines beyond it are dropped
 * (and counted) rather than letting a stuck log shipper grow the heap without bound.
 */
const MAX_BACKLOG_CHARS = 8 * 1024 * 1024;
/** How soon a write the reader refused (EAGAIN) is tried again. */
const RETRY_MS = 10;
/** Once the process is exiting, a reader that does not take the last lines is waited for this long in all. */
const EXIT_WAIT_MS = 5000;

export interface StdoutPerTurnOptions {
  /** The system call (fs.writeSync); replaceable only so that a unit test can make it fail on cue. */
  writeSync?: (fd: number, data: string | Buffer) => number;
  /** Where failures are reported (stderr). */
  report?: (text: string) => void;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number) => Atomics.wait(sleepCell, 0, 0, ms);

/**
 * Log lines to a file descriptor (stdout), written once per event-loop turn: the lines a turn produces (a busy
 * process answers several requests per turn, each with a request line) leave in one `write(2)` when the turn ends.
 *
 * Why: on this service's request path a system call is the dearest thing a line costs — a no-op request with one
 * synchronous write per line cost 22 % more CPU than without the line, 4 % with the line written per turn (bare Koa,
 * same run). pino's asynchronous stream costs more CPU per line still (its thread-pool hand-off), and its buffered
 * mode (`minLength`) holds lines back until the buffer fills or a timer fires; here a line waits at most until the end
 * of the turn that wrote it, so nothing shows up late.
 *
 * A write can be larger than PIPE_BUF, so the process must be the only writer of its descriptor: a worker group's
 * workers each write to a pipe of their own, which the primary relays line by line (`cluster/worker-log-relay.ts`).
 *
 * Failures never take the service down nor silence it for good:
 * - a reader that does not keep up (EAGAIN, a partial write) is backpressure, not a failure: the rest waits and is
 *   tried again shortly, without blocking the event loop; only lines beyond MAX_BACKLOG_CHARS are dropped;
 * - any other error (ENOSPC, EPIPE, EBADF…): what could not be written is dropped; the next lines are tried as usual
 *   (after a newline if the failure cut a line, so that no later line is spliced onto its start).
 * A failure episode (lines dropped) is reported once on stderr when it starts, and with how many lines it dropped
 * when the next write succeeds.
 * When the process exits (also on an uncaught exception), what is pending is written synchronously, and so is every
 * line logged after that (by `exit` listeners that run after this one), waiting up to EXIT_WAIT_MS for a slow reader.
 */
export class StdoutPerTurn implements pino.DestinationStream {
  /** Lines not yet handed to write(2). */
  private pending = '';
  /** The unwritten rest of a chunk the reader took only part of: it goes out before `pending`. */
  private rest: Buffer | undefined;
  /** Part of the line `rest` starts with has been written already. */
  private restStartsMidLine = false;
  /** Whole lines dropped in the current failure episode. */
  private dropped = 0;
  /** The error of the current failure episode (reported when it started), if one is under way. */
  private episode: string | undefined;
  /** A dropped rest ended mid-line: the next write starts with a newline, so no later line is spliced onto it. */
  private midLine = false;
  private scheduled = false;
  private retry: NodeJS.Timeout | undefined;
  private exiting = false;
  private exitDeadline = 0;
  /** Set by `writeLinesTo`: every line its own write(2), as soon as it is logged. */
  private perLine = false;
  private readonly drainedListeners: Array<() => void> = [];
  private readonly writeSync: (fd: number, data: string | Buffer) => number;
  private readonly report: (text: string) => void;
  private readonly flushTurn = (): void => {
    this.scheduled = false;
    this.flush();
  };
  private readonly retryNow = (): void => {
    this.retry = undefined;
    this.flush();
  };

  constructor(
    private fd = 1,
    options: StdoutPerTurnOptions = {},
  ) {
    this.writeSync = options.writeSync ?? ((target, data) => (typeof data === 'string' ? fs.writeSync(target, data) : fs.writeSync(target, data)));
    this.report = options.report ?? ((text) => void process.stderr.write(text));
    process.on('exit', () => {
      this.exiting = true;
      this.exitDeadline = Date.now() + EXIT_WAIT_MS;
      this.flush();
    });
  }

  /** Chars waiting because the reader does not keep up (0 when it does). */
  get backlog(): number {
    return this.retry === undefined ? 0 : this.pending.length + (this.rest?.length ?? 0);
  }

  /** `listener` runs once when the backlog has been written (at once if there is none). */
  onceDrained(listener: () => void): void {
    if (this.backlog === 0) listener();
    else this.drainedListeners.push(listener);
  }

  /** Takes one or more whole lines. */
  write(lines: string): void {
    if (this.retry !== undefined && this.pending.length >= MAX_BACKLOG_CHARS) {
      this.startEpisode(`the reader does not keep up (over ${MAX_BACKLOG_CHARS} chars wait)`);
      this.dropped += countLines(lines);
      return;
    }
    this.pending += lines;
    if (this.exiting || this.perLine) this.flush();
    else if (this.retry !== undefined) return; // the retry writes it
    else if (this.pending.length >= MAX_PENDING_CHARS) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushTurn);
    }
  }

  /**
   * From now on writes to `fd`, which other processes write too (a worker whose primary, the relay of its pipe, is
   * gone writes to the group's stdout itself): one write(2) per line, at once, since a write of at most PIPE_BUF
   * bytes to a pipe is never interleaved with another process's (a longer line may be). What the old descriptor did
   * not take is written there, line by line.
   */
  writeLinesTo(fd: number): void {
    if (this.rest !== undefined) {
      // Lines the old descriptor did not take; a line it took the start of is not repeated.
      const text = this.rest.toString();
      const from = this.restStartsMidLine ? text.indexOf('\n') + 1 : 0;
      this.pending = text.slice(from) + this.pending;
      this.rest = undefined;
    }
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
    this.fd = fd;
    this.perLine = true;
    this.midLine = false;
    this.flush();
  }

  /** Writes what is pending now (synchronously); `logger.flush(cb)` lands here and gets its callback. */
  flush(done?: () => void): void {
    this.writePending();
    done?.();
  }

  private writePending(): void {
    let wrote = false;
    for (;;) {
      if (this.rest === undefined) {
        if (this.pending === '') break;
        // Per line: up to and including the first newline (pino hands over one line per call anyway).
        const cut = this.perLine ? this.pending.indexOf('\n') + 1 : 0;
        const lines = cut > 0 ? this.pending.slice(0, cut) : this.pending;
        const chunk = this.midLine ? `\n${lines}` : lines;
        this.pending = cut > 0 ? this.pending.slice(cut) : '';
        const outcome = this.attempt(chunk);
        if (outcome === 'written') {
          this.midLine = false;
          wrote = true;
          continue;
        }
        if (outcome === 'dropped') {
          this.dropped += countLines(lines); // and the output is still mid-line if it was
          continue;
        }
        this.midLine = false; // the newline is in `rest` now
      } else {
        const outcome = this.attempt(this.rest);
        if (outcome === 'written') {
          this.rest = undefined;
          wrote = true;
          continue;
        }
        if (outcome === 'dropped') {
          this.dropped += countLines(this.rest.toString());
          this.midLine = this.restStartsMidLine;
          this.rest = undefined;
          continue;
        }
      }
      // The reader does not take more now.
      if (this.exiting && Date.now() < this.exitDeadline) {
        sleep(1);
        continue;
      }
      if (this.exiting) {
        this.dropBacklog();
        break;
      }
      this.retry ??= setTimeout(this.retryNow, RETRY_MS).unref();
      return;
    }
    if (this.retry !== undefined) {
      clearTimeout(this.retry);
      this.retry = undefined;
    }
    if (this.episode !== undefined && wrote) {
      this.report(`log lines written again, after ${this.dropped} dropped line(s)\n`);
      this.episode = undefined;
      this.dropped = 0;
    }
    for (const listener of this.drainedListeners.splice(0)) listener();
  }

  /**
   * One write(2) of `data`. 'written': all of it; 'blocked': the reader took part or none of it (EAGAIN), the rest is
   * in `this.rest`; 'dropped': a failure other than EAGAIN, reported.
   */
  private attempt(data: string | Buffer): 'written' | 'blocked' | 'dropped' {
    let written: number;
    try {
      written = this.writeSync(this.fd, data);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // The reader is slower than we write: backpressure, not a failure; the lines wait.
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
        if (typeof data === 'string') {
          this.rest = Buffer.from(data);
          this.restStartsMidLine = false;
        }
        return 'blocked';
      }
      this.startEpisode(`writing them failed (${(err as Error).message})`);
      return 'dropped';
    }
    const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (written >= length) return 'written';
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    this.rest = bytes.subarray(written);
    if (written > 0) this.restStartsMidLine = bytes[written - 1] !== 0x0a;
    else if (typeof data === 'string') this.restStartsMidLine = false;
    return 'blocked';
  }

  private startEpisode(what: string): void {
    if (this.episode !== undefined) return;
    this.episode = what;
    this.report(`log lines dropped: ${what}\n`);
  }

  private dropBacklog(): void {
    const lost = this.pending + (this.rest?.toString() ?? '');
    this.report(`log lines dropped: ${countLines(lost) + this.dropped} line(s) the reader did not take before the process exited\n`);
    this.pending = '';
    this.rest = undefined;
    this.dropped = 0;
    this.episode = undefined;
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

const byFd = new Map<number, StdoutPerTurn>();

/** The one per-turn writer of `fd` in this process: every logger writing there shares its buffer (lines stay in order). */
export function stdoutPerTurn(fd = 1): StdoutPerTurn {
  let stream = byFd.get(fd);
  if (stream === undefined) {
    stream = new StdoutPerTurn(fd);
    byFd.set(fd, stream);
  }
  return stream;
}
