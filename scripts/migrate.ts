/** `npm run db:migrate`: creates the database named in DATABASE_URL if needed and applies the migrations. */
import { loadConfig } from '../src/config';
import { Database } from '../src/db';
import { createLogger } from '../src/lifecycle/logger';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger('info');
  const database = new Database({ ...config.database, migrateOnStart: true }, logger);
  await database.startPreparing();
  const ok = database.isReady;
  await database.close();
  if (!ok) {
    logger.error('migration failed');
    process.exit(1);
  }
}

void main();
