import type { Server } from 'node:http';
import { createApp } from './app';
import { issueSetupLinkIfNeeded } from './auth/service';
import { ConfigError } from './config';
import { lifecycleLogger } from './lib/log';
import { jobHandlers } from './outbox/handlers';
import { createWorker } from './outbox/worker';
import { openRuntime } from './runtime';
import { describeOutcome, installBuiltinCourses } from './scorm/courses/builtin';

async function main() {
  const started = Date.now();
  const { config, log, database } = await openRuntime();
  const lifecycle = lifecycleLogger(log);
  const app = createApp({ config, database, log });
  // Two listeners, one process: the app, and course content on its own origin (server/scorm/content/).
  const server: Server = app.listen(config.port, config.host);
  const contentServer: Server = app.content.listen(config.contentPort, config.host);
  await Promise.all(
    [server, contentServer].map(
      (s) =>
        new Promise<void>((resolve, reject) => {
          s.once('listening', resolve);
          s.once('error', reject);
        }),
    ),
  );

  const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`;
  const contentAt = config.contentBaseUrl ?? `port ${config.contentPort} of the same host name`;
  lifecycle.info(
    `Mamoru is listening on ${config.baseUrl} (course content: ${contentAt}) — database: ${where} — ready in ${Date.now() - started} ms`,
  );

  // One host name for both: the browser keeps cookies per host, not per port, so a package's
  // script can set cookies the app then receives (README: "The content origin"). Fine for a
  // trial; a hospital's deployment gives the content its own host name.
  const contentHost = config.contentBaseUrl ? new URL(config.contentBaseUrl).hostname : new URL(config.baseUrl).hostname;
  if (contentHost === new URL(config.baseUrl).hostname) {
    log.warn(
      { appHost: contentHost },
      'course content is served on the same host name as the app (another port): give it a host name of its own (CONTENT_BASE_URL) before real use',
    );
  }

  const worker = createWorker(database.db, {
    handlers: jobHandlers({ config, database, log }),
    log: log.child({ component: 'worker' }),
    pollMs: config.workerPollMs,
  });
  worker.start();

  // Signals are handled from the moment the server listens, so a stop is always graceful.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    lifecycle.info({ signal }, 'Stopping: finishing in-flight requests and jobs…');
    // Stop accepting, let open requests and the job in flight finish, then close the database.
    const requestsDone = Promise.all(
      [server, contentServer].map((s) => {
        const closed = new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeIdleConnections();
        return closed;
      }),
    );
    Promise.all([requestsDone, worker.stop()])
      .then(() => database.close())
      .then(() => {
        lifecycle.info('Stopped cleanly.');
        process.exit(0);
      })
      .catch((err: unknown) => {
        log.error({ err }, 'error while stopping');
        process.exit(1);
      });
    setTimeout(() => {
      log.error('requests or jobs did not finish within 20 s; exiting');
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
      // Printed plainly, whatever the log format: a person copies this link from the terminal.
      console.log('\nNo administrator yet. Open this one-time link to create the first one (valid 24 hours):');
      console.log(`\n    ${config.baseUrl}/setup/${setupToken}\n`);
    }
    for (const o of await installBuiltinCourses(database.db, new Date())) {
      if (o.status === 'failed') log.error({ course: o.slug }, describeOutcome(o));
      else lifecycle.info({ course: o.slug }, describeOutcome(o));
    }
  } catch (err) {
    if (!stopping) log.error({ err }, 'a start-up task failed (the app keeps running)');
  }
}

main().catch((err: unknown) => {
  // Before (or while) the logger exists: plain stderr, which is what a person starting it reads.
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    console.error('Mamoru could not start:', err);
  }
  process.exit(1);
});
