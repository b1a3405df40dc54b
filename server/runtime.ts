import { ensureSessionSecret, loadConfig, type Config } from './config';
import { openDatabase, type DatabaseHandle } from './db/client';
import { processLogger, type Logger } from './lib/log';

/** Config + logger + database + migrations: what both the server and the CLI start with. */
export async function openRuntime(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ config: Config; log: Logger; database: DatabaseHandle }> {
  const config = ensureSessionSecret(loadConfig(env));
  const log = processLogger(config.logLevel);
  const database = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir }, { log });
  await database.migrate();
  return { config, log, database };
}
