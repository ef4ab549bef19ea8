import { describe, expect, it } from 'vitest';
import { bearerCredentialsOf, MAX_TOKEN_LENGTH } from '../../src/auth/bearer-credentials';

describe('bearerCredentialsOf', () => {
  it.each([undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Bearer \t ', 'Bearerabc', 'Token abc', 'Digest username="x"'])(
    '%j carries no bearer token',
    (header) => {
      expect(bearerCredentialsOf(header)).toEqual({ kind: 'none' });
    },
  );

  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['Bearer   abc', 'abc'],
    ['Bearer\tabc', 'abc'],
    ['Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'],
    ['Bearer a-b.c_d~e+f/g==', 'a-b.c_d~e+f/g=='],
  ])('%j carries the token %j', (header, token) => {
    expect(bearerCredentialsOf(header)).toEqual({ kind: 'token', token });
  });

  it.each(['Bearer abc def', 'Bearer abc,def', 'Bearer "abc"', 'Bearer abc=def', 'Bearer é', 'Bearer abc\u0000'])('%j is malformed (not a token68)', (header) => {
    expect(bearerCredentialsOf(header)).toEqual({ kind: 'malformed' });
  });

  it(`takes tokens up to ${MAX_TOKEN_LENGTH} characters, and calls longer ones malformed without looking further`, () => {
    expect(bearerCredentialsOf(`Bearer ${'a'.repeat(MAX_TOKEN_LENGTH)}`).kind).toBe('token');
    expect(bearerCredentialsOf(`Bearer ${'a'.repeat(MAX_TOKEN_LENGTH + 1)}`)).toEqual({ kind: 'malformed' });
  });
});
