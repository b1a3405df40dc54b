import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppContext } from '../../context';
import { allow } from '../../auth/policies';
import { flash } from '../../lib/http';
import { idParam, input, validate } from '../../lib/validate';
import { malformedCommit } from './errors';
import { warnRefusal } from './refusal-log';
import { presentAttempt, presentCourseResults, presentTableOfContents } from './presenter';
import { CommitRequestSchema, MarkCompleteSchema, ResultsQuerySchema } from './schema';
import { attemptDetail, commitSco, courseResults, launchSco, markComplete, ownAttemptWithScos } from './service';

// scorm-again's terminate commit goes by sendBeacon as text/plain; the schema reads it like JSON.
const beaconBody = express.text({ type: 'text/plain', limit: '4mb' });

/**
 * `validate(CommitRequestSchema)` for the run-time API: the same parse-and-store (read back with
 * `input(res, CommitRequestSchema)`) over the query and the body together, but a request that
 * fails it is refused in the content's terms ({ result: 'false', errorCode: 391 }, answered by
 * the one error handler) rather than as a form.
 */
function validateCommitRequest(clock: () => Date) {
  return (req: Request, res: Response, next: NextFunction) => {
    const parsed = CommitRequestSchema.safeParse({ query: req.query, body: req.body });
    if (!parsed.success) return next(refuseMalformed(req, clock));
    res.locals.input = parsed.data;
    next();
  };
}

/** A commit that is not one: one throttled warn line (no stack: nothing failed here), then the refusal. */
function refuseMalformed(req: Request, clock: () => Date) {
  const attemptId = String(req.params.attemptId);
  warnRefusal(req.log, clock(), { attemptId, scoId: String(req.params.scoId) }, 'commit refused: malformed request');
  return malformedCommit();
}

/** A JSON body that does not parse is a malformed commit too, answered in the content's terms. */
function commitJsonBody(clock: () => Date) {
  const parse = express.json({ limit: '4mb' });
  return (req: Request, res: Response, next: NextFunction) =>
    parse(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.parse.failed') return next(refuseMalformed(req, clock));
      next(err);
    });
}

/** The run-time API the player and scorm-again call; mounted under /api on its own lean chain. */
export function trackingApiRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;

  // The player asks after each SCO ends: the table of contents' statuses, and whether the attempt is now satisfied.
  router.get('/attempts/:attemptId/scos', allow('courses:take'), async (req, res) => {
    const a = await ownAttemptWithScos(db, req.user!, idParam(req.params, 'attemptId'));
    res.json({
      satisfied: a.attempt.satisfied,
      scos: presentTableOfContents(a, req.t).map(({ sco, status, done }) => ({ id: sco.id, status, done })),
    });
  });

  router.post('/attempts/:attemptId/scos/:scoId/launch', allow('courses:take'), async (req, res) => {
    res.json(await launchSco(db, req.user!, idParam(req.params, 'attemptId'), idParam(req.params, 'scoId'), clock()));
  });

  router.post(
    '/attempts/:attemptId/scos/:scoId/commit',
    allow('courses:take'),
    commitJsonBody(clock),
    beaconBody,
    validateCommitRequest(clock),
    async (req: Request, res: Response) => {
      const commit = input(res, CommitRequestSchema);
      const target = { attemptId: idParam(req.params, 'attemptId'), scoId: idParam(req.params, 'scoId') };
      const outcome = await commitSco(db, req.user!, { ...target, ...commit }, clock(), req.log);
      res.json({ result: 'true', errorCode: 0, outcome });
    },
  );

  return router;
}

/** The officer's side of tracking: a course's attempts of a year, one attempt's detail, marking complete. */
export function trackingRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;

  // The course's own page: its settings and versions (courses) with the year's attempts (tracking depends on courses, not the reverse).
  router.get('/admin/courses/:id', allow('courses:manage'), validate(ResultsQuerySchema, { source: 'query' }), async (req, res) => {
    const page = await courseResults(db, idParam(req.params), input(res, ResultsQuerySchema).year, clock());
    res.render('scorm/admin-course', presentCourseResults(page, req.t));
  });

  router.get('/admin/attempts/:id', allow('results:read'), async (req, res) => {
    const detail = await attemptDetail(db, req.user!, idParam(req.params));
    res.render('scorm/admin-attempt', { title: req.t('scorm.attempt.title'), a: presentAttempt(detail, req.t) });
  });

  const backToAttempt = (req: Request, res: Response) => {
    flash(req, 'error', req.t('scorm.attempt.reasonRequired'));
    res.redirect(303, `/admin/attempts/${encodeURIComponent(String(req.params.id))}`);
  };

  router.post(
    '/admin/attempts/:id/mark-complete',
    allow('attempts:mark-complete'),
    validate(MarkCompleteSchema, { form: backToAttempt }),
    async (req, res) => {
      const id = idParam(req.params);
      await markComplete(db, req.user!, id, input(res, MarkCompleteSchema).reason, clock());
      flash(req, 'success', req.t('scorm.attempt.marked'));
      res.redirect(303, `/admin/attempts/${id}`);
    },
  );

  return router;
}
