import { ensureSessionSecret, loadConfig, type Config } from './config';
import { openDatabase, type DatabaseHandle } from './db/client';

/** Config + database + migrations: what both the server and the CLI start with. */
export async function openRuntime(env: NodeJS.ProcessEnv = process.env): Promise<{ config: Config; database: DatabaseHandle }> {
  const config = ensureSessionSecret(loadConfig(env));
  const database = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
  await database.migrate();
  return { config, database };
}
