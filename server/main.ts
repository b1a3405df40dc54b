import type { Server } from 'node:http';
import { createApp } from './app';
import { issueSetupLinkIfNeeded } from './auth/service';
import { ConfigError } from './config';
import { openRuntime } from './runtime';
import { describeOutcome, installBuiltinCourses } from './scorm/courses/builtin';

async function main() {
  const started = Date.now();
  const { config, database } = await openRuntime();
  const app = createApp({ config, database });
  const server: Server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });

  const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`;
  console.log(`Mamoru is listening on ${config.baseUrl} — database: ${where} — ready in ${Date.now() - started} ms`);

  // Signals are handled from the moment the server listens, so a stop is always graceful.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing in-flight requests…`);
    // Stop accepting, let open requests finish, then close the database cleanly.
    server.close(() => {
      database
        .close()
        .then(() => {
          console.log('Stopped cleanly.');
          process.exit(0);
        })
        .catch((err: unknown) => {
          console.error('Error while closing the database:', err);
          process.exit(1);
        });
    });
    server.closeIdleConnections();
    setTimeout(() => {
      console.error('Requests did not finish within 20 s; exiting.');
      process.exit(1);
    }, 20_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  // Start-up tasks after listening (migrations ran in openRuntime). A broken course source must
  // never stop the app, and a stop during these tasks is not an error.
  try {
    const setupToken = await issueSetupLinkIfNeeded(database.db, new Date());
    if (setupToken) {
      console.log('\nNo administrator yet. Open this one-time link to create the first one (valid 24 hours):');
      console.log(`\n    ${config.baseUrl}/setup/${setupToken}\n`);
    }
    for (const o of await installBuiltinCourses(database.db, new Date())) (o.status === 'failed' ? console.error : console.log)(describeOutcome(o));
  } catch (err) {
    if (!stopping) console.error('A start-up task failed (the app keeps running):', err);
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    console.error('Mamoru could not start:', err);
  }
  process.exit(1);
});
