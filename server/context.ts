import type { Config } from './config';
import type { DatabaseHandle } from './db/client';
import type { Clock } from './lib/dates';
import type { Logger } from './lib/log';

export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  clock?: Clock;
  log?: Logger;
}

/**
 * Everything a feature router needs, passed in rather than imported, so tests build their own.
 * Its own module so that route files depend on this shape, never on the app that wires them.
 */
export interface AppContext {
  config: Config;
  database: DatabaseHandle;
  db: DatabaseHandle['db'];
  clock: Clock;
  log: Logger;
}
