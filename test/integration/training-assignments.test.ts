/**
 * Assignments per staff member per requirement, kept in step with the roster: audiences with
 * exclusions, a new hire's own due date, a transfer, a retirement, an exemption (reason required,
 * audited), overdue from the due date against today in Japan, attendance completing a live
 * requirement, and a manager seeing only their departments (404 outside them).
 */
import { and, eq } from 'drizzle-orm';
import { auditLog } from '../../server/db/schema';
import { withTransaction } from '../../server/db/transaction';
import { createStaff, setRetirement, updateStaff } from '../../server/staff/service';
import type { StaffFormInput } from '../../server/staff/schema';
import { findAssignment, planAssignments } from '../../server/training/repository';
import {
  completeFromAttendance,
  exemptAssignment,
  planAssignments as assignmentsOfPlan,
  rosterSynced,
  syncRoster,
} from '../../server/training/service';
import { createTestContext, csrfFrom, signIn, type TestContext } from '../support/app';
import { makeAdmin, makeDepartment, makeJobCategory, makeStaff } from '../support/factories';
import { asViewer } from '../support/scorm-flow';
import { assignmentRow, makePlan, makeRequirement, makeTakeableCourse } from '../support/training-factories';

let ctx: TestContext;
let now = new Date('2026-05-10T01:00:00Z');
const ALL = { all: true } as const;
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(now);

beforeAll(async () => {
  ctx = await createTestContext({ clock: () => now, env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());

const statusOf = async (requirementId: number, staffId: number) => {
  const row = await assignmentRow(ctx.db, requirementId, staffId);
  if (!row) return undefined;
  return (await findAssignment(ctx.db, ALL, row.id, today()))?.status;
};

function staffForm(
  p: { employeeNo: string; name: string; departmentId: number | null; jobCategoryId: number | null },
  o: Partial<StaffFormInput> = {},
): StaffFormInput {
  return {
    employeeNo: p.employeeNo,
    name: p.name,
    nameKana: undefined,
    email: undefined,
    departmentId: p.departmentId ?? undefined,
    jobCategoryId: p.jobCategoryId ?? undefined,
    roles: ['staff'],
    managedDepartmentIds: [],
    locale: 'ja',
    hiredOn: undefined,
    currentPassword: undefined,
    ...o,
  } as StaffFormInput;
}

describe('audiences', () => {
  test('departments, job categories, roles and hand-picked staff are united; excluded and retired staff get nothing', async () => {
    now = new Date('2026-05-10T01:00:00Z');
    const ward = await makeDepartment(ctx.db);
    const other = await makeDepartment(ctx.db);
    const nurse = await makeJobCategory(ctx.db);
    const inWard = await makeStaff(ctx.db, { departmentId: ward.id });
    const excluded = await makeStaff(ctx.db, { departmentId: ward.id });
    const aNurse = await makeStaff(ctx.db, { departmentId: other.id, jobCategoryId: nurse.id });
    const aManager = await makeStaff(ctx.db, { departmentId: other.id, roles: ['staff', 'manager'] });
    const picked = await makeStaff(ctx.db, { departmentId: other.id });
    const outsider = await makeStaff(ctx.db, { departmentId: other.id });
    const retired = await makeStaff(ctx.db, { departmentId: ward.id, retiredOn: '2026-04-30' });
    const course = await makeTakeableCourse(ctx.db);
    const { id, officer } = await makePlan(ctx.db, now, { fiscalYear: 2026 });
    const req = await makeRequirement(ctx.db, now, id, officer, {
      courseId: course.id,
      departmentIds: [ward.id],
      jobCategoryIds: [nurse.id],
      roles: ['manager'],
      staffNos: [picked.employeeNo],
      excludedStaffNos: [excluded.employeeNo],
    });
    const assigned = new Set((await planAssignments(ctx.db, ALL, id, today())).map((a) => a.staffId));
    for (const p of [inWard, aNurse, aManager, picked]) expect(assigned.has(p.id)).toBe(true);
    for (const p of [excluded, outsider, retired]) expect(assigned.has(p.id)).toBe(false);
    expect(await statusOf(req, inWard.id)).toBe('not_started');
    // Syncs at once (a roster change, a plan save, a home page) leave exactly one assignment each.
    await Promise.all([syncRoster(ctx.db, 'all', now), syncRoster(ctx.db, inWard.id, now), syncRoster(ctx.db, 'all', now)]);
    const again = (await planAssignments(ctx.db, ALL, id, today())).map((a) => a.staffId);
    expect(again.filter((s) => s === inWard.id)).toHaveLength(1);
    expect(again).toHaveLength(assigned.size);
  });
});

describe('the roster moves', () => {
  test('a new hire after the plan started gets the requirement with their own due date: max(plan due, hired + days)', async () => {
    now = new Date('2026-04-01T01:00:00Z');
    const dept = await makeDepartment(ctx.db);
    const job = await makeJobCategory(ctx.db);
    const course = await makeTakeableCourse(ctx.db);
    const { id, officer } = await makePlan(ctx.db, now, { fiscalYear: 2026 });
    const req = await makeRequirement(ctx.db, now, id, officer, {
      courseId: course.id,
      departmentIds: [dept.id],
      dueOn: '2026-06-30',
      joinDays: 30,
    });
    const early = await makeStaff(ctx.db, { departmentId: dept.id });
    await syncRoster(ctx.db, early.id, now);

    now = new Date('2026-06-20T01:00:00Z');
    const admin = asViewer(await makeAdmin(ctx.db));
    const hireId = await createStaff(
      ctx.db,
      admin,
      staffForm(
        { employeeNo: `H${Date.now()}`, name: '新入 職員', departmentId: dept.id, jobCategoryId: job.id },
        { hiredOn: '2026-06-15' },
      ),
      now,
    );
    // The officer's list is what is true now: the new hire is in it.
    const { rows } = await assignmentsOfPlan(ctx.db, ALL, id, now, { requirementId: req });
    const hire = rows.find((r) => r.staffId === hireId)!;
    // Joined on 2026-06-20 (entered the roster after the hire date) + 30 days = 2026-07-20, later than the plan's 2026-06-30.
    expect(hire).toMatchObject({ joinedOn: '2026-06-20', dueOn: '2026-07-20', status: 'not_started' });
    expect(rows.find((r) => r.staffId === early.id)).toMatchObject({ joinedOn: null, dueOn: '2026-06-30' });

    // On 1 July the early one is overdue, the new hire is not.
    now = new Date('2026-06-30T15:00:00Z'); // 00:00 on 1 July in Japan
    expect(await statusOf(req, early.id)).toBe('overdue');
    expect(await statusOf(req, hireId)).toBe('not_started');
    now = new Date('2026-07-20T14:59:00Z'); // 23:59 on the new hire's due date: still not overdue
    expect(await statusOf(req, hireId)).toBe('not_started');
    now = new Date('2026-07-20T15:00:00Z');
    expect(await statusOf(req, hireId)).toBe('overdue');
  });

  test('a hire dated in the future is due from the hire date; a generous plan due date wins', async () => {
    now = new Date('2026-05-01T01:00:00Z');
    const dept = await makeDepartment(ctx.db);
    const course = await makeTakeableCourse(ctx.db);
    const { id, officer } = await makePlan(ctx.db, now, { fiscalYear: 2026 });
    const tight = await makeRequirement(ctx.db, now, id, officer, {
      courseId: course.id,
      departmentIds: [dept.id],
      dueOn: '2026-05-31',
      joinDays: 14,
    });
    const generous = await makeRequirement(ctx.db, now, id, officer, {
      kind: 'live_training',
      title: '集合研修',
      departmentIds: [dept.id],
      dueOn: '2027-03-31',
      joinDays: 14,
    });
    now = new Date('2026-05-20T01:00:00Z');
    const admin = asViewer(await makeAdmin(ctx.db));
    const hireId = await createStaff(
      ctx.db,
      admin,
      staffForm({ employeeNo: `F${Date.now()}`, name: '未来 入職', departmentId: dept.id, jobCategoryId: null }, { hiredOn: '2026-06-01' }),
      now,
    );
    await syncRoster(ctx.db, hireId, now);
    const rows = await planAssignments(ctx.db, ALL, id, today());
    expect(rows.find((r) => r.staffId === hireId && r.requirementId === tight)).toMatchObject({
      joinedOn: '2026-06-01',
      dueOn: '2026-06-15',
    });
    expect(rows.find((r) => r.staffId === hireId && r.requirementId === generous)).toMatchObject({ dueOn: '2027-03-31' });
  });

  test('a transfer: the assignment follows the audience (set aside when leaving, given when arriving); a completed one stays', async () => {
    const from = await makeDepartment(ctx.db);
    const to = await makeDepartment(ctx.db);
    const course = await makeTakeableCourse(ctx.db);
    const person = await makeStaff(ctx.db, { departmentId: from.id });
    // Last year's plan had them in their old department: that record never moves.
    now = new Date('2026-03-01T01:00:00Z');
    const past = await makePlan(ctx.db, now, { fiscalYear: 2025 });
    const pastReq = await makeRequirement(ctx.db, now, past.id, past.officer, {
      courseId: course.id,
      departmentIds: [from.id],
      dueOn: '2026-03-31',
    });
    now = new Date('2026-05-10T01:00:00Z');
    const { id, officer } = await makePlan(ctx.db, now, { fiscalYear: 2026 });
    const fromReq = await makeRequirement(ctx.db, now, id, officer, { courseId: course.id, departmentIds: [from.id] });
    const toReq = await makeRequirement(ctx.db, now, id, officer, {
      kind: 'bcp_drill',
      title: '病棟の訓練',
      departmentIds: [to.id],
      joinDays: 60,
    });
    await syncRoster(ctx.db, person.id, now);
    expect(await assignmentRow(ctx.db, fromReq, person.id)).toMatchObject({ inAudience: true });
    expect(await assignmentRow(ctx.db, toReq, person.id)).toBeUndefined();

    const admin = asViewer(await makeAdmin(ctx.db));
    now = new Date('2026-08-01T01:00:00Z');
    await updateStaff(ctx.db, admin, person.id, staffForm({ ...person, departmentId: to.id }), now);
    await rosterSynced(ctx.db); // the roster's change notification, as the app subscribes to it
    expect(await assignmentRow(ctx.db, fromReq, person.id)).toMatchObject({ inAudience: false });
    expect(await assignmentRow(ctx.db, toReq, person.id)).toMatchObject({ inAudience: true, joinedOn: '2026-08-01' });
    const visible = (await planAssignments(ctx.db, ALL, id, today())).filter((a) => a.staffId === person.id);
    expect(visible.map((a) => a.requirementId)).toEqual([toReq]);
    expect(visible[0]).toMatchObject({ dueOn: '2026-09-30' });
    await syncRoster(ctx.db, 'all', now);
    expect(await assignmentRow(ctx.db, pastReq, person.id)).toMatchObject({ inAudience: true });
    expect(await statusOf(pastReq, person.id)).toBe('overdue');

    // Completed in the new department (attendance), then moved back: the completed assignment stays.
    await withTransaction(ctx.db, now, (work) =>
      completeFromAttendance(work, { staffId: person.id, requirementId: toReq, sessionRef: 'live_session:1', attendedAt: now }),
    );
    await updateStaff(ctx.db, admin, person.id, staffForm({ ...person, departmentId: from.id }), now);
    await rosterSynced(ctx.db);
    expect(await assignmentRow(ctx.db, toReq, person.id)).toMatchObject({ inAudience: true });
    expect(await assignmentRow(ctx.db, fromReq, person.id)).toMatchObject({ inAudience: true });
    expect(await statusOf(toReq, person.id)).toBe('completed');
  });

  test("a retirement: open assignments read 'retired', completed ones stay completed", async () => {
    now = new Date('2026-05-10T01:00:00Z');
    const dept = await makeDepartment(ctx.db);
    const { id, officer } = await makePlan(ctx.db, now, { fiscalYear: 2026 });
    const open = await makeRequirement(ctx.db, now, id, officer, { kind: 'live_training', title: '研修A', departmentIds: [dept.id] });
    const done = await makeRequirement(ctx.db, now, id, officer, { kind: 'live_training', title: '研修B', departmentIds: [dept.id] });
    const person = await makeStaff(ctx.db, { departmentId: dept.id });
    await syncRoster(ctx.db, person.id, now);
    await withTransaction(ctx.db, now, (work) =>
      completeFromAttendance(work, { staffId: person.id, requirementId: done, sessionRef: 'live_session:2', attendedAt: now }),
    );
    const admin = asViewer(await makeAdmin(ctx.db));
    now = new Date('2026-07-01T01:00:00Z');
    // Retiring at the end of next month: still working until then.
    await setRetirement(ctx.db, admin, person.id, '2026-07-31', now);
    await rosterSynced(ctx.db);
    expect(await statusOf(open, person.id)).toBe('not_started');
    now = new Date('2026-08-01T01:00:00Z');
    expect(await statusOf(open, person.id)).toBe('retired');
    expect(await statusOf(done, person.id)).toBe('completed');
    // Still listed (the year's record), as retired.
    const rows = (await planAssignments(ctx.db, ALL, id, today())).filter((a) => a.staffId === person.id);
    expect(rows.map((r) => r.status).sort()).toEqual(['completed', 'retired']);
  });
});

describe('exemptions', () => {
  test('need a reason (the form says so), are audited, read exempt, and a closed year refuses them', async () => {
    now = new Date('2026-05-10T01:00:00Z');
    const dept = await makeDepartment(ctx.db);
    const course = await makeTakeableCourse(ctx.db);
    const { id, officer } = await makePlan(ctx.db, now, { fiscalYear: 2026 });
    const req = await makeRequirement(ctx.db, now, id, officer, { courseId: course.id, departmentIds: [dept.id], dueOn: '2026-06-30' });
    const person = await makeStaff(ctx.db, { departmentId: dept.id });
    await syncRoster(ctx.db, person.id, now);
    const assignment = (await assignmentRow(ctx.db, req, person.id))!;

    const officerRow = await makeStaff(ctx.db, { roles: ['staff', 'officer'] });
    const { agent } = await signIn(ctx.app, officerRow.employeeNo, officerRow.password);
    const page = await agent.get(`/training/assignments/${assignment.id}`).expect(200);
    const csrf = csrfFrom(page.text);
    const refused = await agent
      .post(`/training/assignments/${assignment.id}/exempt`)
      .type('form')
      .send({ _csrf: csrf, kind: 'long_leave', reason: '  ' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('field-error');
    expect(await statusOf(req, person.id)).toBe('not_started');

    await agent
      .post(`/training/assignments/${assignment.id}/exempt`)
      .type('form')
      .send({ _csrf: csrf, kind: 'long_leave', reason: '育児休業（2026年4月〜2027年3月）' })
      .expect(303);
    now = new Date('2026-07-10T01:00:00Z'); // past the due date: exempt, not overdue
    expect(await statusOf(req, person.id)).toBe('exempt');
    const entries = await ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'training.assignment.exempt'), eq(auditLog.subjectId, String(assignment.id))));
    expect(entries).toEqual([
      expect.objectContaining({
        actorId: officerRow.id,
        details: expect.objectContaining({
          staff: `${person.employeeNo} ${person.name}`,
          after: { status: 'exempt', exemptKind: 'long_leave', exemptReason: '育児休業（2026年4月〜2027年3月）' },
        }),
      }),
    ]);
    await agent.post(`/training/assignments/${assignment.id}/unexempt`).type('form').send({ _csrf: csrf }).expect(303);
    expect(await statusOf(req, person.id)).toBe('overdue');

    now = new Date('2027-04-01T01:00:00Z');
    await expect(
      exemptAssignment(ctx.db, asViewer(officerRow), assignment.id, { kind: 'other', reason: '後から' }, now),
    ).rejects.toMatchObject({ status: 409, messageKey: 'training.error.yearClosed' });
  });
});

describe('completeFromAttendance', () => {
  test('completes a live requirement with the date and its evidence, once; refuses a course, someone unassigned and a closed year', async () => {
    now = new Date('2026-10-01T01:00:00Z');
    const dept = await makeDepartment(ctx.db);
    const course = await makeTakeableCourse(ctx.db);
    const { id, officer } = await makePlan(ctx.db, now, { fiscalYear: 2026 });
    const drill = await makeRequirement(ctx.db, now, id, officer, {
      kind: 'bcp_drill',
      title: 'BCP訓練',
      departmentIds: [dept.id],
      dueOn: '2026-12-31',
    });
    const courseReq = await makeRequirement(ctx.db, now, id, officer, { courseId: course.id, departmentIds: [dept.id] });
    const person = await makeStaff(ctx.db, { departmentId: dept.id });
    const stranger = await makeStaff(ctx.db);
    await syncRoster(ctx.db, 'all', now);
    const attendedAt = new Date('2026-10-01T00:30:00Z');
    const attend = (staffId: number, requirementId: number, at = attendedAt) =>
      withTransaction(ctx.db, now, (work) =>
        completeFromAttendance(work, { staffId, requirementId, sessionRef: 'live_session:7', attendedAt: at, actorId: officer.id }),
      );
    await expect(attend(person.id, drill)).resolves.toBe('completed');
    await expect(attend(person.id, drill, new Date('2026-10-02T00:00:00Z'))).resolves.toBe('already');
    const row = (await assignmentRow(ctx.db, drill, person.id))!;
    const view = (await findAssignment(ctx.db, ALL, row.id, today()))!;
    expect(view).toMatchObject({ status: 'completed', sessionRef: 'live_session:7' });
    expect(new Date(view.completedAt!).toISOString()).toBe(attendedAt.toISOString());
    const audits = await ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'training.assignment.attend'), eq(auditLog.subjectId, String(row.id))));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actorId: officer.id,
      details: expect.objectContaining({ evidence: 'live_session:7', requirement: 'BCP訓練' }),
    });

    await expect(attend(stranger.id, drill)).resolves.toBe('not_assigned');
    await expect(attend(person.id, courseReq)).rejects.toMatchObject({ status: 409, messageKey: 'training.error.notLive' });
    await expect(attend(person.id, drill, new Date('2026-03-01T00:00:00Z'))).rejects.toMatchObject({ status: 409 });
    now = new Date('2027-04-01T01:00:00Z');
    const late = await makeStaff(ctx.db, { departmentId: dept.id });
    await expect(attend(late.id, drill, new Date('2027-03-31T01:00:00Z'))).rejects.toMatchObject({
      status: 409,
      messageKey: 'training.error.yearClosed',
    });
  });
});

describe('manager scoping', () => {
  test('a manager lists only their departments and gets 404 for an assignment outside them', async () => {
    now = new Date('2026-05-10T01:00:00Z');
    const mine = await makeDepartment(ctx.db);
    const theirs = await makeDepartment(ctx.db);
    const course = await makeTakeableCourse(ctx.db);
    const { id, officer } = await makePlan(ctx.db, now, { fiscalYear: 2026 });
    const req = await makeRequirement(ctx.db, now, id, officer, { courseId: course.id, departmentIds: [mine.id, theirs.id] });
    const own = await makeStaff(ctx.db, { departmentId: mine.id, name: '自部署 職員' });
    const foreign = await makeStaff(ctx.db, { departmentId: theirs.id, name: '他部署 職員' });
    await syncRoster(ctx.db, 'all', now);
    const manager = await makeStaff(ctx.db, { departmentId: mine.id, roles: ['staff', 'manager'], manages: [mine.id] });
    const { agent } = await signIn(ctx.app, manager.employeeNo, manager.password);
    const list = await agent.get(`/training/plans/${id}/assignments`).expect(200);
    expect(list.text).toContain('自部署 職員');
    expect(list.text).not.toContain('他部署 職員');
    const ownRow = (await assignmentRow(ctx.db, req, own.id))!;
    const foreignRow = (await assignmentRow(ctx.db, req, foreign.id))!;
    await agent.get(`/training/assignments/${ownRow.id}`).expect(200);
    const outside = await agent.get(`/training/assignments/${foreignRow.id}`);
    expect(outside.status).toBe(404);
    // Exempting is the officer's: a manager may not, even for their own staff.
    const csrf = csrfFrom(list.text);
    await agent
      .post(`/training/assignments/${ownRow.id}/exempt`)
      .type('form')
      .send({ _csrf: csrf, kind: 'other', reason: 'x' })
      .expect(403);
  });
});
