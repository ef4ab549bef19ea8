import { describe, expect, it } from 'vitest';
import { issuerUrlProblem } from '../../src/auth/issuer-url';

describe('issuerUrlProblem', () => {
  it.each(['https://login.example.org/realms/main', 'https://tenant.example.com/', 'http://localhost:8080/realms/x', 'http://127.0.0.1:4000', 'http://[::1]:4000/'])(
    'accepts %s',
    (url) => {
      expect(issuerUrlProblem(url)).toBeUndefined();
    },
  );

  it.each([
    ['http://login.example.org', /https/],
    ['http://127.0.0.2', /https/],
    ['ftp://login.example.org', /https/],
    ['login.example.org', /absolute URL/],
    ['https://login.example.org/?tenant=x', /query/],
    ['https://login.example.org/#x', /fragment/],
    ['https://user:pw@login.example.org/', /credentials/],
  ])('refuses %s', (url, problem) => {
    expect(issuerUrlProblem(url)).toMatch(problem);
  });
});
