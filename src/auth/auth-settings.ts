/** Who may write (POST, PUT, PATCH, DELETE): built from API_WRITE_TOKEN and the OIDC_* variables. */
export interface AuthSettings {
  /** API_WRITE_TOKEN: a static bearer token (for automation); empty when unset. */
  writeToken: string;
  /** OIDC_ISSUER + OIDC_AUDIENCE: bearer JWTs signed by the issuer's keys (for people); undefined when unset. */
  oidc: OidcSettings | undefined;
}

export interface OidcSettings {
  /** The issuer identifier, exactly as the tokens' `iss` and the discovery document's `issuer` spell it. */
  issuer: string;
  /** The `aud` a token must carry. */
  audience: string;
  /** Leeway on `exp` and `nbf` for clocks that disagree. */
  clockToleranceSeconds: number;
  /** Bound of one request to the issuer (discovery document, key set), connect to last byte. */
  httpTimeoutMs: number;
  /** Least time between two key-set fetches caused by tokens naming a key the set does not hold. */
  jwksCooldownMs: number;
}

/** True when writes need a token: either mode is configured. */
export function writesProtected(settings: AuthSettings): boolean {
  return settings.writeToken !== '' || settings.oidc !== undefined;
}
