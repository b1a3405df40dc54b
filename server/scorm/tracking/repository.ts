import { and, asc, desc, eq, getTableColumns, sql } from 'drizzle-orm';
import { alias, PgDialect } from 'drizzle-orm/pg-core';
import { runPrepared, type Database, type PreparedStatement } from '../../db/client';
import { attempts, courseResults, courseVersions, scos, scoStates, staff } from '../../db/schema';
import { STATUS_ELEMENTS } from '../runtime/derive';

export type AttemptRow = typeof attempts.$inferSelect;
export type ScoStateRow = typeof scoStates.$inferSelect;

// The officer who marked an attempt complete (attempts.marked_by): their name goes wherever the result is shown.
const marker = alias(staff, 'marker');

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
      gradedByServer: courseVersions.gradedByServer,
      staffName: staff.name,
      employeeNo: staff.employeeNo,
      markedByName: marker.name,
    })
    .from(attempts)
    .innerJoin(courseVersions, eq(courseVersions.id, attempts.courseVersionId))
    .innerJoin(staff, eq(staff.id, attempts.staffId))
    .leftJoin(marker, eq(marker.id, attempts.markedBy))
    .where(eq(attempts.id, attemptId))
    .limit(1);
  return row;
}

/** The learner's attempts of a course, each with the name of the officer who marked it complete (if one did). */
export function attemptsOf(db: Database, staffId: number, courseId: number) {
  return db
    .select({ ...getTableColumns(attempts), markedByName: marker.name, gradedByServer: courseVersions.gradedByServer })
    .from(attempts)
    .innerJoin(courseVersions, eq(courseVersions.id, attempts.courseVersionId))
    .leftJoin(marker, eq(marker.id, attempts.markedBy))
    .where(and(eq(attempts.staffId, staffId), eq(attempts.courseId, courseId)))
    .orderBy(desc(attempts.fiscalYear), desc(attempts.number));
}

export function attemptsForCourse(db: Database, courseId: number, fiscalYear: number) {
  return db
    .select({
      attempt: attempts,
      staffName: staff.name,
      employeeNo: staff.employeeNo,
      versionNo: courseVersions.versionNo,
      gradedByServer: courseVersions.gradedByServer,
      markedByName: marker.name,
    })
    .from(attempts)
    .innerJoin(staff, eq(staff.id, attempts.staffId))
    .innerJoin(courseVersions, eq(courseVersions.id, attempts.courseVersionId))
    .leftJoin(marker, eq(marker.id, attempts.markedBy))
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

/**
 * Opens a new session on a SCO's state (creating the state on first launch); returns its number.
 * `now` (the launch's clock) starts the server's measure of the session: each commit measures
 * from it. Without it the session is not measured and counts what the content reports.
 */
export async function openSession(db: Database, attemptId: number, scoId: number, now?: Date): Promise<ScoStateRow> {
  const measured = now ? { sessionOpenedAt: now, sessionMeasuredSeconds: 0 } : { sessionOpenedAt: null, sessionMeasuredSeconds: null };
  const [row] = await db
    .insert(scoStates)
    .values({ attemptId, scoId, cmi: {}, sessionNo: 1, priorMeasuredSeconds: 0, ...measured })
    .onConflictDoUpdate({
      target: [scoStates.attemptId, scoStates.scoId],
      set: {
        sessionNo: sql`${scoStates.sessionNo} + 1`,
        commitSeq: -1,
        // The session that ends now is folded into the totals before the next one starts (an
        // unmeasured one leaves the measured total unknown; LEAST ignores its null).
        priorSessionsSeconds: sql`${scoStates.priorSessionsSeconds} + ${scoStates.sessionSeconds}`,
        priorMeasuredSeconds: sql`${scoStates.priorMeasuredSeconds} + ${scoStates.sessionMeasuredSeconds}`,
        priorCountedSeconds: sql`${scoStates.priorCountedSeconds} + LEAST(${scoStates.sessionSeconds}, ${scoStates.sessionMeasuredSeconds})`,
        sessionSeconds: 0,
        ...measured,
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
// new time (sco_*), the attempt's other SCOs their stored time. A batch never holds two
// commits of one attempt (CommitBatcher), so each attempt row is updated once. This is the one
// place an attempt's total time is computed: only a commit changes a SCO's time (a new session
// folds the last one into the prior totals, which leaves the sums as they were). Every time
// stamp is the commit's own clock (x.t), never the database's now().
//
// Time has two sources. The content reports its session time (session_seconds); the server
// measures the session from its launch (session_opened_at) to this commit, never negative and
// never shrinking. What counts (total_seconds) is, per session, the smaller of the two: content
// cannot claim more time than the session was open, and an idle open window cannot claim more
// than the content reported. LEAST ignores a null, so an unmeasured session counts its report;
// the measured sum of an attempt with any unmeasured session is unknown (null).
const WRITE_COMMITS: PreparedStatement = {
  name: 'mamoru_write_commits_v3',
  text: new PgDialect().sqlToQuery(sql`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${sql.placeholder('input')}::jsonb)
        AS x(i int, a int, s int, st int, n int, q int, v jsonb, ss double precision, l text, sl boolean, e text, se boolean, t timestamptz)
    ), written AS (
      UPDATE ${scoStates} AS s SET
        cmi = s.cmi || x.v,
        commit_seq = x.q,
        session_seconds = COALESCE(x.ss, s.session_seconds),
        session_measured_seconds = CASE WHEN s.session_opened_at IS NOT NULL
          THEN GREATEST(0, s.session_measured_seconds, EXTRACT(EPOCH FROM x.t - s.session_opened_at)) END,
        location = CASE WHEN x.sl THEN x.l ELSE s.location END,
        exit = CASE WHEN x.se THEN x.e ELSE s.exit END,
        updated_at = x.t
      FROM input AS x, ${attempts} AS a
      WHERE s.attempt_id = x.a AND s.sco_id = x.s AND a.id = x.a AND a.staff_id = x.st
        AND s.session_no = x.n AND s.commit_seq < x.q
      RETURNING x.i, x.t, s.attempt_id, s.sco_id, ${statusOfMerged} AS status, s.completion, s.success,
        s.score_raw, s.score_min, s.score_max, s.score_scaled,
        s.prior_sessions_seconds + s.session_seconds AS sco_reported,
        s.prior_measured_seconds + s.session_measured_seconds AS sco_measured,
        s.prior_counted_seconds + LEAST(s.session_seconds, s.session_measured_seconds) AS sco_counted
    ), timed AS (
      UPDATE ${attempts} AS t SET
        last_activity_at = w.t,
        total_seconds = w.sco_counted + o.counted,
        reported_seconds = w.sco_reported + o.reported,
        measured_seconds = w.sco_measured + o.measured
      FROM written AS w, LATERAL (
        SELECT COALESCE(sum(o.prior_counted_seconds + LEAST(o.session_seconds, o.session_measured_seconds)), 0) AS counted,
          COALESCE(sum(o.prior_sessions_seconds + o.session_seconds), 0) AS reported,
          CASE WHEN count(*) = count(o.prior_measured_seconds + o.session_measured_seconds)
            THEN COALESCE(sum(o.prior_measured_seconds + o.session_measured_seconds), 0) END AS measured
        FROM ${scoStates} o
        WHERE o.attempt_id = w.attempt_id AND o.sco_id <> w.sco_id
      ) AS o
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
