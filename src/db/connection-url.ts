/** What a database name may be: it is interpolated into `CREATE DATABASE`, so nothing that needs quoting. */
export const DATABASE_NAME_SYNTAX = /^[A-Za-z0-9_$]{1,64}$/;

/** The database name of a `mysql://` URL (its path, decoded); empty when it cannot be read. */
export function databaseNameOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  } catch {
    return '';
  }
}

/** Splits a `mysql://` URL into the server part and the database name, so the database can be created first. */
export function parseDatabaseUrl(url: string): { serverUrl: string; database: string } {
  const database = databaseNameOf(url);
  if (!DATABASE_NAME_SYNTAX.test(database)) {
    throw new Error(`DATABASE_URL must name a database of letters, digits, _ or $ (got "${database}")`);
  }
  const parsed = new URL(url);
  parsed.pathname = '/';
  return { serverUrl: parsed.toString(), database };
}

/** The URL with its password replaced by `***`, for messages; also a URL that does not parse. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** The password of a `mysql://` URL as the driver will use it (decoded), and as written; empty when none. */
export function databasePasswordForms(url: string): string[] {
  try {
    const raw = new URL(url).password;
    return raw === '' ? [] : [...new Set([raw, decodeURIComponent(raw)])];
  } catch {
    return [];
  }
}
