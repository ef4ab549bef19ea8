import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { configProblems } from '../support/config-problems';

/**
 * Hostile review of the new settings: a value that is not what the operator meant must stop startup with a message
 * naming the variable, never silently become another valid setting.
 */
const problemsOf = configProblems;

describe('native-histogram and semantic-convention settings', () => {
  it('does not read a blank METRICS_NATIVE_HISTOGRAM_SCHEMA as schema 0 (8× coarser than the default)', () => {
    // Number(' ') is 0: z.coerce.number() accepts whitespace as the valid schema 0, while '' means "default".
    for (const blank of [' ', '  ', '\t']) {
      const problems = problemsOf({ METRICS_NATIVE_HISTOGRAM_SCHEMA: blank });
      if (problems.length > 0) expect(problems.join('\n')).toMatch(/METRICS_NATIVE_HISTOGRAM_SCHEMA/);
      else expect(loadConfig({ METRICS_NATIVE_HISTOGRAM_SCHEMA: blank }).metrics.nativeHistogram?.schema, JSON.stringify(blank)).toBe(3);
    }
  });

  // The brief's contract: a bad OTEL_SEMCONV_STABILITY_OPT_IN stops startup naming the variable. Tokens of the http
  // domain that are neither `http` nor `http/dup` are typos, and today silently keep the old names.
  it.each(['http/dupe', 'http/stable', 'http/duplicate'])('rejects the http-domain typo %j naming the variable', (value) => {
    expect(problemsOf({ OTEL_SEMCONV_STABILITY_OPT_IN: value }).join('\n')).toMatch(/OTEL_SEMCONV_STABILITY_OPT_IN/);
  });
});
