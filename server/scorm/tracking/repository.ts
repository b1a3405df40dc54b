import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { attempts, courseResults, courseVersions, scos, scoStates, staff } from '../../db/schema';

export type AttemptRow = typeof attempts.$inferSelect;
export type ScoStateRow = typeof scoStates.$inferSelect;

/** An attempt as its owner sees it: the learner's own id is part of the query, never checked later. */
export async function findOwnAttempt(db: Database, staffId: number, attemptId: number, forUpdate = false) {
  const q = db
    .select({ attempt: attempts, standard: courseVersions.standard, completionRule: courseVersions.completionRule })
    .from(attempts)
    .innerJoin(courseVersions, eq(courseVersions.id, attempts.courseVersionId))
    .where(and(eq(attempts.id, attemptId), eq(attempts.staffId, staffId)))
    .limit(1);
  const [row] = forUpdate ? await q.for('update', { of: attempts }) : await q;
  return row;
}

/** For officers: any attempt, with who made it. */
export async function findAttempt(db: Database, attemptId: number) {
  const [row] = await db
    .select({ attempt: attempts, standard: courseVersions.standard, completionRule: courseVersions.completionRule, versionNo: courseVersions.versionNo, staffName: staff.name, employeeNo: staff.employeeNo })
    .from(attempts)
    .innerJoin(courseVersions, eq(courseVersions.id, attempts.courseVersionId))
    .innerJoin(staff, eq(staff.id, attempts.staffId))
    .where(eq(attempts.id, attemptId))
    .limit(1);
  return row;
}

export function attemptsOf(db: Database, staffId: number, courseId: number) {
  return db.select().from(attempts).where(and(eq(attempts.staffId, staffId), eq(attempts.courseId, courseId))).orderBy(desc(attempts.fiscalYear), desc(attempts.number));
}

export function attemptsForCourse(db: Database, courseId: number, fiscalYear: number) {
  return db
    .select({ attempt: attempts, staffName: staff.name, employeeNo: staff.employeeNo, versionNo: courseVersions.versionNo })
    .from(attempts)
    .innerJoin(staff, eq(staff.id, attempts.staffId))
    .innerJoin(courseVersions, eq(courseVersions.id, attempts.courseVersionId))
    .where(and(eq(attempts.courseId, courseId), eq(attempts.fiscalYear, fiscalYear)))
    .orderBy(asc(staff.employeeNo), asc(attempts.number));
}

export async function insertAttempt(db: Database, values: typeof attempts.$inferInsert): Promise<AttemptRow> {
  const [row] = await db.insert(attempts).values(values).returning();
  return row!;
}

export async function nextAttemptNumber(db: Database, staffId: number, courseId: number, fiscalYear: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`coalesce(max(${attempts.number}), 0)::int + 1` })
    .from(attempts)
    .where(and(eq(attempts.staffId, staffId), eq(attempts.courseId, courseId), eq(attempts.fiscalYear, fiscalYear)));
  return row?.n ?? 1;
}

export async function countAttempts(db: Database, staffId: number, courseId: number, fiscalYear: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(attempts)
    .where(and(eq(attempts.staffId, staffId), eq(attempts.courseId, courseId), eq(attempts.fiscalYear, fiscalYear)));
  return row?.n ?? 0;
}

export async function updateAttempt(db: Database, id: number, values: Partial<typeof attempts.$inferInsert>) {
  await db.update(attempts).set(values).where(eq(attempts.id, id));
}

export async function scoOfAttempt(db: Database, versionId: number, scoId: number) {
  const [row] = await db.select().from(scos).where(and(eq(scos.id, scoId), eq(scos.courseVersionId, versionId))).limit(1);
  return row;
}

export async function lockState(db: Database, attemptId: number, scoId: number): Promise<ScoStateRow | undefined> {
  const [row] = await db.select().from(scoStates).where(and(eq(scoStates.attemptId, attemptId), eq(scoStates.scoId, scoId))).for('update').limit(1);
  return row;
}

export function statesOf(db: Database, attemptId: number) {
  return db.select().from(scoStates).where(eq(scoStates.attemptId, attemptId));
}

export async function upsertState(db: Database, values: typeof scoStates.$inferInsert) {
  await db
    .insert(scoStates)
    .values(values)
    .onConflictDoUpdate({ target: [scoStates.attemptId, scoStates.scoId], set: { ...values, updatedAt: new Date() } });
}

/** Opens a new session on a SCO's state (creating the state on first launch); returns its number. */
export async function openSession(db: Database, attemptId: number, scoId: number): Promise<ScoStateRow> {
  const [row] = await db
    .insert(scoStates)
    .values({ attemptId, scoId, cmi: {}, sessionNo: 1 })
    .onConflictDoUpdate({
      target: [scoStates.attemptId, scoStates.scoId],
      set: {
        sessionNo: sql`${scoStates.sessionNo} + 1`,
        commitSeq: -1,
        // The session that ends now is folded into the total before the next one starts.
        priorSessionsSeconds: sql`${scoStates.priorSessionsSeconds} + ${scoStates.sessionSeconds}`,
        sessionSeconds: 0,
      },
    })
    .returning();
  return row!;
}

export async function upsertCourseResult(db: Database, values: typeof courseResults.$inferInsert) {
  // Completed stays completed within a fiscal year; the best score is kept.
  await db
    .insert(courseResults)
    .values(values)
    .onConflictDoUpdate({
      target: [courseResults.staffId, courseResults.courseId, courseResults.fiscalYear],
      set: {
        status: sql`CASE WHEN ${courseResults.status} = 'completed' THEN 'completed' ELSE excluded.status END`,
        bestScoreScaled: sql`GREATEST(${courseResults.bestScoreScaled}, excluded.best_score_scaled)`,
        completedAt: sql`COALESCE(${courseResults.completedAt}, excluded.completed_at)`,
        attemptId: sql`CASE WHEN ${courseResults.status} = 'completed' THEN ${courseResults.attemptId} ELSE excluded.attempt_id END`,
        updatedAt: new Date(),
      },
    });
}

export async function findCourseResult(db: Database, staffId: number, courseId: number, fiscalYear: number) {
  const [row] = await db
    .select()
    .from(courseResults)
    .where(and(eq(courseResults.staffId, staffId), eq(courseResults.courseId, courseId), eq(courseResults.fiscalYear, fiscalYear)))
    .limit(1);
  return row;
}

export function resultsOf(db: Database, staffId: number, fiscalYear: number) {
  return db.select().from(courseResults).where(and(eq(courseResults.staffId, staffId), eq(courseResults.fiscalYear, fiscalYear)));
}

/** What a commit needs of its attempt that never changes: owner, version, standard, rule. */
export async function attemptMeta(db: Database, attemptId: number) {
  const [row] = await db
    .select({ staffId: attempts.staffId, courseVersionId: attempts.courseVersionId, standard: courseVersions.standard, completionRule: courseVersions.completionRule })
    .from(attempts)
    .innerJoin(courseVersions, eq(courseVersions.id, attempts.courseVersionId))
    .where(eq(attempts.id, attemptId))
    .limit(1);
  return row;
}

export interface CommitWrite {
  attemptId: number;
  scoId: number;
  staffId: number;
  sessionNo: number;
  seq: number;
  values: Record<string, string>;
  sessionSeconds: number | null;
  /** undefined: the commit does not carry the element, keep what is stored. */
  location: string | null | undefined;
  exit: string | null | undefined;
}

/**
 * One statement: merges the commit's elements into the stored CMI, only for the owner, only in
 * the open session, only when its sequence is newer. Returns the merged CMI and the derived
 * status columns as they were (this statement does not touch them), or nothing when refused.
 */
export async function writeCommit(db: Database, w: CommitWrite) {
  const keep = (v: string | null | undefined) => v === undefined;
  // The attempt's time and last activity move with every commit, in the same statement.
  const result = await db.execute(sql`
    WITH written AS (
      UPDATE ${scoStates} AS s SET
        cmi = s.cmi || ${JSON.stringify(w.values)}::jsonb,
        commit_seq = ${w.seq},
        session_seconds = COALESCE(${w.sessionSeconds}::double precision, s.session_seconds),
        location = CASE WHEN ${keep(w.location)} THEN s.location ELSE ${w.location ?? null}::text END,
        exit = CASE WHEN ${keep(w.exit)} THEN s.exit ELSE ${w.exit ?? null}::text END,
        updated_at = now()
      FROM ${attempts} AS a
      WHERE s.attempt_id = ${w.attemptId} AND s.sco_id = ${w.scoId} AND a.id = s.attempt_id AND a.staff_id = ${w.staffId}
        AND s.session_no = ${w.sessionNo} AND s.commit_seq < ${w.seq}
      RETURNING s.cmi, s.completion, s.success, s.score_raw, s.score_min, s.score_max, s.score_scaled,
        s.prior_sessions_seconds + s.session_seconds AS sco_seconds
    ), attempt AS (
      UPDATE ${attempts} SET
        last_activity_at = now(),
        total_seconds = (SELECT sco_seconds FROM written) + COALESCE((
          SELECT sum(o.prior_sessions_seconds + o.session_seconds) FROM ${scoStates} o
          WHERE o.attempt_id = ${w.attemptId} AND o.sco_id <> ${w.scoId}), 0)
      WHERE id = ${w.attemptId} AND EXISTS (SELECT 1 FROM written)
    )
    SELECT * FROM written`);
  const rows = (result as unknown as { rows: Record<string, unknown>[] }).rows;
  return rows[0] as
    | { cmi: Record<string, string>; completion: string; success: string; score_raw: number | null; score_min: number | null; score_max: number | null; score_scaled: number | null }
    | undefined;
}

/** Writes the derived status, unless a newer commit has been stored meanwhile (it derives its own). */
export async function writeDerived(db: Database, attemptId: number, scoId: number, seq: number, d: { completion: string; success: string; scoreRaw: number | null; scoreMin: number | null; scoreMax: number | null; scoreScaled: number | null }) {
  await db
    .update(scoStates)
    .set({ completion: d.completion, success: d.success, scoreRaw: d.scoreRaw, scoreMin: d.scoreMin, scoreMax: d.scoreMax, scoreScaled: d.scoreScaled })
    .where(and(eq(scoStates.attemptId, attemptId), eq(scoStates.scoId, scoId), eq(scoStates.commitSeq, seq)));
}

/** Why a commit was not written: whose state it is and which session is open. */
export async function stateForDiagnosis(db: Database, staffId: number, attemptId: number, scoId: number) {
  const [row] = await db
    .select({ sessionNo: scoStates.sessionNo, commitSeq: scoStates.commitSeq })
    .from(scoStates)
    .innerJoin(attempts, eq(attempts.id, scoStates.attemptId))
    .where(and(eq(scoStates.attemptId, attemptId), eq(scoStates.scoId, scoId), eq(attempts.staffId, staffId)))
    .limit(1);
  return row;
}
