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
