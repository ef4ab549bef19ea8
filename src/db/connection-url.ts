/** Splits a `mysql://` URL into the server part and the database name, so the database can be created first. */
export function parseDatabaseUrl(url: string): { serverUrl: string; database: string } {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_$]{1,64}$/.test(database)) {
    throw new Error(`DATABASE_URL must name a database of letters, digits, _ or $ (got "${database}")`);
  }
  parsed.pathname = '/';
  return { serverUrl: parsed.toString(), database };
}
