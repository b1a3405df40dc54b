import { AppError } from '../../lib/errors';
import type { CmiProblem } from '../runtime/validate';

/** SCORM's "general commit failure": what scorm-again reports to the content for any refused commit. */
export const GENERAL_COMMIT_FAILURE = 391;

/** The body the run-time API answers a refused commit with: the shape scorm-again reads. */
export interface RuntimeReply {
  result: 'false';
  errorCode: number;
  problems?: CmiProblem[];
}

/**
 * A commit the run-time API refuses. The one error handler answers it with `reply` as the body
 * (and the error's status) instead of its usual `{ error }` JSON, so the content is told in
 * the terms of its standard and the route maps nothing itself.
 */
export class RuntimeError extends AppError {
  readonly reply: RuntimeReply;

  constructor(status: number, code: string, messageKey: string, params: Record<string, string | number> = {}, problems?: CmiProblem[]) {
    super(status, code, messageKey, params, problems);
    // Enough for the content's developer to see what is wrong; a flood of problems is cut short.
    this.reply = { result: 'false', errorCode: GENERAL_COMMIT_FAILURE, ...(problems ? { problems: problems.slice(0, 20) } : {}) };
  }
}

/** A commit the data model refuses: the content is told (errorCode 391) and nothing changes. */
export class CommitRefused extends RuntimeError {
  constructor(readonly problems: CmiProblem[]) {
    super(400, 'commit_refused', 'scorm.commit.refused', { count: problems.length }, problems);
  }
}

/** A commit request that is not one: unreadable body, no session number, no commit sequence. */
export const malformedCommit = () => new RuntimeError(400, 'bad_commit', 'scorm.commit.malformed');
/** Not this learner's attempt, or no such SCO in it: answered like a missing one. */
export const commitTargetNotFound = () => new RuntimeError(404, 'not_found', 'errors.notFound');
/** A session that was never opened (nothing launched, or a number from the future). */
export const noOpenSession = () => new RuntimeError(409, 'conflict', 'scorm.commit.noSession');
/** A commit to an attempt of a fiscal year that has ended: nothing of a closed year changes. */
export const yearClosedCommit = () => new RuntimeError(409, 'year_closed', 'scorm.attempt.yearClosed');
/** More commits from one launch than any content makes: refused until the window passes. */
export const tooManyCommits = () => new RuntimeError(429, 'too_many_commits', 'scorm.commit.tooMany');
