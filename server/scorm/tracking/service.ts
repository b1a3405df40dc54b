import type { Viewer } from '../../auth/policies';
import { recordAudit } from '../../compliance/audit/service';
import type { Database } from '../../db/client';
import { withTransaction, type Work } from '../../db/transaction';
import type { CompletionRuleName } from '../../db/schema';
import { fiscalYearOf, localDate } from '../../lib/dates';
import { AppError, conflict, notFound } from '../../lib/errors';
import * as courses from '../courses/repository';
import { deriveState, satisfies, sessionSecondsOf } from '../runtime/derive';
import { launchCmi } from '../runtime/launch-data';
import { validateCommit, type CmiProblem, type RuntimeStandard } from '../runtime/validate';
import { commitBatcherOf } from './commit-batcher';
import * as repo from './repository';

export const runtimeOf = (standard: string): RuntimeStandard => (standard === '1.2' ? '1.2' : '2004');

/** A commit the data model refuses: the content is told (errorCode 391) and nothing changes. */
export class CommitRefused extends AppError {
  constructor(readonly problems: CmiProblem[]) {
    super(400, 'commit_refused', 'scorm.commit.refused', { count: problems.length }, problems);
  }
}

/** What a review launch (of a satisfied attempt) gets as its session: commits to it are acknowledged, never stored. */
export const REVIEW_SESSION = 0;

/** The attempt a learner continues this fiscal year, or a new one (yearly retraining). */
export async function startOrResume(db: Database, viewer: Viewer, courseId: number, now: Date, fiscalYearStartMonth = 4, forceNew = false) {
  return withTransaction(db, now, async (work) => {
    const { tx } = work;
    const course = await courses.findCourse(tx, courseId);
    if (!course || course.archivedAt || !course.currentVersionId) throw notFound();
    const fiscalYear = fiscalYearOf(localDate(now), fiscalYearStartMonth);
    const [latest] = (await repo.attemptsOf(tx, viewer.id, courseId)).filter((a) => a.fiscalYear === fiscalYear);
    if (latest && (!latest.satisfied || !forceNew)) return latest.id;
    if (course.attemptLimit && (await repo.countAttempts(tx, viewer.id, courseId, fiscalYear)) >= course.attemptLimit) {
      throw conflict('scorm.attempt.limitReached', { limit: course.attemptLimit });
    }
    const attempt = await repo.insertAttempt(tx, {
      staffId: viewer.id,
      courseId,
      courseVersionId: course.currentVersionId,
      fiscalYear,
      number: await repo.nextAttemptNumber(tx, viewer.id, courseId, fiscalYear),
      startedAt: now,
      lastActivityAt: now,
    });
    recordAudit(work, [{ actorId: viewer.id, action: 'attempt.start', subjectType: 'attempt', subjectId: attempt.id, details: { courseId, versionId: course.currentVersionId, fiscalYear, number: attempt.number } }]);
    return attempt.id;
  });
}

export async function ownAttempt(db: Database, viewer: Viewer, attemptId: number) {
  const row = await repo.findOwnAttempt(db, viewer.id, attemptId);
  if (!row) throw notFound();
  return row;
}

/**
 * Opens a session on one SCO and returns what the player preloads into scorm-again. A satisfied
 * attempt opens in review mode: nothing it commits changes the record.
 */
export async function launchSco(db: Database, viewer: Viewer, attemptId: number, scoId: number) {
  return db.transaction(async (tx) => {
    const row = await repo.findOwnAttempt(tx, viewer.id, attemptId, true);
    if (!row) throw notFound();
    const sco = await repo.scoOfAttempt(tx, row.attempt.courseVersionId, scoId);
    if (!sco) throw notFound();
    const review = row.attempt.satisfied;
    const before = await repo.lockState(tx, attemptId, scoId);
    const state = review && before ? before : await repo.openSession(tx, attemptId, scoId);
    const standard = runtimeOf(row.standard);
    return {
      standard,
      sessionNo: review ? REVIEW_SESSION : state.sessionNo,
      review,
      cmi: launchCmi({
        standard,
        learnerId: viewer.employeeNo,
        learnerName: viewer.name,
        stored: state.cmi as Record<string, string>,
        // A review opens no session, so the last one is not yet folded into the prior total.
        priorSeconds: review && before ? before.priorSessionsSeconds + before.sessionSeconds : state.priorSessionsSeconds,
        firstLaunch: !before,
        review,
        language: viewer.locale,
        sco,
      }),
    };
  });
}

export interface CommitInput {
  attemptId: number;
  scoId: number;
  sessionNo: number;
  seq: number;
  payload: unknown;
  /** The SCO ended its session (Terminate / LMSFinish): the attempt's time is rolled up. */
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

const present = (values: Map<string, string>, key: string) => (values.has(key) ? values.get(key) || null : undefined);

/**
 * Stores one commit. The common case is one row of a batched statement (merge into the stored
 * CMI, guarded by owner, open session and a newer sequence; see CommitBatcher), so 64 learners
 * committing every few seconds cost the database little. A late or repeated commit is
 * acknowledged but changes nothing. Only when the SCO's status or score changes, or the session
 * ends, is the attempt rolled up — in its own transaction, before the commit is acknowledged.
 */
export async function commitSco(db: Database, viewer: Viewer, input: CommitInput, now: Date): Promise<'applied' | 'stale'> {
  const context = await commitContext(db, input.attemptId, input.scoId);
  if (!context || context.meta.staffId !== viewer.id) throw notFound();
  const { meta, sco } = context;
  const standard = runtimeOf(meta.standard);
  const checked = validateCommit(standard, input.payload);
  if (!checked.ok) throw new CommitRefused(checked.problems);
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
  });
  if (!written) {
    const state = await repo.stateForDiagnosis(db, viewer.id, input.attemptId, input.scoId);
    if (!state || input.sessionNo > state.sessionNo) throw conflict('scorm.commit.noSession');
    return 'stale';
  }
  const derived = deriveState(standard, written.status, sco, true);
  const changed =
    derived.completion !== written.completion ||
    derived.success !== written.success ||
    derived.scoreRaw !== written.score_raw ||
    derived.scoreMin !== written.score_min ||
    derived.scoreMax !== written.score_max ||
    derived.scoreScaled !== written.score_scaled;
  if (changed) await repo.writeDerived(db, input.attemptId, input.scoId, input.seq, derived);
  if (changed || input.terminate) {
    await withTransaction(db, now, async (work) => {
    const { tx } = work;
      const row = await repo.findOwnAttempt(tx, viewer.id, input.attemptId, true);
      if (row) await rollUpAttempt(work, viewer.id, row.attempt, row.completionRule);
    });
  }
  return 'applied';
}

/** Attempt status from its SCOs' states; then the learner's result for the course and year. */
export async function rollUpAttempt(work: Work, actorId: number | null, attempt: repo.AttemptRow, rule: CompletionRuleName) {
  const { tx, now } = work;
  const allScos = await courses.scosOf(tx, attempt.courseVersionId);
  // Only what the player can deliver counts: hidden items (isvisible="false") are not offered.
  const visible = allScos.filter((s) => s.isVisible);
  const tracked = visible.filter((s) => s.scormType === 'sco');
  const counted = tracked.length ? tracked : visible.length ? visible : allScos;
  const states = new Map((await repo.statesOf(tx, attempt.id)).map((s) => [s.scoId, s]));
  const per = counted.map((s) => states.get(s.id));
  // Once satisfied, an attempt stays so (as its yearly result does): later commits of the same session add time, not doubt.
  const satisfied = attempt.satisfied || attempt.markedBy !== null || per.every((s) => s !== undefined && satisfies(rule, { completion: s.completion as never, success: s.success as never }));
  const completion = per.every((s) => s?.completion === 'completed') ? 'completed' : per.some((s) => s && s.completion !== 'not attempted') ? 'incomplete' : 'not attempted';
  const success = per.some((s) => s?.success === 'failed') ? 'failed' : per.every((s) => s?.success === 'passed') ? 'passed' : 'unknown';
  const scores = per.map((s) => s?.scoreScaled).filter((v): v is number => typeof v === 'number');
  const scoreScaled = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
  const totalSeconds = [...states.values()].reduce((sum, s) => sum + s.priorSessionsSeconds + s.sessionSeconds, 0);
  const newlySatisfied = satisfied && !attempt.satisfied;
  const completedAt = newlySatisfied ? now : attempt.completedAt;
  await repo.updateAttempt(tx, attempt.id, { satisfied, completion, success, scoreScaled, totalSeconds, lastActivityAt: now, completedAt });
  await repo.upsertCourseResult(tx, {
    staffId: attempt.staffId,
    courseId: attempt.courseId,
    fiscalYear: attempt.fiscalYear,
    status: satisfied ? 'completed' : 'in_progress',
    bestScoreScaled: scoreScaled,
    completedAt: satisfied ? completedAt : null,
    attemptId: attempt.id,
  });
  if (newlySatisfied) {
    recordAudit(work, [{ actorId, action: 'attempt.complete', subjectType: 'attempt', subjectId: attempt.id, details: { courseId: attempt.courseId, fiscalYear: attempt.fiscalYear, completion, success, scoreScaled, totalSeconds } }]);
  }
}

/** An officer marks complete an attempt whose package never reports completion; the reason is kept. */
export async function markComplete(db: Database, officer: Viewer, attemptId: number, reason: string, now: Date) {
  await withTransaction(db, now, async (work) => {
    const { tx } = work;
    const row = await repo.findAttempt(tx, attemptId);
    if (!row) throw notFound();
    if (row.attempt.satisfied) throw conflict('scorm.attempt.alreadyComplete');
    await repo.updateAttempt(tx, attemptId, { markedBy: officer.id, markedReason: reason });
    recordAudit(work, [{ actorId: officer.id, action: 'attempt.mark-complete', subjectType: 'attempt', subjectId: attemptId, details: { reason, staffId: row.attempt.staffId } }]);
    await rollUpAttempt(work, officer.id, { ...row.attempt, markedBy: officer.id }, row.completionRule);
  });
}

export const attemptsForCourse = (db: Database, courseId: number, fiscalYear: number) => repo.attemptsForCourse(db, courseId, fiscalYear);
export const attemptsOf = (db: Database, staffId: number, courseId: number) => repo.attemptsOf(db, staffId, courseId);

/** An attempt with every SCO's state, for the officer's view. */
export async function attemptDetail(db: Database, attemptId: number) {
  const row = await repo.findAttempt(db, attemptId);
  if (!row) throw notFound();
  const [allScos, states] = await Promise.all([courses.scosOf(db, row.attempt.courseVersionId), repo.statesOf(db, attemptId)]);
  const bySco = new Map(states.map((s) => [s.scoId, s]));
  return { ...row, scos: allScos.map((sco) => ({ sco, state: bySco.get(sco.id) })) };
}

export const resultsOf = (db: Database, staffId: number, fiscalYear: number) => repo.resultsOf(db, staffId, fiscalYear);

/** The learner's own attempt with each SCO and its status, for the player's table of contents. */
export async function ownAttemptWithScos(db: Database, viewer: Viewer, attemptId: number) {
  const row = await ownAttempt(db, viewer, attemptId);
  const [allScos, states] = await Promise.all([courses.scosOf(db, row.attempt.courseVersionId), repo.statesOf(db, attemptId)]);
  const bySco = new Map(states.map((s) => [s.scoId, s]));
  return { ...row, scos: allScos.map((sco) => ({ sco, state: bySco.get(sco.id) })) };
}
