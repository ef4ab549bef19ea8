import { AppError } from '../../src/errors/app-error';

/** The AppError `fn` throws; fails the test when it throws nothing or something else. */
export function appErrorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}
