/**
 * The commit path: a SCO's CMI from the run-time API into the attempt's record.
 *
 * A commit makes at most two writes, and they are safe apart:
 * 1. one row of a batched statement (CommitBatcher) stores the CMI, the commit sequence, the
 *    session time and the attempt's total time — the source of truth, and all that a commit
 *    whose status and score are unchanged (the common case) writes;
 * 2. only when the SCO's derived status or score changes, or its session ends, one transaction
 *    writes the derived columns and rolls the attempt and the yearly result up (and audits a
 *    completion).
 * They cannot be one transaction: the batch holds many learners' commits, and the roll-up is
 * one learner's. Write 2 is a pure function of what write 1 stored, and whether it is needed
 * is decided by comparing the status derived from the *stored* CMI with the *stored* derived
 * columns — not with the previous commit. So if write 2 never happens (the process dies, the
 * database refuses it; the commit is then not acknowledged, and the content commits again), the
 * record lags the CMI only until that SCO's next commit, which sees the difference and writes it
 * (test: scorm-commit-rollup.test.ts). Keeping the derived columns and the roll-up in one
 * transaction is what makes that hold: were the columns written alone first, a failure between
 * them would leave columns that match the CMI over an attempt never rolled up, and no later
 * commit would notice until the session ended.
 *
 * Every time stamp of a commit is the one `now` it is given (the injected clock), in SQL too.
 */
import { authorize, type Viewer } from '../../auth/policies';
import { recordAudit } from '../../compliance/audit/service';
import type { Database } from '../../db/client';
import { withTransaction, type Work } from '../../db/transaction';
import type { CompletionRuleName } from '../../db/schema';
import { silentLogger, type Logger } from '../../lib/log';
import { currentFiscalYear, isFiscalYearClosed } from '../../training/fiscal-year';
import * as courses from '../courses/service';
import { serverGrade } from '../grading/standing';
import { deriveState, satisfies, sessionSecondsOf } from '../runtime/derive';
import { validateCommit, type RuntimeStandard } from '../runtime/validate';
import { commitBatcherOf } from './commit-batcher';
import { CommitRefused, commitTargetNotFound, noOpenSession, yearClosedCommit } from './errors';
import { warnRefusal } from './refusal-log';
import * as repo from './repository';

export const runtimeOf = (standard: string): RuntimeStandard => (standard === '1.2' ? '1.2' : '2004');

/** What a review launch (of a satisfied attempt) gets as its session: commits to it are acknowledged, never stored. */
export const REVIEW_SESSION = 0;

export interface CommitInput {
  attemptId: number;
  scoId: number;
  sessionNo: number;
  seq: number;
  payload: unknown;
  /** The SCO ended its session (Terminate / LMSFinish): the attempt is rolled up. */
  terminate?: boolean;
}

// Attempts never change owner or version, and versions never change: commits look them up once
// (per database: ids are only unique within one).
type AttemptMeta = NonNullable<Awaited<ReturnType<typeof repo.attemptMeta>>>;
const contextCaches = new WeakMap<Database, { meta: Map<number, AttemptMeta>; scos: Map<number, courses.ScoRow> }>();

async function commitContext(db: Database, attemptId: number, scoId: number) {
  let caches = contextCaches.get(db);
  if (!caches) {
    caches = { meta: new Map(), scos: new Map() };
    contextCaches.set(db, caches);
  }
  const { meta: metaCache, scos: scoCache } = caches;
  let meta = metaCache.get(attemptId);
  if (!meta) {
    meta = await repo.attemptMeta(db, attemptId);
    if (!meta) return undefined;
    if (metaCache.size > 50_000) metaCache.clear();
    metaCache.set(attemptId, meta);
  }
  let sco = scoCache.get(scoId);
  if (!sco) {
    sco = await repo.scoOfAttempt(db, meta.courseVersionId, scoId);
    if (!sco) return undefined;
    if (scoCache.size > 50_000) scoCache.clear();
    scoCache.set(scoId, sco);
  }
  return sco.courseVersionId === meta.courseVersionId ? { meta, sco } : undefined;
}

// The hospital's fiscal-year start month, read again at most every few seconds (per database): a
// commit must not pay a query for a setting that changes once in years, and a change still
// shows within seconds.
const START_MONTH_TTL_MS = 5_000;
const startMonths = new WeakMap<Database, { startMonth: number; readAt: number }>();

async function startMonthOf(db: Database, now: Date): Promise<number> {
  const cached = startMonths.get(db);
  if (cached && Math.abs(now.getTime() - cached.readAt) < START_MONTH_TTL_MS) return cached.startMonth;
  const { startMonth } = await currentFiscalYear(db, now);
  startMonths.set(db, { startMonth, readAt: now.getTime() });
  return startMonth;
}

/** Whether an attempt's fiscal year has ended at `now`: its record is history and takes no commit. */
export async function attemptYearClosed(db: Database, fiscalYear: number, now: Date): Promise<boolean> {
  return isFiscalYearClosed(fiscalYear, now, await startMonthOf(db, now));
}

const present = (values: Map<string, string>, key: string) => (values.has(key) ? values.get(key) || null : undefined);

/**
 * Stores one commit (see the top of this file for its two writes). A late or repeated commit is
 * acknowledged but changes nothing. Refusals are RuntimeErrors, answered in the content's terms.
 */
export async function commitSco(
  db: Database,
  viewer: Viewer,
  input: CommitInput,
  now: Date,
  log: Logger = silentLogger,
): Promise<'applied' | 'stale'> {
  const context = await commitContext(db, input.attemptId, input.scoId);
  if (!context || !authorize(viewer, 'attempt:play', context.meta)) throw commitTargetNotFound();
  const { meta, sco } = context;
  // Before anything is written: a closed year's record (its CMI, statuses, yearly result) never changes.
  if (await attemptYearClosed(db, meta.fiscalYear, now)) {
    warnRefusal(
      log,
      now,
      { staffId: viewer.id, attemptId: input.attemptId, scoId: input.scoId, fiscalYear: meta.fiscalYear },
      'commit refused: the fiscal year is closed',
    );
    throw yearClosedCommit();
  }
  const standard = runtimeOf(meta.standard);
  const checked = validateCommit(standard, input.payload);
  if (!checked.ok) {
    // The content's bug, not the learner's: worth a line for whoever maintains the package.
    warnRefusal(
      log,
      now,
      { staffId: viewer.id, attemptId: input.attemptId, scoId: input.scoId, problems: checked.problems.slice(0, 5) },
      'commit refused by the data model',
    );
    throw new CommitRefused(checked.problems);
  }
  // Review sessions record nothing.
  if (input.sessionNo === REVIEW_SESSION) return 'stale';

  const v = checked.values;
  const values = Object.fromEntries(v);
  const written = await commitBatcherOf(db).write({
    attemptId: input.attemptId,
    scoId: input.scoId,
    staffId: viewer.id,
    sessionNo: input.sessionNo,
    seq: input.seq,
    values,
    sessionSeconds: sessionSecondsOf(standard, values),
    location: present(v, standard === '1.2' ? 'cmi.core.lesson_location' : 'cmi.location'),
    exit: present(v, standard === '1.2' ? 'cmi.core.exit' : 'cmi.exit'),
    at: now,
  });
  if (!written) {
    const state = await repo.stateForDiagnosis(db, viewer.id, input.attemptId, input.scoId);
    if (!state || input.sessionNo > state.sessionNo) throw noOpenSession();
    return 'stale';
  }
  // From the merged, stored CMI, against the stored columns: a roll-up missed earlier shows here.
  // A 1.2 status that LMSFinish settled stays settled: the content's later commits still carry the
  // "not attempted" it never changed, and the stored columns hold what the finish made of it.
  const finished = input.terminate === true || written.completion === 'completed';
  const derived = deriveState(standard, written.status, sco, true, finished);
  const changed =
    derived.completion !== written.completion ||
    derived.success !== written.success ||
    derived.scoreRaw !== written.score_raw ||
    derived.scoreMin !== written.score_min ||
    derived.scoreMax !== written.score_max ||
    derived.scoreScaled !== written.score_scaled;
  if (changed || input.terminate) {
    await withTransaction(db, now, async (work) => {
      // The SCO's state row first, then the attempt's: the order the batch statement locks them in.
      if (changed) await repo.writeDerived(work.tx, input.attemptId, input.scoId, input.seq, derived);
      const row = await repo.findOwnAttempt(work.tx, viewer.id, input.attemptId, true);
      if (row) await rollUpAttempt(work, viewer.id, row.attempt, row.completionRule);
    });
  }
  return 'applied';
}

/**
 * Attempt status from its SCOs' states; then the learner's result for the course and year.
 * Time is not summed here: the commit statement keeps the attempt's total (its one home).
 */
export async function rollUpAttempt(work: Work, actorId: number | null, attempt: repo.AttemptRow, rule: CompletionRuleName) {
  const { tx, now } = work;
  const allScos = await courses.scosOf(tx, attempt.courseVersionId);
  // Only what the player can deliver counts: hidden items (isvisible="false") are not offered.
  const visible = allScos.filter((s) => s.isVisible);
  const tracked = visible.filter((s) => s.scormType === 'sco');
  const counted = tracked.length ? tracked : visible.length ? visible : allScos;
  const states = new Map((await repo.statesOf(tx, attempt.id)).map((s) => [s.scoId, s]));
  const per = counted.map((s) => states.get(s.id));
  // One of our own courses graded here: what the content reports is stored, but it completes the
  // attempt only once the server has graded a pass (which it draws only after every page was read).
  // The server's grade is the whole rule there: every page seen and a graded pass, whatever the
  // content reports (or fails to report: a pass counts even if the content never commits again).
  const grade = await serverGrade(tx, attempt.courseVersionId, attempt.id);
  // Once satisfied, an attempt stays so (as its yearly result does): later commits of the same session add time, not doubt.
  const satisfied =
    attempt.satisfied ||
    attempt.markedBy !== null ||
    (grade.graded
      ? grade.passed
      : per.every((s) => s !== undefined && satisfies(rule, { completion: s.completion as never, success: s.success as never })));
  const completion = per.every((s) => s?.completion === 'completed')
    ? 'completed'
    : per.some((s) => s && s.completion !== 'not attempted')
      ? 'incomplete'
      : 'not attempted';
  const success = per.some((s) => s?.success === 'failed') ? 'failed' : per.every((s) => s?.success === 'passed') ? 'passed' : 'unknown';
  const scores = per.map((s) => s?.scoreScaled).filter((v): v is number => typeof v === 'number');
  const scoreScaled = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
  const newlySatisfied = satisfied && !attempt.satisfied;
  const completedAt = newlySatisfied ? now : attempt.completedAt;
  await repo.updateAttempt(tx, attempt.id, { satisfied, completion, success, scoreScaled, lastActivityAt: now, completedAt });
  await repo.upsertCourseResult(
    tx,
    {
      staffId: attempt.staffId,
      courseId: attempt.courseId,
      fiscalYear: attempt.fiscalYear,
      status: satisfied ? 'completed' : 'in_progress',
      bestScoreScaled: scoreScaled,
      completedAt: satisfied ? completedAt : null,
      attemptId: attempt.id,
    },
    now,
  );
  if (newlySatisfied) {
    recordAudit(work, [
      {
        actorId,
        action: 'attempt.complete',
        subjectType: 'attempt',
        subjectId: attempt.id,
        details: {
          courseId: attempt.courseId,
          fiscalYear: attempt.fiscalYear,
          completion,
          success,
          scoreScaled,
          totalSeconds: attempt.totalSeconds,
        },
      },
    ]);
  }
}

/** Rolls up one learner's attempt at once (a server-graded pass), locking it as a commit does. */
export async function rollUpOwnAttempt(work: Work, staffId: number, attemptId: number) {
  const row = await repo.findOwnAttempt(work.tx, staffId, attemptId, true);
  if (row) await rollUpAttempt(work, staffId, row.attempt, row.completionRule);
}
