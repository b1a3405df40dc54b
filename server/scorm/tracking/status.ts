/**
 * The status a person sees for a piece of training: the one home of the rule and its label.
 *
 * One rule for every record: *completed* once the record has reached its goal, *in progress*
 * once anything of it has been recorded, *not started* before that. What "reached its goal" and
 * "recorded" mean differs by record, so each has its named function here (never inline):
 * - an attempt reaches its goal when it is satisfied (the version's completion rule, or marked
 *   complete); its row exists from the moment the learner presses Start, so only the content's
 *   report (completion other than "not attempted") counts as progress;
 * - a yearly course result reaches its goal when it is completed; a result row is written only
 *   by a roll-up, so its existence is progress;
 * - one SCO of an attempt is done when its content reports completion (the table of contents
 *   shows lessons, not the completion rule); its state row is created when the learner opens it,
 *   so its existence is progress.
 */
import type { MessageKey } from '../../lib/i18n';

export type LearnerStatus = 'completed' | 'in_progress' | 'not_started';

export function attemptStatus(attempt: { satisfied: boolean; completion: string }): LearnerStatus {
  if (attempt.satisfied) return 'completed';
  return attempt.completion === 'not attempted' ? 'not_started' : 'in_progress';
}

/** The learner's result for a course and fiscal year; undefined when there is none yet. */
export function courseResultStatus(result: { status: string } | undefined): LearnerStatus {
  if (!result) return 'not_started';
  return result.status === 'completed' ? 'completed' : 'in_progress';
}

/** One SCO's stored state in an attempt; undefined when the learner has never opened it. */
export function scoStatus(state: { completion: string } | undefined): LearnerStatus {
  if (!state) return 'not_started';
  return state.completion === 'completed' ? 'completed' : 'in_progress';
}

const LABELS: Record<LearnerStatus, MessageKey> = {
  completed: 'scorm.status.completed',
  in_progress: 'scorm.status.inProgress',
  not_started: 'scorm.status.notStarted',
};

export const statusLabelKey = (status: LearnerStatus): MessageKey => LABELS[status];

/**
 * Who says an attempt is complete: an officer who marked it (who, when and why are kept), the
 * server (a version it grades: it saw every page and graded a pass), or the content itself (its
 * own report of completion and score, which the server cannot check for a third-party package).
 * undefined while it is not complete. The one place the source is decided.
 */
export type CompletionSource = 'content' | 'officer' | 'server';

export function completionSource(
  attempt: { satisfied: boolean; markedBy: number | null },
  gradedByServer = false,
): CompletionSource | undefined {
  if (!attempt.satisfied) return undefined;
  if (attempt.markedBy !== null) return 'officer';
  return gradedByServer ? 'server' : 'content';
}

/**
 * A server-graded attempt not complete although its content reports a pass: the content claimed
 * what the server did not grade (a pass set from the browser, or a test never sent to the server).
 */
export function ungradedPassClaim(attempt: { satisfied: boolean; success: string }, gradedByServer: boolean): boolean {
  return gradedByServer && !attempt.satisfied && attempt.success === 'passed';
}

const SOURCE_LABELS: Record<CompletionSource, MessageKey> = {
  content: 'scorm.source.content',
  officer: 'scorm.source.officer',
  server: 'scorm.source.server',
};

export const completionSourceLabelKey = (source: CompletionSource): MessageKey => SOURCE_LABELS[source];
