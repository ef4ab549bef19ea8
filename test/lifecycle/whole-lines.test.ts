import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES, WholeLines } from '../../src/lifecycle/whole-lines';

/** `bytes` cut at the given offsets. */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

describe('WholeLines', () => {
  it('however a stream of lines is cut into reads, gives back exactly its whole lines, in order, and keeps the unfinished one', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/\n/g, ' '))), fc.string({ unit: 'binary', maxLength: 10 }).map((s) => s.replace(/\n/g, '')), fc.array(fc.nat()), (lines, unfinished, offsets) => {
        const text = lines.map((l) => `${l}\n`).join('') + unfinished;
        const cutter = new WholeLines();
        const out: string[] = [];
        for (const chunk of cut(Buffer.from(text), offsets)) {
          const whole = cutter.push(chunk);
          // Every piece handed on ends on a line boundary.
          if (whole !== '') expect(whole.endsWith('\n')).toBe(true);
          out.push(whole);
        }
        expect(out.join('')).toBe(lines.map((l) => `${l}\n`).join(''));
        expect(cutter.end().toString()).toBe(unfinished);
      }),
    );
  });

  it('a multi-byte character cut between two reads comes out whole', () => {
    const cutter = new WholeLines();
    const bytes = Buffer.from('{"msg":"é€😀"}\n');
    expect(cutter.push(bytes.subarray(0, 10))).toBe('');
    expect(cutter.push(bytes.subarray(10, 12))).toBe('');
    expect(cutter.push(bytes.subarray(12))).toBe('{"msg":"é€😀"}\n');
  });

  it('drops a line that never ends past its bound, up to its newline, and says so', () => {
    const cutter = new WholeLines();
    const told: number[] = [];
    const big = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i <= MAX_LINE_BYTES / big.length; i++) expect(cutter.push(big, (n) => told.push(n))).toBe('');
    expect(told).toHaveLength(1);
    expect(cutter.push(Buffer.from('xxx\n{"next":1}\n{"tail"'))).toBe('{"next":1}\n');
    expect(cutter.push(Buffer.from(':2}\n'))).toBe('{"tail":2}\n');
  });
});
