/**
 * Assignments: kept in step with the roster and the plans, exempted by the officer, completed by a
 * course's yearly result (read, never copied) or by attendance at a live session.
 */
import type { RosterScope, Viewer } from '../auth/policies';
import { recordAudit } from '../compliance/audit/service';
import type { Database } from '../db/client';
import { withTransaction, type Work } from '../db/transaction';
import type { ExemptionKind } from '../db/schema';
import { AppError, conflict, notFound } from '../lib/errors';
import { localDate, type Clock } from '../lib/dates';
import type { Logger } from '../lib/log';
import { onStaffChanged } from '../staff/service';
import { currentFiscalYear, fiscalYearOf } from './fiscal-year';
import * as repo from './repository';
import { getPlan, isYearOpen } from './years';

const ALL: RosterScope = { all: true };

// ---------------------------------------------------------------- the roster

/**
 * Keeps the open years' assignments in step with the roster, for one person or everyone (after a
 * roster change, a plan change, or when a person opens their home page). Idempotent and safe to
 * run concurrently; closed years are never touched.
 */
export async function syncRoster(db: Database, staffId: number | 'all', now: Date) {
  const { year } = await currentFiscalYear(db, now);
  await withTransaction(db, now, (work) =>
    repo.syncAssignments(work.tx, { fromYear: year, today: localDate(now), now, ...(staffId === 'all' ? {} : { staffId }) }),
  );
}

const followed = new WeakSet<Database>();
const syncing = new WeakMap<Database, Promise<void>>();

/**
 * Subscribes this database's assignments to roster changes (a hire, a transfer, a retirement, an
 * import): each change is synced after it commits, one at a time per database. A sync that fails
 * is logged; the next change, a plan save or the person's own home page brings them in step.
 */
export function followRoster(db: Database, clock: Clock, log: Logger) {
  if (followed.has(db)) return;
  followed.add(db);
  onStaffChanged((changed, staffId) => {
    if (changed !== db) return;
    const run = (syncing.get(db) ?? Promise.resolve())
      .then(() => syncRoster(db, staffId, clock()))
      .catch((err: unknown) => log.warn({ err, staffId }, 'training: assignments not synced after a roster change'));
    syncing.set(db, run);
  });
}

/** Resolves once the roster changes told so far are synced (tests, and a graceful shutdown). */
export const rosterSynced = (db: Database): Promise<void> => syncing.get(db) ?? Promise.resolve();

async function syncPlan(db: Database, plan: repo.PlanRow, now: Date) {
  await withTransaction(db, now, (work) =>
    repo.syncAssignments(work.tx, { fromYear: plan.fiscalYear, today: localDate(now), now, planId: plan.id }),
  );
}

// ---------------------------------------------------------------- assignments

export async function planAssignments(db: Database, scope: RosterScope, planId: number, now: Date, filter: repo.AssignmentFilter = {}) {
  const plan = await getPlan(db, planId);
  // The list is what is true now: anyone the roster added without telling (a new record) is in it.
  if (await isYearOpen(db, plan.fiscalYear, now)) await syncPlan(db, plan, now);
  const [rows, requirements] = await Promise.all([
    repo.planAssignments(db, scope, planId, localDate(now), filter),
    repo.requirementsOf(db, planId),
  ]);
  return { plan, rows, requirements };
}

/** One assignment, if the scope may see its person (404 otherwise, like a missing one). */
export async function getAssignment(db: Database, scope: RosterScope, id: number, now: Date) {
  const row = await repo.findAssignment(db, scope, id, localDate(now));
  if (!row) throw notFound();
  return { assignment: row, open: await isYearOpen(db, row.fiscalYear, now) };
}

export async function exemptAssignment(db: Database, actor: Viewer, id: number, input: { kind: ExemptionKind; reason: string }, now: Date) {
  const { assignment, open } = await getAssignment(db, ALL, id, now);
  if (!open) throw conflict('training.error.yearClosed', { year: assignment.fiscalYear });
  if (assignment.status === 'completed') throw conflict('training.error.alreadyCompleted');
  await withTransaction(db, now, async (work) => {
    const row = await repo.lockAssignment(work.tx, id);
    if (!row) throw notFound();
    await repo.setExemption(work.tx, id, { ...input, by: actor.id }, now);
    recordAudit(work, [
      {
        actorId: actor.id,
        action: 'training.assignment.exempt',
        subjectType: 'assignment',
        subjectId: id,
        details: {
          ...auditedAssignment(assignment),
          before: { status: assignment.status, exemptReason: row.exemptReason },
          after: { status: 'exempt', exemptKind: input.kind, exemptReason: input.reason },
        },
      },
    ]);
  });
}

/** Who and what an assignment's audit entry names, in words an inspector reads. */
function auditedAssignment(a: {
  employeeNo: string;
  staffName: string;
  courseTitle: string | null;
  requirementTitle: string | null;
  fiscalYear: number;
}) {
  return { staff: `${a.employeeNo} ${a.staffName}`, requirement: a.courseTitle ?? a.requirementTitle, fiscalYear: a.fiscalYear };
}

export async function clearExemption(db: Database, actor: Viewer, id: number, now: Date) {
  const { assignment, open } = await getAssignment(db, ALL, id, now);
  if (!open) throw conflict('training.error.yearClosed', { year: assignment.fiscalYear });
  if (!assignment.exemptReason) return;
  await withTransaction(db, now, async (work) => {
    await repo.setExemption(work.tx, id, null, now);
    recordAudit(work, [
      {
        actorId: actor.id,
        action: 'training.assignment.unexempt',
        subjectType: 'assignment',
        subjectId: id,
        details: {
          ...auditedAssignment(assignment),
          before: { exemptKind: assignment.exemptKind, exemptReason: assignment.exemptReason },
        },
      },
    ]);
  });
}

export interface AttendanceInput {
  staffId: number;
  requirementId: number;
  /** What the attendance came from, e.g. 'live_session:12' (kept as the assignment's evidence). */
  sessionRef: string;
  attendedAt: Date;
  /** Who recorded it (an officer ticking names); null for a learner's own check-in or the system. */
  actorId?: number | null;
}

/**
 * Attendance at a live session or drill completes the person's assignment to that requirement, in
 * the caller's transaction (the live-sessions feature records its attendance row in the same one).
 * A requirement that is a course, or a closed year, is refused; someone without an assignment to
 * it (not in its audience) gets 'not_assigned', and nothing is written. A second recording keeps
 * the first (its date and evidence) and answers 'already'.
 */
export async function completeFromAttendance(work: Work, input: AttendanceInput): Promise<'completed' | 'already' | 'not_assigned'> {
  const found = await repo.requirementWithPlan(work.tx, input.requirementId);
  if (!found) throw notFound();
  const { requirement, plan } = found;
  if (requirement.kind === 'course') throw new AppError(409, 'conflict', 'training.error.notLive');
  if (!(await isYearOpen(work.tx, plan.fiscalYear, work.now))) throw conflict('training.error.yearClosed', { year: plan.fiscalYear });
  const startMonth = (await currentFiscalYear(work.tx, work.now)).startMonth;
  if (fiscalYearOf(input.attendedAt, startMonth) !== plan.fiscalYear)
    throw conflict('training.error.attendanceOutsideYear', { year: plan.fiscalYear });
  const result = await repo.recordAttendance(
    work.tx,
    requirement.id,
    input.staffId,
    { attendedAt: input.attendedAt, sessionRef: input.sessionRef, by: input.actorId ?? null },
    work.now,
  );
  if (!result) return 'not_assigned';
  if (!result.recorded) return 'already';
  recordAudit(work, [
    {
      actorId: input.actorId ?? null,
      action: 'training.assignment.attend',
      subjectType: 'assignment',
      subjectId: result.id,
      details: {
        staffId: input.staffId,
        requirement: requirement.title,
        fiscalYear: plan.fiscalYear,
        attendedAt: input.attendedAt.toISOString(),
        evidence: input.sessionRef,
        after: { status: 'completed' },
      },
    },
  ]);
  return 'completed';
}

// ---------------------------------------------------------------- a person's own training

/** The signed-in person's required training: this year's, and past years' (read-only). */
export async function myTraining(db: Database, viewer: Viewer, now: Date) {
  // Self-healing: whatever a lost roster notification missed, the person's own page brings in step.
  await syncRoster(db, viewer.id, now);
  const [{ year }, rows] = await Promise.all([currentFiscalYear(db, now), repo.assignmentsOfStaff(db, viewer.id, localDate(now))]);
  return { year, current: rows.filter((r) => r.fiscalYear === year), past: rows.filter((r) => r.fiscalYear < year) };
}
