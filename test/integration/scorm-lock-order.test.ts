/**
 * Lock order between a launch and a commit of the same SCO (PostgreSQL: PGlite has one
 * connection, so nothing there runs at once). A commit locks the SCO's state row, then the
 * attempt (the batch statement, the roll-up); a relaunch of that SCO while the commit runs — a
 * second tab, a reload — must queue behind it, not deadlock with it.
 */
import { sql } from 'drizzle-orm';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { makeAttempt, makeCourseVersion, makeStaff } from '../support/factories';
import { launch } from '../support/scorm-flow';

const onPostgres = Boolean(process.env.DATABASE_URL);
if (!onPostgres)
  console.info('scorm-lock-order.test.ts: skipped — it needs PostgreSQL (set DATABASE_URL); PGlite runs one transaction at a time.');
const postgresOnly = onPostgres ? it : it.skip;

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

postgresOnly('a relaunch waits for a commit holding the SCO, and neither is aborted as a deadlock', async () => {
  const person = await makeStaff(ctx.db);
  const version = await makeCourseVersion(ctx.db);
  const attempt = await makeAttempt(ctx.db, { staffId: person.id, courseVersionId: version.id });
  const scoId = version.scos[0]!.id;
  const { agent, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
  const first = await launch(agent, csrf, attempt.id, scoId);

  let relaunch: Promise<{ status: number; body: { sessionNo?: number } }> | undefined;
  // Stands in for a commit in flight: its locks, in its order, with the relaunch arriving between them.
  await ctx.db.transaction(async (tx) => {
    await tx.execute(sql`SELECT 1 FROM sco_states WHERE attempt_id = ${attempt.id} AND sco_id = ${scoId} FOR UPDATE`);
    relaunch = agent
      .post(`/api/attempts/${attempt.id}/scos/${scoId}/launch`)
      .set('x-csrf-token', csrf)
      .then((res) => ({ status: res.status, body: res.body as { sessionNo?: number } }));
    await sleep(400); // the relaunch is now waiting inside its transaction
    // Were the attempt already locked by the relaunch, this would deadlock (40P01 after 1 s).
    await tx.execute(sql`SELECT 1 FROM attempts WHERE id = ${attempt.id} FOR UPDATE`);
  });
  const res = await relaunch!;
  expect(res.status).toBe(200);
  expect(res.body.sessionNo).toBe(first.sessionNo + 1);
});
