import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Compares presented tokens with the configured one in constant time: both are hashed first, so the comparison
 * takes the same time whatever their lengths and wherever they differ, and the configured token's length leaks
 * through nothing either.
 */
export function staticTokenMatcher(expected: string): (presented: string) => boolean {
  const expectedDigest = digest(expected);
  return (presented) => timingSafeEqual(digest(presented), expectedDigest);
}
