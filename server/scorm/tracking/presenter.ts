import { localDateTime } from '../../lib/dates';
import type { Translate } from '../../lib/i18n';
import { presentCourseAdmin } from '../courses/presenter';
import type { AttemptRow, ScoStateRow } from './repository';
import type { attemptDetail, courseResults, ownAttemptWithScos } from './service';
import { attemptStatus, completionSource, completionSourceLabelKey, scoStatus, statusLabelKey, ungradedPassClaim } from './status';

export const formatSeconds = (s: number | null | undefined) => {
  if (s === null || s === undefined) return '—';
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
};

export const formatScore = (scaled: number | null | undefined) =>
  scaled === null || scaled === undefined ? '—' : `${Math.round(scaled * 100)}%`;
export const formatAt = localDateTime;

/**
 * Where an attempt's completion comes from, for every page that shows the result: the source's
 * label, and for an officer's marking who did it, when and why. Null while it is not complete.
 */
export function presentCompletionSource(
  attempt: Pick<AttemptRow, 'satisfied' | 'markedBy' | 'markedAt' | 'markedReason' | 'completedAt'>,
  markedByName: string | null,
  t: Translate,
  gradedByServer = false,
) {
  const source = completionSource(attempt, gradedByServer);
  if (!source) return null;
  const marking =
    source === 'officer'
      ? { by: markedByName ?? '—', at: formatAt(attempt.markedAt ?? attempt.completedAt), reason: attempt.markedReason ?? '' }
      : null;
  return {
    source,
    label: t(completionSourceLabelKey(source)),
    marking,
    // One line for tables: the label, or who marked it, when and why.
    summary: marking
      ? t('scorm.attempt.marking', { name: marking.by, at: marking.at, reason: marking.reason })
      : t(completionSourceLabelKey(source)),
  };
}

interface Times {
  totalSeconds: number | null;
  reportedSeconds: number | null;
  measuredSeconds: number | null;
}

/** An attempt's (or a SCO's) time: what counts, and the two sources it is, per session, the smaller of. */
export const presentTimes = (a: Times, t: Translate) => ({
  time: formatSeconds(a.totalSeconds),
  timeSources: t('scorm.time.sources', { reported: formatSeconds(a.reportedSeconds), measured: formatSeconds(a.measuredSeconds) }),
});

/**
 * One SCO's times, summed over its sessions as the commit statement sums them for the attempt
 * (repository.ts WRITE_COMMITS): the smaller of reported and measured per session counts, and
 * an unmeasured session counts its report (SQL's LEAST skips a null).
 */
function scoTimes(state: ScoStateRow | undefined): Times {
  if (!state) return { totalSeconds: null, reportedSeconds: null, measuredSeconds: null };
  const session =
    state.sessionMeasuredSeconds === null ? state.sessionSeconds : Math.min(state.sessionSeconds, state.sessionMeasuredSeconds);
  return {
    totalSeconds: state.priorCountedSeconds + session,
    reportedSeconds: state.priorSessionsSeconds + state.sessionSeconds,
    measuredSeconds:
      state.priorMeasuredSeconds === null || state.sessionMeasuredSeconds === null
        ? null
        : state.priorMeasuredSeconds + state.sessionMeasuredSeconds,
  };
}

export interface InteractionView {
  id: string;
  type: string;
  response: string;
  correct: string;
  result: string;
  latency: string;
  time: string;
  description: string;
}

/** The content's interactions, read back from stored CMI: per question, what the learner answered. */
export function interactionsOf(cmi: Record<string, string>, standard: '1.2' | '2004'): InteractionView[] {
  const rows = new Map<number, Record<string, string>>();
  for (const [path, value] of Object.entries(cmi)) {
    const m = /^cmi\.interactions\.(\d+)\.(.+)$/.exec(path);
    if (!m) continue;
    const row = rows.get(Number(m[1])) ?? {};
    row[m[2]!] = value;
    rows.set(Number(m[1]), row);
  }
  return [...rows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, r]) => ({
      id: r.id ?? '',
      type: r.type ?? '',
      response: (standard === '1.2' ? r.student_response : r.learner_response) ?? '',
      correct: Object.entries(r)
        .filter(([k]) => /^correct_responses\.\d+\.pattern$/.test(k))
        .map(([, v]) => v)
        .join(' | '),
      result: r.result ?? '',
      latency: r.latency ?? '',
      time: (standard === '1.2' ? r.time : r.timestamp) ?? '',
      description: r.description ?? '',
    }));
}

// `gradedByServer` is the version's (course_versions.graded_by_server), selected by findAttempt.
export function presentAttempt(d: Awaited<ReturnType<typeof attemptDetail>> & { gradedByServer?: boolean }, t: Translate) {
  const standard = d.standard === '1.2' ? '1.2' : '2004';
  const gradedByServer = d.gradedByServer === true;
  const completion = presentCompletionSource(d.attempt, d.markedByName, t, gradedByServer);
  return {
    id: d.attempt.id,
    staff: `${d.staffName}（${d.employeeNo}）`,
    number: d.attempt.number,
    fiscalYear: d.attempt.fiscalYear,
    versionNo: d.versionNo,
    satisfied: d.attempt.satisfied,
    status: t(statusLabelKey(attemptStatus(d.attempt))),
    completion: t(`scorm.completion.${d.attempt.completion}`),
    success: t(`scorm.success.${d.attempt.success}`),
    score: formatScore(d.attempt.scoreScaled),
    ...presentTimes(d.attempt, t),
    startedAt: formatAt(d.attempt.startedAt),
    completedAt: formatAt(d.attempt.completedAt),
    completionSource: completion,
    // The content reported a pass the server did not grade: its claim is stored, not counted.
    ungradedPass: ungradedPassClaim(d.attempt, gradedByServer) ? t('scorm.attempt.ungradedPass') : null,
    // A closed year's attempt is not offered for marking (it would be refused): the page says why.
    yearClosed: d.yearClosed && !d.attempt.satisfied ? t('scorm.attempt.markYearClosed', { year: d.attempt.fiscalYear }) : null,
    rule: t(`scorm.rule.${d.completionRule}`),
    courseHref: `/admin/courses/${d.attempt.courseId}`,
    scos: d.scos.map(({ sco, state }) => {
      const cmi = (state?.cmi ?? {}) as Record<string, string>;
      return {
        title: sco.title,
        completion: t(`scorm.completion.${state?.completion ?? 'not attempted'}`),
        success: t(`scorm.success.${state?.success ?? 'unknown'}`),
        scoreRaw: state?.scoreRaw ?? '—',
        scoreScaled: formatScore(state?.scoreScaled),
        ...presentTimes(scoTimes(state), t),
        location: state?.location ?? '—',
        sessions: state?.sessionNo ?? 0,
        interactions: interactionsOf(cmi, standard),
      };
    }),
  };
}

/**
 * The player's table of contents: every SCO or asset the learner can launch, with its status.
 * The player page renders it, and the player fetches it again whenever a SCO ends, so the
 * learner sees a finished lesson marked without reloading the page.
 */
export function presentTableOfContents(a: Awaited<ReturnType<typeof ownAttemptWithScos>>, t: Translate) {
  return a.scos
    .filter(({ sco }) => sco.isVisible)
    .map(({ sco, state }) => {
      const status = scoStatus(state);
      // When the learner last opened it (its last session's launch; older rows: its last save).
      const openedAt = state ? (state.sessionOpenedAt ?? state.updatedAt) : null;
      return { sco, status: t(statusLabelKey(status)), done: status === 'completed', openedAt };
    });
}

/** A course's officer page: its settings and versions, and the attempts of the year shown. */
export function presentCourseResults(page: Awaited<ReturnType<typeof courseResults>>, t: Translate) {
  return {
    ...presentCourseAdmin(page.course, page.versions, t),
    year: page.year,
    attempts: page.attempts.map((r) => ({
      href: `/admin/attempts/${r.attempt.id}`,
      employeeNo: r.employeeNo,
      name: r.staffName,
      number: r.attempt.number,
      versionNo: r.versionNo,
      status: t(statusLabelKey(attemptStatus(r.attempt))),
      satisfied: r.attempt.satisfied,
      success: r.attempt.success,
      score: formatScore(r.attempt.scoreScaled),
      ...presentTimes(r.attempt, t),
      lastActivity: formatAt(r.attempt.lastActivityAt),
      completion: presentCompletionSource(r.attempt, r.markedByName, t, r.gradedByServer),
    })),
  };
}
