import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config/env-schema';
import { ROOT } from '../support/spawn-service';

describe('README', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const table = readme.split('\n').filter((line) => line.startsWith('| `'));

  it('documents every environment variable the service reads, in the configuration table', () => {
    const documented = new Set(table.flatMap((line) => [...line.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1])));
    for (const name of Object.keys(envSchema.shape)) expect(documented.has(name), name).toBe(true);
  });

  it('states the default the schema applies, for every variable with a plain default', () => {
    const defaults = envSchema.parse({}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(defaults)) {
      if (typeof value !== 'number' && typeof value !== 'boolean') continue;
      const row = table.find((line) => line.startsWith(`| \`${name}\``));
      expect(row, name).toBeDefined();
      expect(row?.split('|')[2]?.trim(), name).toBe(`\`${value}\``);
    }
  });
});
