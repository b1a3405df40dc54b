/** Plans per fiscal year and their requirements, with MHLW's conditions for each. */
import type { Viewer } from '../auth/policies';
import { auditDiff, recordAudit } from '../compliance/audit/service';
import type { Database } from '../db/client';
import { withTransaction } from '../db/transaction';
import type { RequirementKind } from '../db/schema';
import { ValidationError, conflict, notFound } from '../lib/errors';
import { localDate } from '../lib/dates';
import { getCourse, learnerTitles, listCourses } from '../scorm/courses/service';
import { organisation } from '../staff/service';
import { currentFiscalYear, fiscalYearBounds } from './fiscal-year';
import * as repo from './repository';
import type { PlanFormInput, RequirementFormInput } from './schema';
import { assertYearOpen, getPlan, isYearOpen } from './years';

// ---------------------------------------------------------------- plans

export async function planList(db: Database, now: Date) {
  const [current, rows] = await Promise.all([currentFiscalYear(db, now), repo.listPlans(db)]);
  const years = new Map<number, { year: number; closed: boolean; plans: typeof rows }>();
  // The current year is always there (it opens by itself), and the next one once plans are made for it.
  years.set(current.year, { year: current.year, closed: false, plans: [] });
  for (const row of rows) {
    const y = row.plan.fiscalYear;
    if (!years.has(y)) years.set(y, { year: y, closed: y < current.year, plans: [] });
    years.get(y)!.plans.push(row);
  }
  const lastYearPlans = rows.filter((r) => r.plan.fiscalYear === current.year - 1).map((r) => r.plan);
  return { current, years: [...years.values()].sort((a, b) => b.year - a.year), lastYearPlans };
}

function yearOfPlan(fiscalYear: number, startMonth: number, today: string) {
  const bounds = fiscalYearBounds(fiscalYear, startMonth);
  // A plan made mid-year starts the day it is made: who is on the roster then is not a "joiner".
  const startsOn = today > bounds.firstDay ? today : bounds.firstDay;
  return { startsOn, yearEndsOn: bounds.lastDay };
}

export async function createPlan(db: Database, actor: Viewer, input: PlanFormInput, now: Date): Promise<number> {
  const current = await currentFiscalYear(db, now);
  if (input.fiscalYear < current.year) throw conflict('training.error.yearClosed', { year: input.fiscalYear });
  if (input.fiscalYear > current.year + 1) throw new ValidationError({ fiscalYear: ['training.validation.yearTooFar'] });
  return withTransaction(db, now, async (work) => {
    const span = yearOfPlan(input.fiscalYear, current.startMonth, localDate(now));
    const id = await repo.insertPlan(work.tx, { fiscalYear: input.fiscalYear, title: input.title, ...span, createdBy: actor.id }, now);
    recordAudit(work, [
      {
        actorId: actor.id,
        action: 'training.plan.create',
        subjectType: 'training_plan',
        subjectId: id,
        details: { fiscalYear: input.fiscalYear, title: input.title, startsOn: span.startsOn },
      },
    ]);
    return id;
  });
}

export async function renamePlan(db: Database, actor: Viewer, id: number, title: string, now: Date) {
  const plan = await getPlan(db, id);
  await assertYearOpen(db, plan.fiscalYear, now);
  await withTransaction(db, now, async (work) => {
    await repo.updatePlan(work.tx, id, { title }, now);
    recordAudit(work, [
      {
        actorId: actor.id,
        action: 'training.plan.update',
        subjectType: 'training_plan',
        subjectId: id,
        details: { fiscalYear: plan.fiscalYear, before: { title: plan.title }, after: { title } },
      },
    ]);
  });
}

/** 'YYYY-MM-DD' one year on; 29 February becomes 28 February. */
export function nextYearDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const last = new Date(Date.UTC(y + 1, m, 0)).getUTCDate();
  return `${y + 1}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** Copies a plan of an earlier year into the current year, due dates moved on by the years between. */
export async function copyPlan(db: Database, actor: Viewer, sourceId: number, now: Date): Promise<number> {
  const source = await getPlan(db, sourceId);
  const current = await currentFiscalYear(db, now);
  if (source.fiscalYear >= current.year) throw conflict('training.error.copyNotEarlier');
  const requirements = await repo.requirementsOf(db, source.id);
  const today = localDate(now);
  return withTransaction(db, now, async (work) => {
    const span = yearOfPlan(current.year, current.startMonth, today);
    const id = await repo.insertPlan(
      work.tx,
      {
        fiscalYear: current.year,
        title: source.title,
        ...span,
        copiedFromId: source.id,
        createdBy: actor.id,
      },
      now,
    );
    for (const { requirement: r } of requirements) {
      let due = r.dueOn;
      for (let y = source.fiscalYear; y < current.year; y++) due = nextYearDay(due);
      await repo.insertRequirement(
        work.tx,
        id,
        {
          kind: r.kind,
          courseId: r.courseId,
          title: r.title,
          dueOn: due,
          joinDays: r.joinDays,
          addedOn: today,
          audienceAll: r.audienceAll,
          departmentIds: r.departmentIds,
          jobCategoryIds: r.jobCategoryIds,
          roles: r.roles,
          staffIds: r.staffIds,
          excludedStaffIds: r.excludedStaffIds,
          testConfirmed: r.testConfirmed,
          sortOrder: r.sortOrder,
        },
        now,
      );
    }
    await repo.syncAssignments(work.tx, { fromYear: current.year, today, now, planId: id });
    recordAudit(work, [
      {
        actorId: actor.id,
        action: 'training.plan.copy',
        subjectType: 'training_plan',
        subjectId: id,
        details: {
          fiscalYear: current.year,
          title: source.title,
          copiedFrom: `${source.fiscalYear}: ${source.title}`,
          requirements: requirements.length,
        },
      },
    ]);
    return id;
  });
}

// ---------------------------------------------------------------- requirements and MHLW's conditions

export interface MhlwConditions {
  /** A live session (集合研修・訓練): attendance is taken there. */
  live: boolean;
  attendance: boolean;
  questions: boolean;
  test: boolean;
  /** Counts as the yearly training: all three e-learning conditions, or a live session. */
  qualifies: boolean;
}

/**
 * MHLW's three conditions for e-learning (疑義解釈 2022-03-31 問257): attendance, a way to ask
 * questions, a comprehension test. Our own courses have all three (the server records reads and
 * grades the test; the app has a questions channel). A third-party package is tracked (attendance)
 * and the app's questions channel covers it; its comprehension test is what the officer confirms.
 */
export function mhlwConditions(r: { kind: RequirementKind; testConfirmed: boolean }, courseOrigin: string | null): MhlwConditions {
  if (r.kind !== 'course') return { live: true, attendance: true, questions: true, test: true, qualifies: true };
  const test = courseOrigin === 'builtin' || r.testConfirmed;
  return { live: false, attendance: true, questions: true, test, qualifies: test };
}

export async function planDetail(db: Database, id: number, now: Date) {
  const plan = await getPlan(db, id);
  const [requirements, open] = await Promise.all([repo.requirementsOf(db, id), isYearOpen(db, plan.fiscalYear, now)]);
  const rows = requirements.map((r) => ({ ...r, conditions: mhlwConditions(r.requirement, r.courseOrigin) }));
  return { plan, open, requirements: rows, qualifies: rows.some((r) => r.conditions.qualifies) };
}

export async function getRequirement(db: Database, planId: number, id: number) {
  const row = await repo.findRequirement(db, planId, id);
  if (!row) throw notFound();
  return row;
}

/** Every course's name as a reader of this language sees it (our courses are bilingual). */
export async function courseTitles(db: Database, locale: string): Promise<Map<number, string>> {
  return learnerTitles(db, await listCourses(db, true), locale);
}

/** What the requirement form needs: courses, the organisation, and hand-picked people's numbers. */
export async function requirementFormData(db: Database) {
  const [courseList, org] = await Promise.all([listCourses(db), organisation(db)]);
  return { courses: courseList.filter((c) => c.currentVersionId), ...org };
}

export async function employeeNosOf(db: Database, ids: number[]) {
  const rows = await repo.employeeNosOf(db, ids);
  const byId = new Map(rows.map((r) => [r.id, r.employeeNo]));
  return ids.map((id) => byId.get(id)).filter((v): v is string => v !== undefined);
}

async function columnsOf(db: Database, input: RequirementFormInput) {
  const numbers = [...new Set([...input.staffNos, ...input.excludedStaffNos])];
  const found = new Map((await repo.staffByEmployeeNo(db, numbers)).map((r) => [r.employeeNo, r.id]));
  const errors: Record<string, string[]> = {};
  const unknown = (list: string[]) => list.filter((n) => !found.has(n));
  if (unknown(input.staffNos).length) errors.staffNos = ['training.validation.unknownStaff'];
  if (unknown(input.excludedStaffNos).length) errors.excludedStaffNos = ['training.validation.unknownStaff'];
  let courseTitle: string | null = null;
  if (input.kind === 'course') {
    if (!input.courseId) errors.courseId = ['validation.required'];
    else courseTitle = (await getCourse(db, input.courseId).catch(() => null))?.title ?? null;
    if (input.courseId && courseTitle === null) errors.courseId = ['validation.invalid'];
  } else if (!input.title) errors.title = ['validation.required'];
  const audienceEmpty =
    !input.audienceAll && !input.departmentIds.length && !input.jobCategoryIds.length && !input.roles.length && !input.staffNos.length;
  if (audienceEmpty) errors.audience = ['training.validation.audienceEmpty'];
  if (Object.keys(errors).length) throw new ValidationError(errors);
  return {
    courseTitle,
    columns: {
      kind: input.kind,
      courseId: input.kind === 'course' ? input.courseId! : null,
      title: input.kind === 'course' ? null : input.title!,
      dueOn: input.dueOn,
      joinDays: input.joinDays,
      audienceAll: input.audienceAll,
      departmentIds: input.departmentIds,
      jobCategoryIds: input.jobCategoryIds,
      roles: input.roles,
      staffIds: input.staffNos.map((n) => found.get(n)!),
      excludedStaffIds: input.excludedStaffNos.map((n) => found.get(n)!),
      testConfirmed: input.kind === 'course' && input.testConfirmed,
    },
  };
}

/** A requirement as an inspector reads it in the audit log: names, not ids. */
async function describe(db: Database, c: Awaited<ReturnType<typeof columnsOf>>['columns'], courseTitle: string | null) {
  const org = await organisation(db);
  const names = (list: { id: number; name: string }[], ids: number[]) => list.filter((x) => ids.includes(x.id)).map((x) => x.name);
  return {
    kind: c.kind,
    course: courseTitle,
    title: c.title,
    dueOn: c.dueOn,
    joinDays: c.joinDays,
    audience: c.audienceAll ? 'all staff' : 'selected',
    departments: names(org.departments, c.departmentIds),
    jobCategories: names(org.jobCategories, c.jobCategoryIds),
    roles: c.roles,
    staff: await employeeNosOf(db, c.staffIds),
    excluded: await employeeNosOf(db, c.excludedStaffIds),
    testConfirmed: c.testConfirmed,
  };
}

export async function addRequirement(db: Database, actor: Viewer, planId: number, input: RequirementFormInput, now: Date): Promise<number> {
  const plan = await getPlan(db, planId);
  const current = await assertYearOpen(db, plan.fiscalYear, now);
  const { columns, courseTitle } = await columnsOf(db, input);
  const described = await describe(db, columns, courseTitle);
  const today = localDate(now);
  return withTransaction(db, now, async (work) => {
    const id = await repo.insertRequirement(work.tx, planId, { ...columns, addedOn: today }, now);
    await repo.syncAssignments(work.tx, { fromYear: current.year, today, now, planId });
    recordAudit(work, [
      {
        actorId: actor.id,
        action: 'training.requirement.add',
        subjectType: 'training_plan',
        subjectId: planId,
        details: { plan: `${plan.fiscalYear}: ${plan.title}`, requirementId: id, after: described },
      },
    ]);
    return id;
  });
}

export async function updateRequirement(db: Database, actor: Viewer, planId: number, id: number, input: RequirementFormInput, now: Date) {
  const plan = await getPlan(db, planId);
  const current = await assertYearOpen(db, plan.fiscalYear, now);
  const existing = await getRequirement(db, planId, id);
  const { columns, courseTitle } = await columnsOf(db, input);
  const before = await describe(db, { ...existing.requirement }, existing.courseTitle);
  const after = await describe(db, columns, courseTitle);
  const today = localDate(now);
  await withTransaction(db, now, async (work) => {
    await repo.updateRequirement(work.tx, id, columns, now);
    await repo.syncAssignments(work.tx, { fromYear: current.year, today, now, planId });
    recordAudit(work, [
      {
        actorId: actor.id,
        action: 'training.requirement.update',
        subjectType: 'training_plan',
        subjectId: planId,
        details: { plan: `${plan.fiscalYear}: ${plan.title}`, requirementId: id, ...auditDiff(before, after) },
      },
    ]);
  });
}

export async function removeRequirement(db: Database, actor: Viewer, planId: number, id: number, now: Date) {
  const plan = await getPlan(db, planId);
  await assertYearOpen(db, plan.fiscalYear, now);
  const existing = await getRequirement(db, planId, id);
  const before = await describe(db, { ...existing.requirement }, existing.courseTitle);
  await withTransaction(db, now, async (work) => {
    await repo.removeRequirement(work.tx, id, now);
    recordAudit(work, [
      {
        actorId: actor.id,
        action: 'training.requirement.remove',
        subjectType: 'training_plan',
        subjectId: planId,
        details: { plan: `${plan.fiscalYear}: ${plan.title}`, requirementId: id, before },
      },
    ]);
  });
}
