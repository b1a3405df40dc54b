/**
 * Training plans per fiscal year: the current year opens by itself at the hospital's start month
 * (judged in Japan), a closed year's plans cannot change (409 with a message), last year's plan
 * is copied with its due dates moved on, the plan page says which requirements meet MHLW's three
 * conditions, and every change is audited.
 */
import { and, eq } from 'drizzle-orm';
import { auditLog, hospital } from '../../server/db/schema';
import { createTestContext, csrfFrom, signIn, type TestContext } from '../support/app';
import { makeOfficer, makeStaff } from '../support/factories';
import { asViewer } from '../support/scorm-flow';
import { makePlan, makeRequirement, makeTakeableCourse, requirementInput } from '../support/training-factories';
import { addRequirement, copyPlan, createPlan, planDetail, renamePlan } from '../../server/training/service';
import { requirementsOf } from '../../server/training/repository';

let ctx: TestContext;
let now = new Date('2026-05-10T01:00:00Z');

beforeAll(async () => {
  ctx = await createTestContext({ clock: () => now, env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());
afterEach(async () => {
  await ctx.db.delete(hospital);
});

async function auditOf(action: string, subjectId: number) {
  return ctx.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, action), eq(auditLog.subjectId, String(subjectId))));
}

describe('the fiscal year a plan belongs to', () => {
  test('at 23:59 on 31 March in Japan FY2025 is still open; at 00:00 on 1 April it is closed', async () => {
    const officer = asViewer(await makeOfficer(ctx.db));
    // 2026-03-31 23:59 JST = 14:59 UTC.
    now = new Date('2026-03-31T14:59:00Z');
    const id = await createPlan(ctx.db, officer, { fiscalYear: 2025, title: '最終日の計画' }, now);
    await renamePlan(ctx.db, officer, id, '最終日の計画（改）', now);
    now = new Date('2026-03-31T15:00:00Z');
    await expect(renamePlan(ctx.db, officer, id, 'もう変えられない', now)).rejects.toMatchObject({
      status: 409,
      messageKey: 'training.error.yearClosed',
    });
    await expect(createPlan(ctx.db, officer, { fiscalYear: 2025, title: 'x' }, now)).rejects.toMatchObject({ status: 409 });
    // FY2026 opened by itself: a plan can be made for it at once.
    await expect(createPlan(ctx.db, officer, { fiscalYear: 2026, title: '新年度' }, now)).resolves.toBeGreaterThan(0);
  });

  test("a hospital whose year starts in October: September is still last year's, and its plan closes on 1 October", async () => {
    await ctx.db.insert(hospital).values({ name: '十月病院', licensedBeds: 300, fiscalYearStartMonth: 10 });
    const officer = asViewer(await makeOfficer(ctx.db));
    now = new Date('2026-09-30T14:00:00Z'); // 23:00 on 30 September in Japan
    const id = await createPlan(ctx.db, officer, { fiscalYear: 2025, title: '十月始まり' }, now);
    const detail = await planDetail(ctx.db, id, now);
    expect(detail.open).toBe(true);
    // The plan's year runs 2025-10-01..2026-09-30.
    expect(detail.plan.yearEndsOn).toBe('2026-09-30');
    now = new Date('2026-09-30T15:00:00Z'); // 00:00 on 1 October in Japan
    expect((await planDetail(ctx.db, id, now)).open).toBe(false);
    await expect(renamePlan(ctx.db, officer, id, 'x', now)).rejects.toMatchObject({ status: 409 });
  });
});

describe('a closed year over HTTP', () => {
  test('changing a plan of a closed year answers 409 with the message, and changes nothing', async () => {
    now = new Date('2026-01-15T01:00:00Z');
    const course = await makeTakeableCourse(ctx.db, { origin: 'builtin' });
    const { id, officer } = await makePlan(ctx.db, now, { fiscalYear: 2025 });
    const requirementId = await makeRequirement(ctx.db, now, id, officer, { courseId: course.id, dueOn: '2026-03-31', audienceAll: true });
    now = new Date('2026-04-02T01:00:00Z');
    const person = await makeOfficer(ctx.db);
    const { agent } = await signIn(ctx.app, person.employeeNo, person.password);
    const page = await agent.get(`/training/plans/${id}`).expect(200);
    expect(page.text).toContain('この年度は終了しています');
    expect(page.text).not.toContain(`/training/plans/${id}/requirements/new`);
    await agent.get(`/training/plans/${id}/requirements/new`).expect(409);
    const csrf = csrfFrom(page.text);
    const res = await agent
      .post(`/training/plans/${id}/requirements/${requirementId}`)
      .type('form')
      .send({ _csrf: csrf, kind: 'course', courseId: String(course.id), dueOn: '2026-12-31', joinDays: '10', audienceAll: 'on' });
    expect(res.status).toBe(409);
    expect(res.text).toContain('2025年度は終了しているため、計画や受講記録は変更できません。');
    const removed = await agent.post(`/training/plans/${id}/requirements/${requirementId}/remove`).type('form').send({ _csrf: csrf });
    expect(removed.status).toBe(409);
    const [row] = await requirementsOf(ctx.db, id);
    expect(row!.requirement).toMatchObject({ dueOn: '2026-03-31', joinDays: 30, removedAt: null });
  });
});

describe('copying last year', () => {
  test("last year's plan is copied into the current year with due dates a year on (29 February → 28 February)", async () => {
    now = new Date('2024-02-01T01:00:00Z');
    const course = await makeTakeableCourse(ctx.db, { origin: 'builtin' });
    const excluded = await makeStaff(ctx.db);
    const { id, officer } = await makePlan(ctx.db, now, { fiscalYear: 2023, title: '全職員研修' });
    await makeRequirement(ctx.db, now, id, officer, {
      courseId: course.id,
      dueOn: '2024-02-29',
      joinDays: 45,
      audienceAll: true,
      excludedStaffNos: [excluded.employeeNo],
    });
    await makeRequirement(ctx.db, now, id, officer, { kind: 'bcp_drill', title: 'BCP訓練', dueOn: '2024-03-15', audienceAll: true });
    now = new Date('2024-04-05T01:00:00Z');
    const copyId = await copyPlan(ctx.db, officer, id, now);
    const detail = await planDetail(ctx.db, copyId, now);
    expect(detail.plan).toMatchObject({ fiscalYear: 2024, title: '全職員研修', copiedFromId: id, startsOn: '2024-04-05' });
    expect(detail.requirements.map((r) => r.requirement)).toEqual([
      expect.objectContaining({
        kind: 'course',
        courseId: course.id,
        dueOn: '2025-02-28',
        joinDays: 45,
        audienceAll: true,
        excludedStaffIds: [excluded.id],
      }),
      expect.objectContaining({ kind: 'bcp_drill', title: 'BCP訓練', dueOn: '2025-03-15' }),
    ]);
    // The source stays as it was.
    const source = await planDetail(ctx.db, id, now);
    expect(source.requirements.map((r) => r.requirement.dueOn)).toEqual(['2024-02-29', '2024-03-15']);
    expect(await auditOf('training.plan.copy', copyId)).toHaveLength(1);
    // Copying a plan of the current year into itself is refused.
    await expect(copyPlan(ctx.db, officer, copyId, now)).rejects.toMatchObject({ status: 409 });
  });
});

describe("MHLW's conditions on the plan page", () => {
  test('our course meets the three; a third-party package only once its test is ticked; a live session counts; a plan with none is warned', async () => {
    now = new Date('2026-06-01T01:00:00Z');
    const third = await makeTakeableCourse(ctx.db, { title: '他社のeラーニング', origin: 'uploaded' });
    const ours = await makeTakeableCourse(ctx.db, { title: '情報セキュリティ基礎', origin: 'builtin' });
    const officerRow = await makeOfficer(ctx.db);
    const officer = asViewer(officerRow);
    const id = await createPlan(ctx.db, officer, { fiscalYear: 2026, title: '条件の確認' }, now);
    await makeRequirement(ctx.db, now, id, officer, { courseId: third.id, audienceAll: true });
    const { agent } = await signIn(ctx.app, officerRow.employeeNo, officerRow.password);
    let page = (await agent.get(`/training/plans/${id}`).expect(200)).text;
    expect(page).toContain('この計画には、eラーニングの3条件');
    expect(page).toContain('条件を満たしていません');
    expect(page).toContain('✗ 確認テスト');

    // The officer ticks the comprehension test of the third-party course: the plan now qualifies.
    const [req] = await requirementsOf(ctx.db, id);
    const csrf = csrfFrom(page);
    await agent
      .post(`/training/plans/${id}/requirements/${req!.requirement.id}`)
      .type('form')
      .send({
        _csrf: csrf,
        kind: 'course',
        courseId: String(third.id),
        dueOn: '2026-09-30',
        joinDays: '30',
        audienceAll: 'on',
        testConfirmed: 'on',
      })
      .expect(303);
    page = (await agent.get(`/training/plans/${id}`).expect(200)).text;
    expect(page).not.toContain('この計画には、eラーニングの3条件');
    expect(page).toContain('3条件を満たす');
    const updates = await auditOf('training.requirement.update', id);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.details).toMatchObject({ before: { testConfirmed: false }, after: { testConfirmed: true } });

    const liveOnly = await createPlan(ctx.db, officer, { fiscalYear: 2026, title: '訓練だけ' }, now);
    await makeRequirement(ctx.db, now, liveOnly, officer, { kind: 'live_training', title: '集合研修', audienceAll: true });
    expect((await planDetail(ctx.db, liveOnly, now)).qualifies).toBe(true);
    const oursOnly = await createPlan(ctx.db, officer, { fiscalYear: 2026, title: '自前の教材' }, now);
    await makeRequirement(ctx.db, now, oursOnly, officer, { courseId: ours.id, audienceAll: true });
    expect((await planDetail(ctx.db, oursOnly, now)).requirements[0]!.conditions).toMatchObject({
      attendance: true,
      questions: true,
      test: true,
    });
  });
});

describe('the plan editor', () => {
  test('a requirement without an audience, a course or with an unknown employee number is refused with field messages', async () => {
    now = new Date('2026-06-01T01:00:00Z');
    const course = await makeTakeableCourse(ctx.db);
    const { id, officer } = await makePlan(ctx.db, now, { fiscalYear: 2026 });
    await expect(addRequirement(ctx.db, officer, id, requirementInput({ courseId: course.id }), now)).rejects.toMatchObject({
      fieldErrors: { audience: ['training.validation.audienceEmpty'] },
    });
    await expect(addRequirement(ctx.db, officer, id, requirementInput({ audienceAll: true }), now)).rejects.toMatchObject({
      fieldErrors: { courseId: ['validation.required'] },
    });
    await expect(
      addRequirement(ctx.db, officer, id, requirementInput({ courseId: course.id, staffNos: ['NO-SUCH-NUMBER'] }), now),
    ).rejects.toMatchObject({ fieldErrors: { staffNos: ['training.validation.unknownStaff'] } });
    expect(await requirementsOf(ctx.db, id)).toHaveLength(0);
  });

  test('creating a plan and adding a requirement over HTTP are audited with names an inspector reads', async () => {
    now = new Date('2026-06-01T01:00:00Z');
    const course = await makeTakeableCourse(ctx.db, { title: '監査の読める教材' });
    const officer = await makeOfficer(ctx.db);
    const { agent, csrf } = await signIn(ctx.app, officer.employeeNo, officer.password);
    const created = await agent
      .post('/training/plans')
      .type('form')
      .send({ _csrf: csrf, fiscalYear: '2026', title: 'HTTPの計画' })
      .expect(303);
    const id = Number(/\/training\/plans\/(\d+)$/.exec(created.headers.location!)![1]);
    const form = await agent.get(`/training/plans/${id}/requirements/new`).expect(200);
    expect(form.text).toContain('監査の読める教材');
    // A failed save shows the form again with the message.
    const refused = await agent
      .post(`/training/plans/${id}/requirements`)
      .type('form')
      .send({ _csrf: csrf, kind: 'course', courseId: String(course.id), dueOn: '2026-09-30', joinDays: '30' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('対象者を選んでください。');
    await agent
      .post(`/training/plans/${id}/requirements`)
      .type('form')
      .send({ _csrf: csrf, kind: 'course', courseId: String(course.id), dueOn: '2026-09-30', joinDays: '30', audienceAll: 'on' })
      .expect(303);
    expect(await auditOf('training.plan.create', id)).toEqual([expect.objectContaining({ actorId: officer.id })]);
    const [added] = await auditOf('training.requirement.add', id);
    expect(added!.details).toMatchObject({ after: { course: '監査の読める教材', dueOn: '2026-09-30', audience: 'all staff' } });
    const list = await agent.get('/training').expect(200);
    expect(list.text).toContain('HTTPの計画');
  });

  test('staff may not open the plans; a manager sees the list but not the editor', async () => {
    const person = await makeStaff(ctx.db);
    const { agent } = await signIn(ctx.app, person.employeeNo, person.password);
    await agent.get('/training').expect(403);
    const manager = await makeStaff(ctx.db, { roles: ['staff', 'manager'] });
    const m = await signIn(ctx.app, manager.employeeNo, manager.password);
    await m.agent.get('/training').expect(200);
    const { id } = await makePlan(ctx.db, now, { fiscalYear: 2026 });
    await m.agent.get(`/training/plans/${id}`).expect(403);
  });
});
