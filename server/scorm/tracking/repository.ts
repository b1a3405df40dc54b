import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { runPrepared, type Database, type PreparedStatement } from '../../db/client';
import { attempts, courseResults, courseVersions, scos, scoStates, staff } from '../../db/schema';
import { STATUS_ELEMENTS } from '../runtime/derive';

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
    .select({
      attempt: attempts,
      standard: courseVersions.standard,
      completionRule: courseVersions.completionRule,
      versionNo: courseVersions.versionNo,
      staffName: staff.name,
      employeeNo: staff.employeeNo,
    })
    .from(attempts)
    .innerJoin(courseVersions, eq(courseVersions.id, attempts.courseVersionId))
    .innerJoin(staff, eq(staff.id, attempts.staffId))
    .where(eq(attempts.id, attemptId))
    .limit(1);
  return row;
}

export function attemptsOf(db: Database, staffId: number, courseId: number) {
  return db
    .select()
    .from(attempts)
    .where(and(eq(attempts.staffId, staffId), eq(attempts.courseId, courseId)))
    .orderBy(desc(attempts.fiscalYear), desc(attempts.number));
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
  const [row] = await db
    .select()
    .from(scos)
    .where(and(eq(scos.id, scoId), eq(scos.courseVersionId, versionId)))
    .limit(1);
  return row;
}

export async function lockState(db: Database, attemptId: number, scoId: number): Promise<ScoStateRow | undefined> {
  const [row] = await db
    .select()
    .from(scoStates)
    .where(and(eq(scoStates.attemptId, attemptId), eq(scoStates.scoId, scoId)))
    .for('update')
    .limit(1);
  return row;
}

export function statesOf(db: Database, attemptId: number) {
  return db.select().from(scoStates).where(eq(scoStates.attemptId, attemptId));
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

export async function upsertCourseResult(db: Database, values: typeof courseResults.$inferInsert, now: Date) {
  // Completed stays completed within a fiscal year; the best score is kept.
  await db
    .insert(courseResults)
    .values({ ...values, updatedAt: now })
    .onConflictDoUpdate({
      target: [courseResults.staffId, courseResults.courseId, courseResults.fiscalYear],
      set: {
        status: sql`CASE WHEN ${courseResults.status} = 'completed' THEN 'completed' ELSE excluded.status END`,
        bestScoreScaled: sql`GREATEST(${courseResults.bestScoreScaled}, excluded.best_score_scaled)`,
        completedAt: sql`COALESCE(${courseResults.completedAt}, excluded.completed_at)`,
        attemptId: sql`CASE WHEN ${courseResults.status} = 'completed' THEN ${courseResults.attemptId} ELSE excluded.attempt_id END`,
        updatedAt: now,
      },
    });
}

/** Whether the staff member has an attempt on this course version (any year, any number). */
export async function hasAttemptOn(db: Database, staffId: number, courseVersionId: number): Promise<boolean> {
  const [row] = await db
    .select({ id: attempts.id })
    .from(attempts)
    .where(and(eq(attempts.staffId, staffId), eq(attempts.courseVersionId, courseVersionId)))
    .limit(1);
  return row !== undefined;
}

export function resultsOf(db: Database, staffId: number, fiscalYear: number) {
  return db
    .select()
    .from(courseResults)
    .where(and(eq(courseResults.staffId, staffId), eq(courseResults.fiscalYear, fiscalYear)));
}

/** What a commit needs of its attempt that never changes: owner, version, fiscal year, standard, rule. */
export async function attemptMeta(db: Database, attemptId: number) {
  const [row] = await db
    .select({
      staffId: attempts.staffId,
      fiscalYear: attempts.fiscalYear,
      courseVersionId: attempts.courseVersionId,
      standard: courseVersions.standard,
      completionRule: courseVersions.completionRule,
    })
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
  /** The commit's one clock: the state's updated_at and the attempt's last activity. */
  at: Date;
}

/** What the store answers for one written commit: the status elements and derived columns as stored before it. */
export interface WrittenCommit {
  /** STATUS_ELEMENTS of the merged CMI (absent ones left out). */
  status: Record<string, string>;
  completion: string;
  success: string;
  score_raw: number | null;
  score_min: number | null;
  score_max: number | null;
  score_scaled: number | null;
}

// Built once: the status elements of the merged CMI, returned instead of the whole CMI (which
// can hold 64,000 characters of suspend_data that nobody on this path reads).
const statusOfMerged = sql.raw(
  `jsonb_strip_nulls(jsonb_build_object(${STATUS_ELEMENTS.map((k) => `'${k}', s.cmi -> '${k}'`).join(', ')}))`,
);

// The attempts update sees the snapshot before this statement: the SCO just written adds its
// new time (sco_seconds), the attempt's other SCOs their stored time. A batch never holds two
// commits of one attempt (CommitBatcher), so each attempt row is updated once. This is the one
// place an attempt's total time is computed: only a commit changes a SCO's time (a new session
// folds the last one into the prior total, which leaves the sum as it was). Every time stamp is
// the commit's own clock (x.t), never the database's now().
const WRITE_COMMITS: PreparedStatement = {
  name: 'mamoru_write_commits_v2',
  text: new PgDialect().sqlToQuery(sql`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${sql.placeholder('input')}::jsonb)
        AS x(i int, a int, s int, st int, n int, q int, v jsonb, ss double precision, l text, sl boolean, e text, se boolean, t timestamptz)
    ), written AS (
      UPDATE ${scoStates} AS s SET
        cmi = s.cmi || x.v,
        commit_seq = x.q,
        session_seconds = COALESCE(x.ss, s.session_seconds),
        location = CASE WHEN x.sl THEN x.l ELSE s.location END,
        exit = CASE WHEN x.se THEN x.e ELSE s.exit END,
        updated_at = x.t
      FROM input AS x, ${attempts} AS a
      WHERE s.attempt_id = x.a AND s.sco_id = x.s AND a.id = x.a AND a.staff_id = x.st
        AND s.session_no = x.n AND s.commit_seq < x.q
      RETURNING x.i, x.t, s.attempt_id, s.sco_id, ${statusOfMerged} AS status, s.completion, s.success,
        s.score_raw, s.score_min, s.score_max, s.score_scaled, s.prior_sessions_seconds + s.session_seconds AS sco_seconds
    ), timed AS (
      UPDATE ${attempts} AS t SET
        last_activity_at = w.t,
        total_seconds = w.sco_seconds + COALESCE((
          SELECT sum(o.prior_sessions_seconds + o.session_seconds) FROM ${scoStates} o
          WHERE o.attempt_id = w.attempt_id AND o.sco_id <> w.sco_id), 0)
      FROM written AS w
      WHERE t.id = w.attempt_id
    )
    SELECT i, status, completion, success, score_raw, score_min, score_max, score_scaled FROM written`).sql,
};

/**
 * One statement for a batch of commits to different attempts: merges each commit's elements
 * into the stored CMI, only for the owner, only in the open session, only when its sequence is
 * newer, and moves the attempt's time and last activity. Answers, in the order given, what was
 * written (see WrittenCommit), or undefined for a commit that was refused.
 */
export async function writeCommits(db: Database, batch: CommitWrite[]): Promise<(WrittenCommit | undefined)[]> {
  const input = batch.map((w, i) => ({
    i,
    a: w.attemptId,
    s: w.scoId,
    st: w.staffId,
    n: w.sessionNo,
    q: w.seq,
    v: w.values,
    ss: w.sessionSeconds,
    l: w.location ?? null,
    sl: w.location !== undefined,
    e: w.exit ?? null,
    se: w.exit !== undefined,
    t: w.at.toISOString(),
  }));
  const rows = (await runPrepared(db, WRITE_COMMITS, [JSON.stringify(input)])) as unknown as (WrittenCommit & { i: number })[];
  const answers: (WrittenCommit | undefined)[] = batch.map(() => undefined);
  for (const { i, ...written } of rows) answers[i] = written;
  return answers;
}

/** Writes the derived status, unless a newer commit has been stored meanwhile (it derives its own, from CMI that includes this one's). */
export async function writeDerived(
  db: Database,
  attemptId: number,
  scoId: number,
  seq: number,
  d: {
    completion: string;
    success: string;
    scoreRaw: number | null;
    scoreMin: number | null;
    scoreMax: number | null;
    scoreScaled: number | null;
  },
) {
  await db
    .update(scoStates)
    .set({
      completion: d.completion,
      success: d.success,
      scoreRaw: d.scoreRaw,
      scoreMin: d.scoreMin,
      scoreMax: d.scoreMax,
      scoreScaled: d.scoreScaled,
    })
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
