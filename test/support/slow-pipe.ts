import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * A real pipe (a FIFO: same PIPE_BUF atomicity and capacity as `|` in a shell, unlike the socket pair Node gives a
 * child for `stdio: 'pipe'`), opened at both ends. Non-blocking ends for a unit test that reads with readSync; blocking
 * ends (opened together in the thread pool) for a child's stdout read with `readSlowly`.
 */
export async function openFifo(options: { nonBlocking?: boolean } = {}): Promise<{ path: string; readFd: number; writeFd: number }> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fifo-')), 'pipe');
  execFileSync('mkfifo', [file]);
  if (options.nonBlocking) {
    const readFd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const writeFd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    return { path: file, readFd, writeFd };
  }
  // Plain descriptors (not FileHandles, which close themselves when collected); each open waits for the other end.
  const [readFd, writeFd] = await Promise.all([promisify(fs.open)(file, 'r'), promisify(fs.open)(file, 'w')]);
  return { path: file, readFd, writeFd };
}

/**
 * Reads `fd` (a blocking pipe) as a slow log shipper would: small reads with a pause after each, so that the pipe
 * stays full and writers meet it full. `onLine` gets each complete line as it arrives; resolves at end of file with
 * everything read.
 */
export async function readSlowly(fd: number, onLine: (line: string) => void = () => undefined, readBytes = 1024): Promise<string> {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(readBytes);
  let partial = '';
  const decoder = new TextDecoder();
  for (;;) {
    const n = await new Promise<number>((resolve, reject) => fs.read(fd, buffer, 0, readBytes, null, (err, bytes) => (err ? reject(err) : resolve(bytes))));
    if (n === 0) break;
    const bytes = Buffer.from(buffer.subarray(0, n));
    chunks.push(bytes);
    partial += decoder.decode(bytes, { stream: true });
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
    await new Promise((r) => setTimeout(r, 1));
  }
  fs.closeSync(fd);
  return Buffer.concat(chunks).toString();
}
