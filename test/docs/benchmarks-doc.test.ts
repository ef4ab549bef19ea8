import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/spawn-service';

describe('docs/benchmarks.md', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/benchmarks.md'), 'utf8');

  it('speaks of itself only: no issue numbers, no nicknames of machines from other runs', () => {
    expect(doc).not.toMatch(/#\d+\b/);
    expect(doc).not.toMatch(/\b(Intel|AMD) VM\b|previous session|this session/i);
  });

  it('gives every generated section its command and the machine as os.cpus() names it', () => {
    // Every section a bench has written (bench:hostile's once it has run), and at least the long-standing ones.
    const written = [...doc.matchAll(/<!-- ([\w-]+):start -->/g)].map((m) => m[1] as string);
    expect(written).toEqual(expect.arrayContaining(['overhead', 'stats', 'workers', 'floor']));
    for (const section of written) {
      const body = doc.slice(doc.indexOf(`<!-- ${section}:start -->`), doc.indexOf(`<!-- ${section}:end -->`));
      expect(body, section).toMatch(/Command: `[^`]*npm run bench:\w+`/);
      expect(body, section).toMatch(/\d+ × [^,]+, \d+ GiB, Node v\d+/);
    }
  });
});
