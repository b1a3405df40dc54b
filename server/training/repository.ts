/**
 * The training year's queries: plans, requirements, assignments. An assignment's status is
 * derived here, in SQL, from what is true at read time (the course's yearly result, attendance,
 * exemption, retirement, the due date against today in Japan): nothing stored can go stale.
 */
import { and, asc, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { RosterScope } from '../auth/policies';
import type { Database } from '../db/client';
import {
  assignments,
  attempts,
  courseResults,
  courses,
  departments,
  jobCategories,
  planRequirements,
  staff,
  trainingPlans,
  type ExemptionKind,
} from '../db/schema';

export type PlanRow = typeof trainingPlans.$inferSelect;
export type RequirementRow = typeof planRequirements.$inferSelect;
export type RequirementInsert = Omit<typeof planRequirements.$inferInsert, 'id' | 'planId'>;
export const ASSIGNMENT_STATUSES = ['not_started', 'in_progress', 'completed', 'overdue', 'exempt', 'retired'] as const;
export type AssignmentStatus = (typeof ASSIGNMENT_STATUSES)[number];

// ---------------------------------------------------------------- plans and requirements

export function listPlans(db: Database) {
  return db
    .select({
      plan: trainingPlans,
      requirements: sql<number>`(SELECT count(*)::int FROM ${planRequirements} r WHERE r.plan_id = ${trainingPlans.id} AND r.removed_at IS NULL)`,
    })
    .from(trainingPlans)
    .orderBy(desc(trainingPlans.fiscalYear), asc(trainingPlans.id));
}

export async function findPlan(db: Database, id: number) {
  const [row] = await db.select().from(trainingPlans).where(eq(trainingPlans.id, id));
  return row;
}

export const plansOfYear = (db: Database, fiscalYear: number) =>
  db.select().from(trainingPlans).where(eq(trainingPlans.fiscalYear, fiscalYear)).orderBy(asc(trainingPlans.id));

export async function insertPlan(db: Database, values: typeof trainingPlans.$inferInsert, now: Date) {
  const [row] = await db
    .insert(trainingPlans)
    .values({ ...values, createdAt: now, updatedAt: now })
    .returning({ id: trainingPlans.id });
  return row!.id;
}

export async function updatePlan(db: Database, id: number, values: { title: string }, now: Date) {
  await db
    .update(trainingPlans)
    .set({ ...values, updatedAt: now })
    .where(eq(trainingPlans.id, id));
}

const requirementColumns = {
  requirement: planRequirements,
  courseTitle: courses.title,
  courseOrigin: courses.origin,
};

/** A plan's requirements in order, with their course's name and origin (builtin = one of ours). */
export function requirementsOf(db: Database, planId: number) {
  return db
    .select(requirementColumns)
    .from(planRequirements)
    .leftJoin(courses, eq(courses.id, planRequirements.courseId))
    .where(and(eq(planRequirements.planId, planId), isNull(planRequirements.removedAt)))
    .orderBy(asc(planRequirements.sortOrder), asc(planRequirements.id));
}

export async function findRequirement(db: Database, planId: number, id: number) {
  const [row] = await db
    .select(requirementColumns)
    .from(planRequirements)
    .leftJoin(courses, eq(courses.id, planRequirements.courseId))
    .where(and(eq(planRequirements.id, id), eq(planRequirements.planId, planId), isNull(planRequirements.removedAt)));
  return row;
}

export async function requirementWithPlan(db: Database, id: number) {
  const [row] = await db
    .select({ requirement: planRequirements, plan: trainingPlans })
    .from(planRequirements)
    .innerJoin(trainingPlans, eq(trainingPlans.id, planRequirements.planId))
    .where(and(eq(planRequirements.id, id), isNull(planRequirements.removedAt)));
  return row;
}

export async function insertRequirement(db: Database, planId: number, values: RequirementInsert, now: Date) {
  const [row] = await db
    .insert(planRequirements)
    .values({ ...values, planId, createdAt: now, updatedAt: now })
    .returning({ id: planRequirements.id });
  return row!.id;
}

export async function updateRequirement(db: Database, id: number, values: Partial<RequirementInsert>, now: Date) {
  await db
    .update(planRequirements)
    .set({ ...values, updatedAt: now })
    .where(eq(planRequirements.id, id));
}

export const removeRequirement = (db: Database, id: number, now: Date) =>
  db.update(planRequirements).set({ removedAt: now, updatedAt: now }).where(eq(planRequirements.id, id));

/** Active staff ids of these employee numbers (hand-picked audiences are typed as employee numbers). */
export function staffByEmployeeNo(db: Database, employeeNos: string[]) {
  if (employeeNos.length === 0) return Promise.resolve([]);
  return db.select({ id: staff.id, employeeNo: staff.employeeNo }).from(staff).where(inArray(staff.employeeNo, employeeNos));
}

export function employeeNosOf(db: Database, ids: number[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.select({ id: staff.id, employeeNo: staff.employeeNo, name: staff.name }).from(staff).where(inArray(staff.id, ids));
}

// ---------------------------------------------------------------- keeping assignments in step

/** Whether staff row `s` is in requirement `r`'s audience (the one home of the audience rule). */
const inAudience = sql`(
  (r.audience_all
    OR s.department_id = ANY(r.department_ids)
    OR s.job_category_id = ANY(r.job_category_ids)
    OR s.roles && r.roles
    OR s.id = ANY(r.staff_ids))
  AND NOT (s.id = ANY(r.excluded_staff_ids)))`;

export interface SyncScope {
  /** Plans of this year and later are kept in step; earlier years are history and never touched. */
  fromYear: number;
  today: string;
  now: Date;
  staffId?: number;
  planId?: number;
}

/**
 * Brings assignments in line with the roster and the plans, in two set-based statements that are
 * safe to run concurrently (ON CONFLICT; updates of rows, never read-modify-write in JS):
 * 1. everyone active in an audience has an assignment (a new one, or one given back after a
 *    transfer away); someone who joins after the plan started gets `joined_on` (own due date);
 * 2. an open assignment of someone who left the audience is set aside (in_audience = false).
 *    A completed one stays; a retiree stays in the audience (their status reads 'retired').
 */
export async function syncAssignments(db: Database, scope: SyncScope) {
  const staffFilter = scope.staffId === undefined ? sql`` : sql`AND s.id = ${scope.staffId}`;
  const planFilter = scope.planId === undefined ? sql`` : sql`AND p.id = ${scope.planId}`;
  const today = scope.today;
  const at = sql`${scope.now.toISOString()}::timestamptz`;
  const joined = sql`greatest(coalesce(s.hired_on, ${today}::date), ${today}::date)`;
  await db.execute(sql`
    INSERT INTO assignments (requirement_id, staff_id, joined_on, created_at, updated_at)
    SELECT r.id, s.id,
           CASE WHEN ${joined} > greatest(p.starts_on, r.added_on) THEN ${joined} END,
           ${at}, ${at}
      FROM plan_requirements r
      JOIN training_plans p ON p.id = r.plan_id
      JOIN staff s ON ${inAudience}
     WHERE r.removed_at IS NULL
       AND p.fiscal_year >= ${scope.fromYear}
       AND (s.retired_on IS NULL OR s.retired_on > ${today}::date)
       ${staffFilter} ${planFilter}
    ON CONFLICT (requirement_id, staff_id)
    DO UPDATE SET in_audience = true, updated_at = excluded.updated_at
    WHERE assignments.in_audience = false`);
  await db.execute(sql`
    UPDATE assignments a SET in_audience = false, updated_at = ${at}
      FROM plan_requirements r, training_plans p, staff s
     WHERE r.id = a.requirement_id AND p.id = r.plan_id AND s.id = a.staff_id
       AND a.in_audience
       AND p.fiscal_year >= ${scope.fromYear}
       AND a.attended_at IS NULL
       AND NOT ${inAudience}
       AND NOT EXISTS (SELECT 1 FROM course_results cr
                        WHERE cr.staff_id = a.staff_id AND cr.course_id = r.course_id
                          AND cr.fiscal_year = p.fiscal_year AND cr.status = 'completed')
       ${staffFilter} ${planFilter}`);
}

// ---------------------------------------------------------------- reading assignments

/** A person's own due date: the requirement's, or later for someone who joined after the start. */
const dueOn = sql<string>`greatest(${planRequirements.dueOn}, ${assignments.joinedOn} + ${planRequirements.joinDays})::text`;

/** The status a person sees, from what is true now (the one home of the assignment status rule). */
function statusOf(today: string): SQL<AssignmentStatus> {
  return sql<AssignmentStatus>`CASE
    WHEN ${assignments.attendedAt} IS NOT NULL OR ${courseResults.status} = 'completed' THEN 'completed'
    WHEN ${assignments.exemptReason} IS NOT NULL THEN 'exempt'
    WHEN ${staff.retiredOn} IS NOT NULL AND ${staff.retiredOn} <= least(${today}::date, ${trainingPlans.yearEndsOn}) THEN 'retired'
    WHEN greatest(${planRequirements.dueOn}, ${assignments.joinedOn} + ${planRequirements.joinDays}) < ${today}::date THEN 'overdue'
    WHEN ${courseResults.status} = 'in_progress' OR EXISTS (
      SELECT 1 FROM ${attempts} WHERE ${attempts.staffId} = ${assignments.staffId}
        AND ${attempts.courseId} = ${planRequirements.courseId} AND ${attempts.fiscalYear} = ${trainingPlans.fiscalYear}) THEN 'in_progress'
    ELSE 'not_started' END`;
}

const completedAt = sql<Date | null>`coalesce(${assignments.attendedAt}, CASE WHEN ${courseResults.status} = 'completed' THEN ${courseResults.completedAt} END)`;

function assignmentColumns(today: string) {
  return {
    id: assignments.id,
    staffId: assignments.staffId,
    staffName: staff.name,
    employeeNo: staff.employeeNo,
    departmentId: staff.departmentId,
    departmentName: departments.name,
    jobCategoryName: jobCategories.name,
    retiredOn: staff.retiredOn,
    requirementId: planRequirements.id,
    kind: planRequirements.kind,
    courseId: planRequirements.courseId,
    courseTitle: courses.title,
    requirementTitle: planRequirements.title,
    planId: trainingPlans.id,
    planTitle: trainingPlans.title,
    fiscalYear: trainingPlans.fiscalYear,
    joinedOn: assignments.joinedOn,
    dueOn,
    status: statusOf(today),
    completedAt,
    // The evidence of a course completion: the attempt that completed it.
    evidenceAttemptId: sql<number | null>`CASE WHEN ${courseResults.status} = 'completed' THEN ${courseResults.attemptId} END`,
    sessionRef: assignments.sessionRef,
    exemptKind: assignments.exemptKind,
    exemptReason: assignments.exemptReason,
    exemptedAt: assignments.exemptedAt,
  };
}

function assignmentQuery(db: Database, today: string) {
  return db
    .select(assignmentColumns(today))
    .from(assignments)
    .innerJoin(planRequirements, eq(planRequirements.id, assignments.requirementId))
    .innerJoin(trainingPlans, eq(trainingPlans.id, planRequirements.planId))
    .innerJoin(staff, eq(staff.id, assignments.staffId))
    .leftJoin(departments, eq(departments.id, staff.departmentId))
    .leftJoin(jobCategories, eq(jobCategories.id, staff.jobCategoryId))
    .leftJoin(courses, eq(courses.id, planRequirements.courseId))
    .leftJoin(
      courseResults,
      and(
        eq(courseResults.staffId, assignments.staffId),
        eq(courseResults.courseId, planRequirements.courseId),
        eq(courseResults.fiscalYear, trainingPlans.fiscalYear),
      ),
    );
}

export type AssignmentView = Awaited<ReturnType<typeof findAssignment>> & {};

function scopeCondition(scope: RosterScope): SQL | undefined {
  if (scope.all) return undefined;
  if (scope.departmentIds.length === 0) return sql`false`;
  return inArray(staff.departmentId, scope.departmentIds);
}

const shown = and(eq(assignments.inAudience, true), isNull(planRequirements.removedAt));

export interface AssignmentFilter {
  requirementId?: number | undefined;
  status?: AssignmentStatus | undefined;
}

/** A plan's assignments that the scope may see, by department and employee number. */
export function planAssignments(db: Database, scope: RosterScope, planId: number, today: string, filter: AssignmentFilter = {}) {
  return assignmentQuery(db, today)
    .where(
      and(
        shown,
        eq(trainingPlans.id, planId),
        scopeCondition(scope),
        filter.requirementId ? eq(planRequirements.id, filter.requirementId) : undefined,
        filter.status ? sql`${statusOf(today)} = ${filter.status}` : undefined,
      ),
    )
    .orderBy(
      asc(departments.sortOrder),
      asc(departments.name),
      asc(staff.employeeNo),
      asc(planRequirements.sortOrder),
      asc(planRequirements.id),
    );
}

export async function findAssignment(db: Database, scope: RosterScope, id: number, today: string) {
  const [row] = await assignmentQuery(db, today).where(
    and(eq(assignments.id, id), isNull(planRequirements.removedAt), scopeCondition(scope)),
  );
  return row;
}

/** One person's assignments of every year (newest year first). */
export function assignmentsOfStaff(db: Database, staffId: number, today: string) {
  return assignmentQuery(db, today)
    .where(and(shown, eq(assignments.staffId, staffId)))
    .orderBy(desc(trainingPlans.fiscalYear), asc(trainingPlans.id), asc(planRequirements.sortOrder), asc(planRequirements.id));
}

export async function lockAssignment(db: Database, id: number) {
  const [row] = await db.select().from(assignments).where(eq(assignments.id, id)).for('update');
  return row;
}

export async function setExemption(
  db: Database,
  id: number,
  exemption: { kind: ExemptionKind; reason: string; by: number } | null,
  now: Date,
) {
  await db
    .update(assignments)
    .set(
      exemption
        ? { exemptKind: exemption.kind, exemptReason: exemption.reason, exemptedBy: exemption.by, exemptedAt: now, updatedAt: now }
        : { exemptKind: null, exemptReason: null, exemptedBy: null, exemptedAt: null, updatedAt: now },
    )
    .where(eq(assignments.id, id));
}

/**
 * Records attendance on the person's assignment if it is not yet attended (one statement: two
 * recordings at once leave the first). Returns the assignment's id and whether this call recorded it.
 */
export async function recordAttendance(
  db: Database,
  requirementId: number,
  staffId: number,
  values: { attendedAt: Date; sessionRef: string; by: number | null },
  now: Date,
) {
  const [updated] = await db
    .update(assignments)
    // Attended is evidence whatever the roster says since: the assignment is shown again if it was set aside.
    .set({
      attendedAt: values.attendedAt,
      sessionRef: values.sessionRef,
      attendanceRecordedBy: values.by,
      inAudience: true,
      updatedAt: now,
    })
    .where(and(eq(assignments.requirementId, requirementId), eq(assignments.staffId, staffId), isNull(assignments.attendedAt)))
    .returning({ id: assignments.id });
  if (updated) return { id: updated.id, recorded: true };
  const [existing] = await db
    .select({ id: assignments.id })
    .from(assignments)
    .where(and(eq(assignments.requirementId, requirementId), eq(assignments.staffId, staffId)));
  return existing ? { id: existing.id, recorded: false } : undefined;
}
