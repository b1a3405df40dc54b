/**
 * A completion through a real course result flowing into the assignment (the learner starts,
 * launches and commits; the SCORM roll-up writes course_results), and the staff home page: my
 * required training this year apart from optional courses, a plain confirmation with the date
 * once passed, and my past years read-only.
 */
import { createTestContext, signIn, type TestContext } from '../support/app';
import { commit12 } from '../support/cmi';
import { DEFAULT_PASSWORD, makeDepartment, makeStaff } from '../support/factories';
import { commit, launch, resultOf, start } from '../support/scorm-flow';
import { assignmentRow, makePlan, makeRequirement, makeTakeableCourse } from '../support/training-factories';
import { findAssignment } from '../../server/training/repository';
import { courses, scos } from '../../server/db/schema';
import { eq } from 'drizzle-orm';

let ctx: TestContext;
let now = new Date('2026-03-10T01:00:00Z');

beforeAll(async () => {
  ctx = await createTestContext({ clock: () => now, env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());

const scoOf = async (courseId: number) => {
  const [course] = await ctx.db.select().from(courses).where(eq(courses.id, courseId));
  const [sco] = await ctx.db.select().from(scos).where(eq(scos.courseVersionId, course!.currentVersionId!));
  return sco!.id;
};

test('a learner passes a required course: the assignment completes with the date and its attempt; home shows it apart from optional courses', async () => {
  const dept = await makeDepartment(ctx.db);
  const required = await makeTakeableCourse(ctx.db, { title: '必須の教材' });
  const optional = await makeTakeableCourse(ctx.db, { title: '任意の教材' });
  const learner = await makeStaff(ctx.db, { departmentId: dept.id });

  // Last year: a plan the learner did not finish (their past record).
  const past = await makePlan(ctx.db, now, { fiscalYear: 2025, title: '昨年度の計画' });
  await makeRequirement(ctx.db, now, past.id, past.officer, {
    kind: 'live_training',
    title: '昨年度の集合研修',
    departmentIds: [dept.id],
    dueOn: '2026-03-31',
  });

  now = new Date('2026-04-10T01:00:00Z');
  const { id, officer } = await makePlan(ctx.db, now, { fiscalYear: 2026, title: '今年度の計画' });
  const req = await makeRequirement(ctx.db, now, id, officer, { courseId: required.id, departmentIds: [dept.id], dueOn: '2026-09-30' });

  const { agent, csrf } = await signIn(ctx.app, learner.employeeNo, learner.password);
  let home = (await agent.get('/').expect(200)).text;
  const requiredSection = home.slice(home.indexOf('id="required-title"'), home.indexOf('id="optional-title"'));
  const optionalSection = home.slice(home.indexOf('id="optional-title"'), home.indexOf('id="past-title"'));
  expect(requiredSection).toContain('必須の教材');
  expect(requiredSection).toContain('期限 2026-09-30');
  expect(requiredSection).toContain('未受講');
  expect(requiredSection).toContain(`action="/courses/${required.id}/start"`);
  expect(requiredSection).not.toContain('任意の教材');
  expect(optionalSection).toContain('任意の教材');
  expect(optionalSection).toContain(`href="/courses/${optional.id}"`);
  expect(optionalSection).not.toContain('必須の教材');
  const pastSection = home.slice(home.indexOf('id="past-title"'));
  expect(pastSection).toContain('2025年度');
  expect(pastSection).toContain('昨年度の集合研修');
  expect(pastSection).toContain('期限超過');
  expect(home).not.toContain('割り当てられた研修はまだありません');

  // The learner takes the course: start, launch, and the SCO reports completion.
  const scoId = await scoOf(required.id);
  now = new Date('2026-05-12T02:00:00Z');
  const attemptId = await start(agent, csrf, required.id);
  const launched = await launch(agent, csrf, attemptId, scoId);
  home = (await agent.get('/').expect(200)).text;
  expect(home.slice(home.indexOf('id="required-title"'), home.indexOf('id="optional-title"'))).toContain('続きから受講する');
  await commit(agent, attemptId, scoId, launched.sessionNo, commit12({ lesson_status: 'completed', session_time: '00:10:00' }), 1).expect(
    200,
  );
  expect(await resultOf(ctx.db, learner.id, required.id, 2026)).toMatchObject({ status: 'completed', attemptId });

  // The assignment reads completed, with the date and the attempt as its evidence.
  const row = (await assignmentRow(ctx.db, req, learner.id))!;
  const view = (await findAssignment(ctx.db, { all: true }, row.id, '2026-10-01'))!;
  expect(view).toMatchObject({ status: 'completed', evidenceAttemptId: attemptId });
  expect(new Date(view.completedAt!).toISOString()).toBe(now.toISOString());
  // Completed stays completed past the due date (not overdue).
  now = new Date('2026-10-02T01:00:00Z');
  home = (await agent.get('/').expect(200)).text;
  const done = home.slice(home.indexOf('id="required-title"'), home.indexOf('id="optional-title"'));
  expect(done).toContain('修了');
  expect(done).toContain('2026-05-12 に修了しました');
  expect(done).not.toContain('期限超過');
  expect(done).not.toContain(`action="/courses/${required.id}/start"`);

  // The officer's list shows it too, with the evidence link on the person's page.
  const officerAgent = await signIn(ctx.app, officer.employeeNo, DEFAULT_PASSWORD);
  const list = (await officerAgent.agent.get(`/training/plans/${id}/assignments`).expect(200)).text;
  expect(list).toContain(learner.name);
  const detail = (await officerAgent.agent.get(`/training/assignments/${row.id}`).expect(200)).text;
  expect(detail).toContain(`/admin/attempts/${attemptId}`);
});

test('a learner who passed a course no plan requires is told so with the date, not "nothing assigned"', async () => {
  now = new Date('2026-06-01T01:00:00Z');
  const course = await makeTakeableCourse(ctx.db, { title: '自主学習の教材' });
  const learner = await makeStaff(ctx.db);
  const { agent, csrf } = await signIn(ctx.app, learner.employeeNo, learner.password);
  const scoId = await scoOf(course.id);
  const attemptId = await start(agent, csrf, course.id);
  const launched = await launch(agent, csrf, attemptId, scoId);
  await commit(agent, attemptId, scoId, launched.sessionNo, commit12({ lesson_status: 'completed' }), 1).expect(200);
  const home = (await agent.get('/').expect(200)).text;
  expect(home).toContain('今年度の必須研修はまだ割り当てられていません。');
  const optionalSection = home.slice(home.indexOf('id="optional-title"'));
  expect(optionalSection).toContain('自主学習の教材');
  expect(optionalSection).toContain('2026-06-01 に修了しました');
  expect(home).not.toContain('割り当てられた研修はまだありません');
});
