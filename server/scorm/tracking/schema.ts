import { z } from 'zod';
import { fields } from '../../lib/validate';

// The columns session_no and commit_seq are PostgreSQL int4: a number outside it would make the
// whole batch statement fail ("integer out of range") for every learner's commit queued with it,
// so it is refused here, before it is queued.
const INT4_MIN = -2_147_483_648;
const INT4_MAX = 2_147_483_647;

export const MarkCompleteSchema = z.object({ reason: fields.requiredText(1000) });

// A year that is not one shows the current year, as a missing one does.
export const ResultsQuerySchema = z.object({ year: z.coerce.number().int().min(2000).max(2100).optional().catch(undefined) });

// scorm-again's terminate commit goes by sendBeacon as text/plain: its body is read like JSON.
const commitBody = z
  .unknown()
  .optional()
  .transform((body, ctx) => {
    if (typeof body !== 'string') return body;
    try {
      return JSON.parse(body) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'validation.invalid' });
      return z.NEVER;
    }
  });

/**
 * A commit of the run-time API: the session in the query (0 is a review launch's, acknowledged
 * as stale so the content sees no failure), the payload in the body (JSON by XHR, text by
 * beacon) with its commit sequence. The payload's CMI is checked against the data model of
 * the attempt's standard later, by the service, which knows the standard.
 */
export const CommitRequestSchema = z
  .object({
    query: z.object({
      session: z.coerce.number().int().min(0).max(INT4_MAX),
      terminate: z
        .unknown()
        .optional()
        .transform((v) => v === 'true'),
    }),
    body: commitBody,
  })
  .transform(({ query, body }, ctx) => {
    const seq = Number((body as { commitSequence?: unknown } | null | undefined)?.commitSequence ?? -1);
    if (!Number.isInteger(seq) || seq < INT4_MIN || seq > INT4_MAX) {
      ctx.addIssue({ code: 'custom', path: ['body', 'commitSequence'], message: 'validation.integer' });
      return z.NEVER;
    }
    return { sessionNo: query.session, terminate: query.terminate, seq, payload: body };
  });
