import type { z } from 'zod';
import { AppError } from '../errors/app-error';

/**
 * A whole-number query parameter: `fallback` when absent or empty, otherwise digits only within [min, max]; a 400
 * naming the parameter otherwise (also for a parameter given twice, which arrives as an array).
 */
export function parseIntParam(name: string, raw: unknown, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw AppError.badRequest(`${name} must be an integer from ${min} to ${max}`, { parameter: name });
  }
  return value;
}

/** A whole-number query parameter as declared: `z.int().min(a).max(b).default(c)`, which the OpenAPI document renders. */
export type IntParamSchema = z.ZodDefault<z.ZodNumber>;

/** The bounds and default of a declared whole-number parameter. */
export function intParamBounds(schema: IntParamSchema): { min: number; max: number; default: number } {
  const inner = schema.unwrap();
  const { minValue: min, maxValue: max } = inner;
  const fallback = schema.def.defaultValue;
  if (min === null || max === null || !Number.isSafeInteger(min) || !Number.isSafeInteger(max) || typeof fallback !== 'number') {
    throw new Error('an integer parameter needs whole-number bounds and a default');
  }
  return { min, max, default: fallback };
}

/**
 * The parser of a declared whole-number parameter: the bounds are read from its zod schema once, here, so the route
 * and the OpenAPI document cannot disagree, while a request pays only `parseIntParam` (no zod parse per request).
 */
export function intParamReader(name: string, schema: IntParamSchema): (raw: unknown) => number {
  const { min, max, default: fallback } = intParamBounds(schema);
  return (raw) => parseIntParam(name, raw, fallback, min, max);
}
