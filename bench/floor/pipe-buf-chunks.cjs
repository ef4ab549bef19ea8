// Bench-only (`npm run bench:floor`, the worker-group log modes), loaded with `node --require` together with
// shared-worker-stdout.cjs: emulates the other candidate design, where each worker writes to the shared stdout in
// writes of at most PIPE_BUF (4096) bytes that end on a line boundary (atomic on a pipe). Every write to fd 1 is cut
// so; a line longer than PIPE_BUF goes out alone (that design cannot make it atomic). Not part of the product.
'use strict';
const fs = require('node:fs');

const PIPE_BUF = 4096;
const writeSync = fs.writeSync;
fs.writeSync = function (fd, data, ...rest) {
  if (fd !== 1) return writeSync.call(fs, fd, data, ...rest);
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  if (bytes.length <= PIPE_BUF) return writeSync.call(fs, fd, bytes);
  let written = 0;
  while (written < bytes.length) {
    let end = Math.min(written + PIPE_BUF, bytes.length);
    if (end < bytes.length) {
      const newline = bytes.lastIndexOf(0x0a, end - 1);
      end = newline >= written ? newline + 1 : bytes.indexOf(0x0a, end) + 1 || bytes.length;
    }
    const n = writeSync.call(fs, fd, bytes.subarray(written, end));
    written += n;
    if (n < end - (written - n)) break; // partial: report what went out, the writer keeps the rest
  }
  return written;
};
