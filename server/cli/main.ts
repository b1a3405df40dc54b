#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError } from '../config';
import { AppError } from '../lib/errors';
import { processLogger } from '../lib/log';
import { openRuntime } from '../runtime';
import { commands } from './commands';
import { endLaunchesAtSignOut } from '../scorm/content/launches';

const USAGE = `Usage: npm run mamoru -- <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(16)} ${c.summary}${c.usage ? `\n${' '.repeat(19)}${c.usage}` : ''}`)
  .join('\n')}
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${USAGE}`);
    return 1;
  }
  const { values, positionals } = parseArgs({ args: rest, options: command.options ?? {}, allowPositionals: true, strict: true });
  const runtime = await openRuntime();
  // A password set here ends the person's sessions, and with them their course launches.
  endLaunchesAtSignOut(runtime.database.db);
  // Diagnostics go to stderr: stdout is what the operator (or a script) reads, a setup link say.
  const log = processLogger(runtime.config.logLevel, process.stderr).child({ command: name });
  try {
    return await command.run({
      config: runtime.config,
      database: runtime.database,
      log,
      options: values as Record<string, string | boolean | undefined>,
      args: positionals,
    });
  } catch (err) {
    // An expected refusal is said in one line below; anything else also leaves its stack in the log.
    if (!(err instanceof AppError)) log.error({ err }, 'command failed');
    throw err;
  } finally {
    await runtime.database.close();
  }
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error(`Error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
