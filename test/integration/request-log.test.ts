import { sql } from 'drizzle-orm';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../server/app';
import type { DatabaseHandle } from '../../server/db/client';
import { createLogger, type LogLevel } from '../../server/lib/log';
import { signIn, testConfig } from '../support/app';
import { openTestDatabase } from '../support/database';
import { makeAdmin } from '../support/factories';

jest.setTimeout(30_000);

type Line = Record<string, unknown> & { level: number; msg: string };

let database: DatabaseHandle;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

/** The real app, logging to lines the test reads. */
function appLoggingAt(level: LogLevel): { app: Express; lines: Line[] } {
  const lines: Line[] = [];
  const log = createLogger(level, { write: (l: string) => void lines.push(JSON.parse(l) as Line) });
  return { app: createApp({ config: testConfig(), database, log }), lines };
}

describe('request logging', () => {
  it("puts each request's id on its log lines and answers it in X-Request-Id", async () => {
    const { app, lines } = appLoggingAt('debug');
    const given = await request(app).get('/login').set('X-Request-Id', 'proxy-id-123').expect(200);
    expect(given.headers['x-request-id']).toBe('proxy-id-123');
    expect(lines.filter((l) => l.reqId === 'proxy-id-123')).toEqual([
      expect.objectContaining({ msg: 'request', method: 'GET', url: '/login', status: 200 }),
    ]);

    // Not a plain token (spaces, quotes: made to mislead a log reader): replaced by one of our own.
    const odd = await request(app).get('/no-such-page').set('X-Request-Id', 'not a token; "quoted"').expect(404);
    const own = odd.headers['x-request-id'] as string;
    expect(own).toMatch(/^[0-9a-f]{12}$/);
    expect(lines.filter((l) => l.reqId === own)).toEqual([expect.objectContaining({ status: 404, url: '/no-such-page', level: 30 })]);
    expect(lines.every((l) => typeof l.reqId === 'string')).toBe(true);
  });

  it('shows on the error page of an unhandled error the reference its log line carries', async () => {
    const { app, lines } = appLoggingAt('info');
    const admin = await makeAdmin(database.db);
    const { agent } = await signIn(app, admin.employeeNo, admin.password);
    // A fault nobody anticipated: the audit page's table is gone.
    await database.db.execute(sql`ALTER TABLE audit_log RENAME TO audit_log_away`);
    try {
      const res = await agent.get('/admin/audit').expect(500);
      const reference = res.headers['x-request-id'] as string;
      expect(res.text).toContain(`参照番号 ${reference} をお伝えください`);
      // Internals stay in the log, not on the page.
      expect(res.text).not.toContain('audit_log');
      const logged = lines.filter((l) => l.msg === 'unhandled error');
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ reqId: reference, level: 50, method: 'GET', url: '/admin/audit' });
      expect(JSON.stringify(logged[0]!.err)).toContain('audit_log');
    } finally {
      await database.db.execute(sql`ALTER TABLE audit_log_away RENAME TO audit_log`);
    }
  });

  it("follows the logger's level: a 200 is a debug line, a 4xx an info line", async () => {
    const at = async (level: LogLevel) => {
      const { app, lines } = appLoggingAt(level);
      await request(app).get('/login').expect(200);
      await request(app).get('/no-such-page').expect(404);
      return lines.map((l) => l.status);
    };
    expect(await at('debug')).toEqual([200, 404]);
    expect(await at('info')).toEqual([404]);
    expect(await at('warn')).toEqual([]);
  });
});
