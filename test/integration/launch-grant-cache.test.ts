/**
 * Launch grants are cached a few seconds per instance. Grants read in the same instant (a class
 * that launched together) must not all expire in the same instant: each lives between half and
 * all of the 5 s TTL, and never beyond it. Observed through tokens ended behind the cache's back
 * (as another instance would end them): a cached grant still opens, a reloaded one does not.
 */
import { sql } from 'drizzle-orm';
import { issueLaunchToken, resolveLaunch } from '../../server/scorm/content/launches';
import { createTestContext, type TestContext } from '../support/app';
import { makeAttempt, makeCourseVersion, makeStaff } from '../support/factories';

jest.setTimeout(60_000);

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

it('lets grants read together expire at different times, none before 2.5 s and all by 5 s', async () => {
  const t0 = new Date('2026-12-02T01:00:00Z');
  const version = await makeCourseVersion(ctx.db);
  const tokens: string[] = [];
  for (let i = 0; i < 64; i++) {
    const person = await makeStaff(ctx.db);
    const attempt = await makeAttempt(ctx.db, { staffId: person.id, courseVersionId: version.id });
    const { token } = await issueLaunchToken(
      ctx.db,
      {
        staffId: person.id,
        attemptId: attempt.id,
        scoId: version.scos[0]!.id,
        courseVersionId: version.id,
        sessionNo: 1,
        fiscalYear: 2026,
        fiscalYearStartMonth: 4,
        appOrigin: 'http://127.0.0.1:3000',
        lifetimeMs: 3600_000,
      },
      t0,
    );
    tokens.push(token);
  }
  for (const token of tokens) expect(await resolveLaunch(ctx.db, token, t0)).toBeDefined();
  // Ended by "another instance": straight in the database, so this instance's cache is not told.
  await ctx.db.execute(sql`UPDATE launch_tokens SET revoked_at = ${t0.toISOString()}::timestamptz`);
  const open = async (ms: number) => {
    let n = 0;
    for (const token of tokens) if (await resolveLaunch(ctx.db, token, new Date(t0.getTime() + ms))) n++;
    return n;
  };
  expect(await open(2_499)).toBe(64);
  const midway = await open(3_750);
  expect(midway).toBeGreaterThan(0);
  expect(midway).toBeLessThan(64);
  expect(await open(5_001)).toBe(0);
});
