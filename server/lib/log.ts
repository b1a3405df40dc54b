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

/**
 * The process's logger at the configured level: JSON lines when its output goes to a file or a
 * collector, one plain line per event when a person runs `npm start` in a terminal.
 */
export function processLogger(level: LogLevel, out: NodeJS.WriteStream = process.stdout): Logger {
  return createLogger(level, out.isTTY ? terminalDestination(out) : out);
}

/**
 * For the few lines people and scripts watch for when the server starts and stops (listening,
 * courses installed, stopped cleanly): at info even under LOG_LEVEL=warn or error, so a quieter
 * log never hides whether the server is up; nothing under LOG_LEVEL=silent.
 */
export function lifecycleLogger(log: Logger): Logger {
  return log.level === 'silent' || log.level === 'debug' ? log : log.child({}, { level: 'info' });
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** "12:34:56 INFO  message key=value", an error's stack below its line. */
export function terminalDestination(out: NodeJS.WritableStream): pino.DestinationStream {
  return {
    write(line: string) {
      const { level, time, msg, err, ...fields } = JSON.parse(line) as Record<string, unknown>;
      const clock = typeof time === 'string' ? new Date(time).toLocaleTimeString('en-GB', { hour12: false }) : '';
      const name = (LEVEL_NAMES[level as number] ?? String(level)).padEnd(5);
      const extra = Object.entries(fields).map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
      const stack = err && typeof err === 'object' ? `\n${String((err as { stack?: unknown }).stack ?? JSON.stringify(err))}` : '';
      out.write(`${clock} ${name} ${String(msg ?? '')}${extra.join('')}${stack}\n`);
    },
  };
}
