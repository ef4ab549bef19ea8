/** Hosts an OIDC issuer or its key set may be reached at over plain http: this machine only (tests, local IdPs). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Why `raw` cannot be an issuer (or key-set) URL, or undefined when it can: an absolute https URL without query or
 * fragment, or http on a loopback host. Keys fetched over plain http from elsewhere could be swapped by anyone on the
 * path, and every token they "verify" with them.
 */
export function issuerUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'expected an absolute URL such as https://login.example.org/realms/main';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    return 'expected an https URL (http only for localhost, 127.0.0.1 or [::1])';
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    return 'expected a URL without query, fragment or credentials';
  }
  return undefined;
}
