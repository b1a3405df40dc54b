import { localDateTime } from '../../lib/dates';
import type { Translate } from '../../lib/i18n';
import { presentCourseAdmin } from '../courses/presenter';
import type { attemptDetail, courseResults, ownAttemptWithScos } from './service';
import { attemptStatus, scoStatus, statusLabelKey } from './status';

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

export function presentAttempt(d: Awaited<ReturnType<typeof attemptDetail>>, t: Translate) {
  const standard = d.standard === '1.2' ? '1.2' : '2004';
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
    time: formatSeconds(d.attempt.totalSeconds),
    startedAt: formatAt(d.attempt.startedAt),
    completedAt: formatAt(d.attempt.completedAt),
    markedReason: d.attempt.markedReason,
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
        time: formatSeconds(state ? state.priorSessionsSeconds + state.sessionSeconds : null),
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
      return { sco, status: t(statusLabelKey(status)), done: status === 'completed' };
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
      time: formatSeconds(r.attempt.totalSeconds),
      lastActivity: formatAt(r.attempt.lastActivityAt),
      marked: Boolean(r.attempt.markedBy),
    })),
  };
}
