import pg from 'pg';
import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../../server/db/client';
import { openTestDatabase, usingPostgres } from '../support/database';

jest.setTimeout(60_000);

const onPostgres = usingPostgres();
if (!onPostgres) {
  console.info('database-pool.test.ts: skipped — it needs PostgreSQL (set DATABASE_URL); PGlite has no connection pool.');
}
const postgresOnly = onPostgres ? it : it.skip;

/** Backends connected to one database, counted from outside the app's pool. */
async function backendsOn(database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [database]);
    return rows[0]!.n;
  } finally {
    await admin.end();
  }
}

describe('the PostgreSQL connection pool', () => {
  let database: (DatabaseHandle & { url?: string }) | undefined;

  afterAll(async () => {
    await database?.close();
  });

  // pg-pool closes a connection idle for 10 s by default; at a steady moderate load that made
  // connections come and go, and commits waiting on a new backend took 100+ ms (bench:commit).
  postgresOnly('keeps its connections open while idle instead of reconnecting under the next burst', async () => {
    database = await openTestDatabase();
    const name = new URL(database.url!).pathname.slice(1);
    // The test pool holds 5: five concurrent queries open all of them.
    await Promise.all(Array.from({ length: 5 }, () => database!.db.execute(sql`SELECT pg_sleep(0.2)`)));
    expect(await backendsOn(name)).toBe(5);

    await new Promise((r) => setTimeout(r, 11_000));

    expect(await backendsOn(name)).toBe(5);
    const result = (await database.db.execute(sql`SELECT 1 AS one`)) as unknown as { rows: { one: number }[] };
    expect(result.rows).toEqual([{ one: 1 }]);
  });
});
