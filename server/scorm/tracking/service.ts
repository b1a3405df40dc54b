import { authorize, type Viewer } from '../../auth/policies';
import { recordAudit } from '../../compliance/audit/service';
import type { Database } from '../../db/client';
import { withTransaction } from '../../db/transaction';
import { AppError, conflict, notFound } from '../../lib/errors';
import { currentFiscalYear, isFiscalYearClosed } from '../../training/fiscal-year';
import { issueLaunchToken } from '../content/launches';
import * as courses from '../courses/service';
import { launchCmi } from '../runtime/launch-data';
import { attemptYearClosed, REVIEW_SESSION, rollUpAttempt, runtimeOf } from './commit';
import * as repo from './repository';

export { commitSco, REVIEW_SESSION, rollUpAttempt, rollUpOwnAttempt, runtimeOf, type CommitInput } from './commit';

/**
 * The attempt a learner continues this fiscal year, or a new one (yearly retraining; `forceNew`
 * once this year's is satisfied). The year is the hospital's current one at `now`.
 */
export async function startOrResume(db: Database, viewer: Viewer, courseId: number, now: Date, opts: { forceNew?: boolean } = {}) {
  return withTransaction(db, now, async (work) => {
    const { tx } = work;
    const course = await courses.takeableCourse(tx, courseId);
    const { year: fiscalYear } = await currentFiscalYear(tx, now);
    const [latest] = (await repo.attemptsOf(tx, viewer.id, courseId)).filter((a) => a.fiscalYear === fiscalYear);
    if (latest && (!latest.satisfied || !opts.forceNew)) return latest.id;
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
    recordAudit(work, [
      {
        actorId: viewer.id,
        action: 'attempt.start',
        subjectType: 'attempt',
        subjectId: attempt.id,
        details: { courseId, versionId: course.currentVersionId, fiscalYear, number: attempt.number },
      },
    ]);
    return attempt.id;
  });
}

/** The viewer's own attempt, to play: the query is scoped by its owner, and the rule says only the owner plays it. */
async function attemptToPlay(db: Database, viewer: Viewer, attemptId: number, forUpdate = false) {
  const row = await repo.findOwnAttempt(db, viewer.id, attemptId, forUpdate);
  if (!row || !authorize(viewer, 'attempt:play', row.attempt)) throw notFound();
  return row;
}

/** An attempt of a fiscal year that has ended: the learner starts this year's from the course page. */
const yearClosed = (fiscalYear: number) => new AppError(409, 'year_closed', 'scorm.attempt.yearClosed', { year: fiscalYear });

/** Whether the attempt's fiscal year has ended at `now` (the hospital's start month). */
async function yearHasClosed(db: Database, fiscalYear: number, now: Date): Promise<boolean> {
  return isFiscalYearClosed(fiscalYear, now, (await currentFiscalYear(db, now)).startMonth);
}

/** Where a launch is played from: the player page's origin, the content origin's base URL, the token's lifetime, the app's language. */
export interface LaunchPlace {
  appOrigin: string;
  contentBase: string;
  lifetimeMs: number;
  language: string;
  /** The login session the player runs in: signing out there ends the launch. */
  loginSessionId: string;
}

/**
 * Opens a session on one SCO and returns what the player preloads into scorm-again, with the
 * launch page's URL on the content origin (its token is the content's capability). A satisfied
 * attempt opens in review mode: nothing it commits changes the record. An attempt of a closed
 * fiscal year opens nothing (its record is history; the commit refuses it too).
 */
export async function launchSco(db: Database, viewer: Viewer, attemptId: number, scoId: number, now: Date, where: LaunchPlace) {
  return db.transaction(async (tx) => {
    const playable = await attemptToPlay(tx, viewer, attemptId);
    const { startMonth } = await currentFiscalYear(tx, now);
    if (isFiscalYearClosed(playable.attempt.fiscalYear, now, startMonth)) throw yearClosed(playable.attempt.fiscalYear);
    const sco = await repo.scoOfAttempt(tx, playable.attempt.courseVersionId, scoId);
    if (!sco) throw notFound();
    // Locks in the order every commit takes them (the batch statement, the roll-up): the SCO's
    // state row, then the attempt. The other order deadlocks a relaunch against its own SCO's
    // commit on PostgreSQL (test: scorm-lock-order.test.ts). A state row that does not exist
    // yet has no commit to race with.
    const before = await repo.lockState(tx, attemptId, scoId);
    const row = await attemptToPlay(tx, viewer, attemptId, true);
    const review = row.attempt.satisfied;
    const state = review && before ? before : await repo.openSession(tx, attemptId, scoId, now);
    const standard = runtimeOf(row.standard);
    const sessionNo = review ? REVIEW_SESSION : state.sessionNo;
    // The content's only key to its files and its player: made for this session, in this transaction.
    const { token, commitKey } = await issueLaunchToken(
      tx,
      {
        staffId: viewer.id,
        attemptId,
        scoId,
        courseVersionId: row.attempt.courseVersionId,
        sessionNo,
        fiscalYear: row.attempt.fiscalYear,
        fiscalYearStartMonth: startMonth,
        appOrigin: where.appOrigin,
        lifetimeMs: where.lifetimeMs,
        loginSessionId: where.loginSessionId,
      },
      now,
    );
    return {
      standard,
      sessionNo,
      review,
      launchUrl: `${where.contentBase}/l/${token}/`,
      // For the launch page only (the player hands it over by postMessage): it goes with every commit.
      commitKey,
      cmi: launchCmi({
        standard,
        learnerId: viewer.employeeNo,
        learnerName: viewer.name,
        stored: state.cmi as Record<string, string>,
        // A review opens no session, so the last one is not yet folded into the prior total.
        priorSeconds: review && before ? before.priorSessionsSeconds + before.sessionSeconds : state.priorSessionsSeconds,
        firstLaunch: !before,
        review,
        language: where.language,
        sco,
      }),
    };
  });
}

/** A closed fiscal year's record is history: not even an officer completes it afterwards. */
const markYearClosed = (fiscalYear: number) => new AppError(409, 'year_closed', 'scorm.attempt.markYearClosed', { year: fiscalYear });

/**
 * An officer marks complete an attempt whose package never reports completion; who, when and
 * why are kept on the attempt (shown wherever the result is) and in the audit log.
 */
export async function markComplete(db: Database, officer: Viewer, attemptId: number, reason: string, now: Date) {
  await withTransaction(db, now, async (work) => {
    const { tx } = work;
    const row = await repo.findAttempt(tx, attemptId);
    if (!row || !authorize(officer, 'attempt:view', row.attempt)) throw notFound();
    if (row.attempt.satisfied) throw conflict('scorm.attempt.alreadyComplete');
    // Before anything is written, as a commit refuses it (tracking/commit.ts).
    if (await attemptYearClosed(tx, row.attempt.fiscalYear, now)) throw markYearClosed(row.attempt.fiscalYear);
    await repo.updateAttempt(tx, attemptId, { markedBy: officer.id, markedReason: reason, markedAt: now });
    recordAudit(work, [
      {
        actorId: officer.id,
        action: 'attempt.mark-complete',
        subjectType: 'attempt',
        subjectId: attemptId,
        details: { reason, staffId: row.attempt.staffId },
      },
    ]);
    await rollUpAttempt(work, officer.id, { ...row.attempt, markedBy: officer.id }, row.completionRule);
  });
}

/** Each SCO of the attempt's version (manifest order) with the attempt's state of it, if any. */
async function withScoStates<R extends { attempt: repo.AttemptRow }>(db: Database, row: R) {
  const [allScos, states] = await Promise.all([courses.scosOf(db, row.attempt.courseVersionId), repo.statesOf(db, row.attempt.id)]);
  const bySco = new Map(states.map((s) => [s.scoId, s]));
  return { ...row, scos: allScos.map((sco) => ({ sco, state: bySco.get(sco.id) })) };
}

/**
 * An attempt with every SCO's state, for the officer's view; given `now`, also whether its fiscal
 * year has closed (the page then offers no marking, which would be refused).
 */
export async function attemptDetail(db: Database, viewer: Viewer, attemptId: number, now?: Date) {
  const row = await repo.findAttempt(db, attemptId);
  if (!row || !authorize(viewer, 'attempt:view', row.attempt)) throw notFound();
  const yearClosed = now ? await attemptYearClosed(db, row.attempt.fiscalYear, now) : false;
  return { ...(await withScoStates(db, row)), yearClosed };
}

/** The learner's own attempt with each SCO and its status, for the player's table of contents. */
export async function ownAttemptWithScos(db: Database, viewer: Viewer, attemptId: number) {
  return withScoStates(db, await attemptToPlay(db, viewer, attemptId));
}

/** The same, with whether its fiscal year has ended at `now` (the player then offers nothing to play). */
export async function ownAttemptToPlay(db: Database, viewer: Viewer, attemptId: number, now: Date) {
  const attempt = await ownAttemptWithScos(db, viewer, attemptId);
  return { ...attempt, yearClosed: await yearHasClosed(db, attempt.attempt.fiscalYear, now) };
}

export const attemptsOf = (db: Database, viewer: Viewer, courseId: number) => repo.attemptsOf(db, viewer.id, courseId);
export const resultsOf = (db: Database, viewer: Viewer, fiscalYear: number) => repo.resultsOf(db, viewer.id, fiscalYear);
/** Whether the viewer has an attempt on this course version (their content stays readable when the course moves on). */
export const hasAttemptOn = (db: Database, viewer: Viewer, courseVersionId: number) => repo.hasAttemptOn(db, viewer.id, courseVersionId);

/**
 * A course's officer page: the course, its versions, and the attempts of one fiscal year (the
 * current one unless asked for another).
 */
export async function courseResults(db: Database, courseId: number, year: number | undefined, now: Date) {
  const course = await courses.getCourse(db, courseId);
  const fiscalYear = year ?? (await currentFiscalYear(db, now)).year;
  const [versions, attempts] = await Promise.all([courses.listVersions(db, course.id), repo.attemptsForCourse(db, course.id, fiscalYear)]);
  return { course, versions, year: fiscalYear, attempts };
}
