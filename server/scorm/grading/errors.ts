import { AppError } from '../../lib/errors';

/** What the course runtime reads from a refusal: a stable code, and for a locked test the pages still unread. */
export interface GradingReply {
  error: string;
  unread?: string[];
}

/**
 * A grading request refused. The content origin's error handler answers it with `reply` as the
 * JSON body (as it does the run-time API's refusals), so the course runtime can say what to do.
 */
export class GradingError extends AppError {
  readonly reply: GradingReply;

  constructor(status: number, code: string, messageKey: string, extra: Omit<GradingReply, 'error'> = {}) {
    super(status, code, messageKey);
    this.reply = { error: code, ...extra };
  }
}

/** No such launch, or its version is not graded here: answered like a missing page. */
export const notGraded = () => new GradingError(404, 'not_found', 'errors.notFound');
export const unknownPage = () => new GradingError(404, 'unknown_page', 'grading.unknownPage');
export const pagesUnread = (unread: string[]) => new GradingError(409, 'pages_unread', 'grading.pagesUnread', { unread });
export const noOpenTest = () => new GradingError(409, 'no_open_test', 'grading.noOpenTest');
export const answersDoNotMatch = () => new GradingError(400, 'answers_mismatch', 'grading.answersMismatch');
export const badRequest = () => new GradingError(400, 'bad_request', 'grading.badRequest');
export const tooManyGradingRequests = () => new GradingError(429, 'too_many', 'grading.tooMany');
