/**
 * An officer's manual completion says so wherever the result appears (who, when, why), and a
 * closed fiscal year's attempt cannot be marked complete: the officer is told, nothing changes.
 */
import { and, eq, sql } from 'drizzle-orm';
import { auditLog } from '../../server/db/schema';
import { localDateTime } from '../../server/lib/dates';
import { translator } from '../../server/lib/i18n';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { commit12 } from '../support/cmi';
import { makeAttempt, makeCourseVersion, makeOfficer, makeStaff } from '../support/factories';
import { attemptRow, commit, launch, resultOf, start } from '../support/scorm-flow';

jest.setTimeout(60_000);

const t = translator('ja');
const NOV_24 = new Date('2026-11-24T01:00:00Z'); // 10:00 in Japan, fiscal year 2026
let now = NOV_24;
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ clock: () => now, env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());
beforeEach(() => {
  now = NOV_24;
});

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;');

async function officerNamed(name: string) {
  const officer = await makeOfficer(ctx.db, { name });
  return { officer, ...(await signIn(ctx.app, officer.employeeNo, officer.password)) };
}

/** Every row a marking could change, for before/after comparisons. */
async function record(attemptId: number, staffId: number) {
  const rows = async (q: ReturnType<typeof sql>) => ((await ctx.db.execute(q)) as unknown as { rows: unknown[] }).rows;
  return {
    attempts: await rows(sql`SELECT * FROM attempts WHERE id = ${attemptId}`),
    results: await rows(sql`SELECT * FROM course_results WHERE staff_id = ${staffId}`),
    audit: await rows(sql`SELECT seq FROM audit_log WHERE subject_type = 'attempt' AND subject_id = ${String(attemptId)}`),
  };
}

it('says who marked the attempt complete, when and why: on the attempt page, in the course table and to the learner', async () => {
  const version = await makeCourseVersion(ctx.db);
  const person = await makeStaff(ctx.db);
  const learner = await signIn(ctx.app, person.employeeNo, person.password);
  const attemptId = await start(learner.agent, learner.csrf, version.courseId);
  const scoId = version.scos[0]!.id;
  const { sessionNo } = await launch(learner.agent, learner.csrf, attemptId, scoId);
  await commit(learner.agent, attemptId, scoId, sessionNo, commit12({ lesson_status: 'incomplete' }), 1).expect(200);

  const o = await officerNamed('安全 管理子');
  now = new Date('2026-11-25T06:30:00Z'); // 15:30 in Japan
  const reason = '教材が完了を報告しない不具合 <b>のため</b>、最終ページ到達を確認';
  await o.agent.post(`/admin/attempts/${attemptId}/mark-complete`).type('form').send({ _csrf: o.csrf, reason }).expect(303);
  expect(await attemptRow(ctx.db, attemptId)).toMatchObject({
    satisfied: true,
    markedBy: o.officer.id,
    markedReason: reason,
    markedAt: now,
  });

  const at = localDateTime(now);
  const page = (await o.agent.get(`/admin/attempts/${attemptId}`).expect(200)).text;
  expect(page).toMatch(new RegExp(`id="attempt-source">${t('scorm.source.officer')}<`));
  expect(page).toContain(`id="attempt-marked-by">安全 管理子<`);
  expect(page).toContain(`id="attempt-marked-at">${at}<`);
  expect(page).toContain(`id="attempt-marked-reason">${escapeHtml(reason)}<`);
  expect(page).not.toContain(t('scorm.source.content'));

  const marking = escapeHtml(t('scorm.attempt.marking', { name: '安全 管理子', at, reason }));
  const table = (await o.agent.get(`/admin/courses/${version.courseId}`).expect(200)).text;
  const from = table.slice(table.indexOf(`/admin/attempts/${attemptId}"`));
  expect(from.slice(0, from.indexOf('</tr>'))).toContain(marking);

  const own = (await learner.agent.get(`/courses/${version.courseId}`).expect(200)).text;
  expect(own).toContain(marking);
});

it('refuses to mark complete an attempt of a closed fiscal year, says why, and changes nothing', async () => {
  const person = await makeStaff(ctx.db);
  const version = await makeCourseVersion(ctx.db);
  const attempt = await makeAttempt(ctx.db, {
    staffId: person.id,
    courseVersionId: version.id,
    fiscalYear: 2025,
    startedAt: new Date('2026-02-01T00:00:00Z'),
  });
  const o = await officerNamed('年度 締子');

  now = new Date('2026-03-31T15:00:01Z'); // 2026-04-01 00:00:01 in Japan: FY2025 is closed
  const before = await record(attempt.id, person.id);
  const res = await o.agent
    .post(`/admin/attempts/${attempt.id}/mark-complete`)
    .type('form')
    .send({ _csrf: o.csrf, reason: '年度末に間に合わなかったため' });
  expect(res.status).toBe(409);
  expect(res.text).toContain(t('scorm.attempt.markYearClosed', { year: 2025 }));
  expect(await record(attempt.id, person.id)).toEqual(before);
  expect(await resultOf(ctx.db, person.id, version.courseId, 2025)).toBeUndefined();

  // Up to the last minute of the year in Japan, it still can.
  now = new Date('2026-03-31T14:59:00Z');
  await o.agent
    .post(`/admin/attempts/${attempt.id}/mark-complete`)
    .type('form')
    .send({ _csrf: o.csrf, reason: '年度内に確認済み' })
    .expect(303);
  expect(await attemptRow(ctx.db, attempt.id)).toMatchObject({ satisfied: true, markedBy: o.officer.id });
  const [entry] = await ctx.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'attempt.mark-complete'), eq(auditLog.subjectId, String(attempt.id))));
  expect(entry).toMatchObject({ actorId: o.officer.id });
});
