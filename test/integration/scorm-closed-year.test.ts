/**
 * Closed years stay closed: once an attempt's fiscal year has ended (in Japan), it takes no launch
 * and no commit, nothing of its record changes, and its player page offers nothing to play.
 */
import { sql } from 'drizzle-orm';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { commit12 } from '../support/cmi';
import { makeAttempt, makeCourseVersion, makeStaff } from '../support/factories';
import { beacon, commit, launch } from '../support/scorm-flow';

jest.setTimeout(60_000);

let now = new Date('2026-03-31T14:59:00Z'); // 23:59 on 2026-03-31 in Japan: still FY2025
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ clock: () => now, env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());

/** Every row a commit could change, for before/after comparisons. */
async function record(attemptId: number) {
  const rows = async (q: ReturnType<typeof sql>) => ((await ctx.db.execute(q)) as unknown as { rows: unknown[] }).rows;
  return {
    states: await rows(sql`SELECT * FROM sco_states WHERE attempt_id = ${attemptId} ORDER BY sco_id`),
    attempts: await rows(sql`SELECT * FROM attempts WHERE id = ${attemptId}`),
    results: await rows(
      sql`SELECT * FROM course_results WHERE attempt_id = ${attemptId} OR staff_id = (SELECT staff_id FROM attempts WHERE id = ${attemptId})`,
    ),
  };
}

async function fy2025Attempt() {
  const person = await makeStaff(ctx.db);
  const version = await makeCourseVersion(ctx.db);
  const attempt = await makeAttempt(ctx.db, {
    staffId: person.id,
    courseVersionId: version.id,
    fiscalYear: 2025,
    startedAt: new Date('2026-02-01T00:00:00Z'),
  });
  const { agent, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
  return { person, version, attempt, agent, csrf, scoId: version.scos[0]!.id };
}

it('takes commits until the last day of the year ends in Japan, then refuses them and changes nothing', async () => {
  now = new Date('2026-03-31T14:59:00Z');
  const l = await fy2025Attempt();
  const { sessionNo } = await launch(l.agent, l.csrf, l.attempt.id, l.scoId);
  await commit(l.agent, l.attempt.id, l.scoId, sessionNo, commit12({ lesson_status: 'incomplete', lesson_location: 'p1' }), 1).expect(200);

  now = new Date('2026-03-31T15:00:01Z'); // 2026-04-01 00:00:01 in Japan: FY2025 is closed
  const before = await record(l.attempt.id);
  const res = await commit(l.agent, l.attempt.id, l.scoId, sessionNo, commit12({ lesson_status: 'passed', score: { raw: '100' } }), 2);
  // The launch's token ended with the year: the content is told its save failed (391), as for any refusal.
  expect(res.status).toBe(404);
  expect(res.body).toEqual({ result: 'false', errorCode: 391 });
  const terminate = await beacon(l.agent, l.attempt.id, l.scoId, sessionNo, commit12({ lesson_status: 'completed' }), 3);
  expect(terminate.status).toBe(404);
  expect(await record(l.attempt.id)).toEqual(before);
});

it('refuses to launch an attempt of a closed year, refuses its commits, and its player page offers nothing to play', async () => {
  now = new Date('2026-03-31T12:00:00Z');
  const l = await fy2025Attempt();
  const { sessionNo } = await launch(l.agent, l.csrf, l.attempt.id, l.scoId);

  now = new Date('2026-12-01T03:00:00Z');
  const before = await record(l.attempt.id);
  const launched = await l.agent.post(`/api/attempts/${l.attempt.id}/scos/${l.scoId}/launch`).set('x-csrf-token', l.csrf).send({});
  expect(launched.status).toBe(409);
  expect(launched.body.error).toMatchObject({ code: 'year_closed' });
  expect(launched.body.error.message).toContain('今年度の受講');

  const res = await commit(l.agent, l.attempt.id, l.scoId, sessionNo, commit12({ lesson_status: 'passed' }), 1);
  expect(res.status).toBe(404);
  expect(res.body).toEqual({ result: 'false', errorCode: 391 });
  expect(await record(l.attempt.id)).toEqual(before);

  const page = await l.agent.get(`/learn/attempts/${l.attempt.id}`).expect(200);
  expect(page.text).toContain('id="year-closed"');
  expect(page.text).toContain('2025 年度');
  expect(page.text).toContain(`href="/courses/${l.attempt.courseId}"`);
  expect(page.text).not.toContain('player.js');
  expect(page.text).not.toContain('id="content-frame"');

  // Starting from the course page gives this year's attempt, which plays.
  const started = await l.agent.post(`/courses/${l.attempt.courseId}/start`).set('x-csrf-token', l.csrf).expect(303);
  const newId = Number(/\/learn\/attempts\/(\d+)$/.exec(started.headers.location as string)![1]);
  expect(newId).not.toBe(l.attempt.id);
  await launch(l.agent, l.csrf, newId, l.scoId);
  expect((await l.agent.get(`/learn/attempts/${newId}`).expect(200)).text).toContain('player.js');
});
