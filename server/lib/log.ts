import pino from 'pino';

export type Logger = pino.Logger;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * The app's one logger: JSON lines (one per event, with a request id on every line a request
 * causes), so a hospital's log collector can search them. Children carry their context
 * (`log.child({ reqId })`, `{ component: 'worker' }`).
 */
export function createLogger(level: LogLevel = 'info', destination?: pino.DestinationStream): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** For code that runs before config is read and for tests that want quiet. */
export const silentLogger: Logger = createLogger('silent');
