import request from 'supertest';
import { createApp, type MamoruApp } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import type { DatabaseHandle } from '../../server/db/client';
import type { Clock } from '../../server/lib/dates';
import { openTestDatabase } from './database';

export interface TestContext {
  /** The app, with the content origin's app as `app.content`. */
  app: MamoruApp;
  database: DatabaseHandle;
  db: DatabaseHandle['db'];
  config: Config;
  close(): Promise<void>;
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
    LOG_LEVEL: 'silent',
    DATA_DIR: '/tmp/mamoru-test-unused',
    ...env,
  });
}

/** A real app on a real (fresh) database. Each test file gets its own; nothing is mocked. */
export async function createTestContext(opts: { env?: Record<string, string>; clock?: Clock } = {}): Promise<TestContext> {
  const database = await openTestDatabase();
  const config = testConfig(opts.env);
  const app = createApp({ config, database, ...(opts.clock ? { clock: opts.clock } : {}) });
  return { app, database, db: database.db, config, close: () => database.close() };
}

/** The CSRF token in a rendered page's forms. */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in page');
  return m[1]!;
}

/** A cookie-keeping client, signed in, with the page's CSRF token at hand. */
export async function signIn(app: MamoruApp | Parameters<typeof request.agent>[0], identifier: string, password: string) {
  const agent = request.agent(app);
  const page = await agent.get('/login').expect(200);
  const res = await agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), identifier, password });
  if (res.status !== 303) throw new Error(`login failed for ${identifier}: ${res.status}`);
  const home = await agent.get('/').expect(200);
  return { agent, csrf: csrfFrom(home.text) };
}
