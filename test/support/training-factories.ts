/**
 * Training plans and requirements made the way the officer makes them (through the training
 * service, so every sync and audit runs), and the roster reads the tests assert on.
 */
import { and, eq } from 'drizzle-orm';
import type { Viewer } from '../../server/auth/policies';
import type { Database } from '../../server/db/client';
import { assignments, type RequirementKind } from '../../server/db/schema';
import type { RequirementFormInput } from '../../server/training/schema';
import { addRequirement, createPlan } from '../../server/training/service';
import { makeCourse, makeCourseVersion, makeOfficer } from './factories';
import { asViewer } from './scorm-flow';

export async function officerViewer(db: Database): Promise<Viewer> {
  return asViewer(await makeOfficer(db));
}

export async function makePlan(db: Database, now: Date, o: { officer?: Viewer; fiscalYear: number; title?: string }) {
  const officer = o.officer ?? (await officerViewer(db));
  const id = await createPlan(db, officer, { fiscalYear: o.fiscalYear, title: o.title ?? `計画 ${o.fiscalYear}` }, now);
  return { id, officer };
}

/** A course that can be taken (it has a current version). */
export async function makeTakeableCourse(db: Database, o: { title?: string; origin?: 'builtin' | 'uploaded' } = {}) {
  const course = await makeCourse(db, { ...(o.title ? { title: o.title } : {}), ...(o.origin ? { origin: o.origin } : {}) });
  await makeCourseVersion(db, { courseId: course.id });
  return course;
}

export function requirementInput(o: Partial<RequirementFormInput> & { kind?: RequirementKind } = {}): RequirementFormInput {
  return {
    kind: 'course',
    courseId: undefined,
    title: undefined,
    dueOn: '2026-09-30',
    joinDays: 30,
    audienceAll: false,
    departmentIds: [],
    jobCategoryIds: [],
    roles: [],
    staffNos: [],
    excludedStaffNos: [],
    testConfirmed: false,
    ...o,
  };
}

export async function makeRequirement(db: Database, now: Date, planId: number, officer: Viewer, o: Partial<RequirementFormInput> = {}) {
  return addRequirement(db, officer, planId, requirementInput(o), now);
}

/** The assignment row of a person for a requirement (undefined when none). */
export async function assignmentRow(db: Database, requirementId: number, staffId: number) {
  const [row] = await db
    .select()
    .from(assignments)
    .where(and(eq(assignments.requirementId, requirementId), eq(assignments.staffId, staffId)));
  return row;
}
