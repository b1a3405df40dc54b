import request from 'supertest';
import { createApp } from '../../server/app';
import type { DatabaseHandle } from '../../server/db/client';
import { signIn, testConfig } from '../support/app';
import { openTestDatabase, usingPostgres } from '../support/database';
import { makeAdmin } from '../support/factories';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

// Each file opens its own database; on a busy 2-core machine that can outlast jest's 5 s default.
jest.setTimeout(30_000);

const onPostgres = usingPostgres();
if (!onPostgres) {
  console.info(
    'database-outage.test.ts: skipped — it needs PostgreSQL (set DATABASE_URL); PGlite runs in-process and cannot lose its connection.',
  );
}
const postgresOnly = onPostgres ? it : it.skip;

describe('a database that goes away and comes back', () => {
  let proxy: TcpProxy | undefined;
  let database: DatabaseHandle | undefined;
  const warnings: string[] = [];
  let warnSpy: jest.SpyInstance | undefined;

  afterAll(async () => {
    await database?.close();
    await proxy?.close();
    warnSpy?.mockRestore();
  });

  postgresOnly('answers 503 with a clear message while it is gone, and recovers without a restart', async () => {
    // The pool's idle-connection handler reports lost connections; keep them out of the test output.
    warnSpy = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      warnings.push(args.map(String).join(' '));
    });
    const server = new URL(process.env.DATABASE_URL!);
    proxy = await startTcpProxy({ host: server.hostname || '127.0.0.1', port: Number(server.port || 5432) });
    database = await openTestDatabase({ via: { host: proxy.host, port: proxy.port } });
    const app = createApp({ config: testConfig({ LOGIN_RATE_LIMIT_PER_15MIN: '1000' }), database });

    const admin = await makeAdmin(database.db);
    const { agent } = await signIn(app, admin.employeeNo, admin.password);
    await agent.get('/staff').expect(200);
    await request(app).get('/healthz').expect(200);

    await proxy.cut();

    const down = await agent.get('/staff');
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(down.text).toContain('データベースに一時的に接続できません');
    const api = await agent.get('/staff').set('Accept', 'application/json');
    expect(api.status).toBe(503);
    expect(api.body).toEqual({
      error: { code: 'database_unavailable', message: expect.stringContaining('データベースに一時的に接続できません') },
    });
    const health = await request(app).get('/healthz');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'unavailable', database: 'postgres' });
    // a second time: nothing cached a broken state or crashed
    expect((await agent.get('/staff')).status).toBe(503);

    await proxy.restore();

    const back = await agent.get('/staff');
    expect(back.status).toBe(200);
    expect(back.text).toContain(admin.name); // still signed in: the session lives in the database
    await request(app).get('/healthz').expect(200);
  });
});
