import mysql from 'mysql2/promise';

/** Drops the databases a benchmark created, so a run leaves the server as it found it (also after a failure). */
export async function dropDatabases(serverUrl: string, names: string[]): Promise<void> {
  const admin = await mysql.createConnection({ uri: serverUrl });
  try {
    for (const name of names) await admin.query(`DROP DATABASE IF EXISTS \`${name.replace(/`/g, '``')}\``);
  } finally {
    await admin.end();
  }
}
