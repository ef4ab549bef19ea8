/** A line longer than this (a writer that never ends its line) is dropped rather than held without bound. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

const NEWLINE = 0x0a;

/**
 * Cuts a byte stream into whole lines: `push` returns everything up to the last newline seen so far (the lines that
 * are complete) and keeps the rest until its newline arrives. A newline byte never occurs inside a multi-byte UTF-8
 * character, so what it returns decodes exactly.
 */
export class WholeLines {
  private tail: Buffer[] = [];
  private tailBytes = 0;
  /** An over-long line was dropped: its end is dropped too, up to its newline. */
  private skipping = false;

  /** The whole lines completed by `chunk` ('' when none), decoded. `onOverlong` hears of a line too long to keep. */
  push(chunk: Buffer, onOverlong?: (bytes: number) => void): string {
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      if (!this.skipping) this.keep(chunk, onOverlong);
      return '';
    }
    let lines: string;
    if (this.skipping) {
      // The end of an over-long line: drop it up to its newline.
      const first = chunk.indexOf(NEWLINE);
      lines = chunk.toString('utf8', first + 1, last + 1);
      this.skipping = false;
    } else if (this.tailBytes === 0) {
      lines = chunk.toString('utf8', 0, last + 1);
    } else {
      this.tail.push(chunk.subarray(0, last + 1));
      lines = Buffer.concat(this.tail).toString('utf8');
    }
    this.tail = [];
    this.tailBytes = 0;
    if (last + 1 < chunk.length) this.keep(chunk.subarray(last + 1), onOverlong);
    return lines;
  }

  /** The bytes of an unfinished last line (the writer ended without its newline), and forgets them. */
  end(): Buffer {
    const rest = Buffer.concat(this.tail);
    this.tail = [];
    this.tailBytes = 0;
    this.skipping = false;
    return rest;
  }

  private keep(bytes: Buffer, onOverlong?: (bytes: number) => void): void {
    // A chunk is often a view on a pooled read buffer: copy what is kept across reads.
    this.tail.push(Buffer.from(bytes));
    this.tailBytes += bytes.length;
    if (this.tailBytes > MAX_LINE_BYTES) {
      onOverlong?.(this.tailBytes);
      this.tail = [];
      this.tailBytes = 0;
      this.skipping = true;
    }
  }
}
