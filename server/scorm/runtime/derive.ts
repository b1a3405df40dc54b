import { durationSeconds } from './time';
import type { RuntimeStandard } from './validate';

export type Completion = 'completed' | 'incomplete' | 'not attempted' | 'unknown';
export type Success = 'passed' | 'failed' | 'unknown';
export type CompletionRule = 'completed' | 'passed' | 'completed_and_passed';

export interface ScoSettings {
  /** 1.2 adlcp:masteryscore, 0–100. */
  masteryScore: number | null;
  /** 2004 adlcp:completionThreshold, 0–1. */
  completionThreshold: number | null;
  /** 2004 imsss:minNormalizedMeasure of a satisfiedByMeasure primary objective, -1–1. */
  scaledPassingScore: number | null;
}

export interface DerivedState {
  completion: Completion;
  success: Success;
  scoreRaw: number | null;
  scoreMin: number | null;
  scoreMax: number | null;
  scoreScaled: number | null;
  sessionSeconds: number | null;
  location: string | null;
  exit: string | null;
}

/**
 * The stored elements deriveState reads to decide status and score (both standards). Session
 * time, location and exit come from each commit itself.
 */
export const STATUS_ELEMENTS = [
  'cmi.core.lesson_status',
  'cmi.core.score.raw',
  'cmi.core.score.min',
  'cmi.core.score.max',
  'cmi.completion_status',
  'cmi.progress_measure',
  'cmi.success_status',
  'cmi.score.scaled',
  'cmi.score.raw',
  'cmi.score.min',
  'cmi.score.max',
] as const;

/** The session time a SCO reported, in seconds; null when it reported none. */
export function sessionSecondsOf(standard: RuntimeStandard, cmi: Record<string, string>): number | null {
  const time = cmi[standard === '1.2' ? 'cmi.core.session_time' : 'cmi.session_time'];
  return time ? durationSeconds(time) : null;
}

const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));

/**
 * The status the LMS records for one SCO, from the values it stored, following the standards:
 * SCORM 1.2 lets the mastery score decide pass/fail when the learner takes it for credit;
 * SCORM 2004 lets completion_threshold and scaled_passing_score override what the SCO said.
 *
 * `finished`: the SCO has ended a session with LMSFinish (now, or before). SCORM 1.2 gives a SCO
 * that finishes without ever setting lesson_status the status the LMS then sets (RTE 3.4.4,
 * cmi.core.lesson_status): completed, or passed/failed when it has a mastery score and
 * reported a raw score (the mastery rule below). This is derived, not written into the CMI: the
 * stored data stays what the content sent. scorm-again 3.4 does not do it in the browser (its
 * lesson_status starts as "not attempted", which it takes for one the SCO set, so its
 * autoCompleteLessonStatus never applies), and the record is the server's to decide anyway.
 */
export function deriveState(
  standard: RuntimeStandard,
  cmi: Record<string, string>,
  settings: ScoSettings,
  credit: boolean,
  finished = false,
): DerivedState {
  if (standard === '1.2') {
    const reported = cmi['cmi.core.lesson_status'] || 'not attempted';
    const status = finished && reported === 'not attempted' ? 'completed' : reported;
    const raw = num(cmi['cmi.core.score.raw']);
    let completion: Completion =
      status === 'passed' || status === 'failed' || status === 'completed'
        ? 'completed'
        : status === 'not attempted'
          ? 'not attempted'
          : 'incomplete';
    let success: Success = status === 'passed' ? 'passed' : status === 'failed' ? 'failed' : 'unknown';
    if (settings.masteryScore !== null && credit && raw !== null) {
      success = raw >= settings.masteryScore ? 'passed' : 'failed';
      completion = 'completed';
    }
    const max = num(cmi['cmi.core.score.max']);
    const min = num(cmi['cmi.core.score.min']);
    return {
      completion,
      success,
      scoreRaw: raw,
      scoreMin: min,
      scoreMax: max,
      // 1.2 has no scaled score; raw over the max (100 by default) serves for comparisons.
      scoreScaled: raw === null ? null : raw / ((max ?? 100) || 100),
      sessionSeconds: sessionSecondsOf(standard, cmi),
      location: cmi['cmi.core.lesson_location'] || null,
      exit: cmi['cmi.core.exit'] || null,
    };
  }
  let completion = (cmi['cmi.completion_status'] as Completion | undefined) ?? 'unknown';
  const progress = num(cmi['cmi.progress_measure']);
  if (settings.completionThreshold !== null && progress !== null) {
    completion = progress >= settings.completionThreshold ? 'completed' : 'incomplete';
  }
  let success = (cmi['cmi.success_status'] as Success | undefined) ?? 'unknown';
  const scaled = num(cmi['cmi.score.scaled']);
  if (settings.scaledPassingScore !== null) {
    success = scaled === null ? 'unknown' : scaled >= settings.scaledPassingScore ? 'passed' : 'failed';
  }
  return {
    completion,
    success,
    scoreRaw: num(cmi['cmi.score.raw']),
    scoreMin: num(cmi['cmi.score.min']),
    scoreMax: num(cmi['cmi.score.max']),
    scoreScaled: scaled,
    sessionSeconds: sessionSecondsOf(standard, cmi),
    location: cmi['cmi.location'] || null,
    exit: cmi['cmi.exit'] || null,
  };
}

/**
 * Whether one SCO's state meets the course version's completion rule. A failed comprehension
 * test never counts as completing the training, whatever the rule.
 */
export function satisfies(rule: CompletionRule, state: Pick<DerivedState, 'completion' | 'success'>): boolean {
  const completed = state.completion === 'completed';
  const passed = state.success === 'passed';
  if (rule === 'completed') return completed && state.success !== 'failed';
  if (rule === 'passed') return passed;
  return completed && passed;
}
