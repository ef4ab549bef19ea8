import cluster from 'node:cluster';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { WholeLines } from '../lifecycle/whole-lines';

/** Where the relayed lines go: the primary's own stdout writer (`StdoutPerTurn`), so its lines and theirs never mix. */
export interface LineSink {
  write(lines: string): void;
  /** Chars waiting because stdout's reader does not keep up. */
  readonly backlog: number;
  onceDrained(listener: () => void): void;
}

/** Past this backlog on the real stdout, a worker's pipe is no longer read: the backpressure reaches the worker. */
const PAUSE_BACKLOG_CHARS = 1024 * 1024;
const READ_BYTES = 64 * 1024;
/**
 * The group's real stdout, as a worker sees it: the primary passes its own fd 1 on as the worker's fd 4 (after stdin,
 * the pipe, stderr and the IPC channel), for the worker to write to itself once the primary is gone.
 */
export const WORKER_GROUP_STDOUT_FD = 4;

/** Where a worker's lines go once its primary is gone (`StdoutPerTurn.writeLinesTo`). */
export interface RedirectableSink {
  writeLinesTo(fd: number): void;
}

/**
 * In a worker: when the primary is gone (killed, crashed), nobody reads the worker's stdout pipe any more; the lines
 * the worker still logs while it drains (its shutdown, the access log's last flush) go straight to the group's
 * stdout instead, one write(2) per line (whole up to PIPE_BUF, however many workers write at once). Register it
 * before the listener that starts the shutdown, so that the shutdown's lines go there too.
 */
export function writeToGroupStdoutWhenPrimaryGone(out: RedirectableSink, channel: NodeJS.Process = process): void {
  channel.once('disconnect', () => {
    try {
      fs.fstatSync(WORKER_GROUP_STDOUT_FD); // forked by a primary that relays (it always is): the fd is there
    } catch {
      return;
    }
    out.writeLinesTo(WORKER_GROUP_STDOUT_FD);
  });
}

/**
 * Makes the primary the only writer of the group's stdout. A write(2) to a pipe is atomic only up to PIPE_BUF
 * (4096 bytes); workers that shared the primary's stdout and wrote a turn's lines at once (or one line longer than
 * that) had their lines spliced into each other whenever the reader was slow. So every worker gets a pipe of its own
 * for stdout (stderr stays shared: it is for humans), and the primary passes on each worker's bytes cut at the last
 * newline it has read, so that it only ever writes whole lines, of any length; an unfinished line waits for its
 * newline. What a worker wrote before it died is in its pipe and is passed on too: when it exits (and at the latest
 * when the primary exits) its pipe is read to the end synchronously. A worker's last line cut short by its death (no
 * newline) goes to stderr, not stdout.
 *
 * Call before the first fork, and before the primary's own `exit` listener on the cluster.
 */
export function relayWorkerStdout(out: LineSink, report: (text: string) => void = (text) => void process.stderr.write(text)): void {
  cluster.setupPrimary({ stdio: ['inherit', 'pipe', 'inherit', 'ipc', 1] });
  const open = new Map<number, WorkerPipe>(); // by worker id
  cluster.on('fork', (worker) => {
    const stream = worker.process.stdout;
    if (!stream) return;
    open.set(worker.id, new WorkerPipe(stream, worker.process.pid, out, report, () => open.delete(worker.id)));
  });
  // A worker's last lines come before what the primary logs about its end (this listener runs before the primary's).
  cluster.on('exit', (worker) => open.get(worker.id)?.readToEndSync());
  process.on('exit', () => {
    for (const pipe of open.values()) pipe.readToEndSync();
  });
}

class WorkerPipe {
  private readonly lines = new WholeLines();
  private ended = false;

  constructor(
    private readonly stream: Readable,
    private readonly pid: number | undefined,
    private readonly out: LineSink,
    private readonly report: (text: string) => void,
    private readonly onEnd: () => void,
  ) {
    stream.on('data', (chunk: Buffer) => this.relay(chunk));
    stream.once('end', () => this.end());
    stream.once('close', () => this.end());
    // A read error ends the pipe like its end would; there is nothing else to do with it.
    stream.on('error', () => this.end());
  }

  /** What is buffered in the stream and in the pipe, read now (the worker has exited, or the primary is exiting). */
  readToEndSync(): void {
    if (this.ended) return;
    // What the stream holds (paused while stdout lagged): read() hands each chunk to the 'data' listener, relay().
    while (this.stream.read() !== null);
    const fd = (this.stream as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (typeof fd === 'number' && fd >= 0) {
      const buffer = Buffer.allocUnsafe(READ_BYTES);
      for (;;) {
        let n: number;
        try {
          n = fs.readSync(fd, buffer);
        } catch {
          break; // EAGAIN: a worker still running has written nothing more
        }
        if (n === 0) break;
        this.relay(Buffer.from(buffer.subarray(0, n)));
      }
    }
    this.end();
  }

  private relay(chunk: Buffer): void {
    const whole = this.lines.push(chunk, (bytes) => this.report(`worker ${this.pid}: a log line over ${bytes} bytes without a newline was dropped\n`));
    if (whole === '') return;
    this.out.write(whole);
    if (this.out.backlog > PAUSE_BACKLOG_CHARS && !this.stream.isPaused()) {
      this.stream.pause();
      this.out.onceDrained(() => this.stream.resume());
    }
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
    const rest = this.lines.end();
    if (rest.length > 0) this.report(`worker ${this.pid}: its output ended in the middle of a line (${rest.length} bytes, not relayed to stdout): ${rest.toString()}\n`);
  }
}
