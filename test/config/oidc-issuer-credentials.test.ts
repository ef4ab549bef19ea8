import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

/**
 * Hostile review: OIDC_ISSUER with credentials (`https://user:password@idp/…`) is rightly refused, but the message —
 * which main.ts prints and log shippers keep — repeats the URL verbatim, password included. DATABASE_URL is shown
 * redacted in the same situation; a secret pasted into the wrong variable should not end up in the logs either.
 */
function messageOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('OIDC_ISSUER with credentials', () => {
  it('is refused naming the variable, without showing the password', () => {
    const message = messageOf({ OIDC_ISSUER: 'https://svc-account:S3cr3t-Pa55word@login.example.org/realms/main', OIDC_AUDIENCE: 'catalogue' });
    expect(message).toMatch(/OIDC_ISSUER: expected a URL without query, fragment or credentials/);
    expect(message).not.toContain('S3cr3t-Pa55word');
  });
});
