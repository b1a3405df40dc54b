import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AppContext } from '../../context';
import { allow } from '../../auth/policies';
import { flash } from '../../lib/http';
import { idParam, input, validate } from '../../lib/validate';
import type { Viewer } from '../../auth/policies';
import { endSessionLaunches, isCommitKeyOf, liveLaunch, type LaunchGrant } from '../content/launches';
import { perLaunchLimit } from '../content/launch-limit';
import { appOriginOf, contentBaseFor } from '../content/origin';
import { commitTargetNotFound, malformedCommit, tooManyCommits } from './errors';
import { warnRefusal } from './refusal-log';
import { presentAttempt, presentCourseResults, presentTableOfContents } from './presenter';
import { CommitRequestSchema, MarkCompleteSchema, ResultsQuerySchema } from './schema';
import { attemptDetail, commitSco, courseResults, launchSco, markComplete, ownAttemptWithScos } from './service';

// scorm-again's terminate commit goes by sendBeacon as text/plain; the schema reads it like JSON.
const beaconBody = express.text({ type: 'text/plain', limit: '4mb' });

/** The launch a commit's token opens, and its learner (still an active account), or a refusal in the content's terms. */
function launchOfToken(ctx: AppContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const now = ctx.clock();
    const launch = await liveLaunch(ctx.db, String(req.params.token), now);
    if (!launch) return next(commitTargetNotFound());
    res.locals.launch = launch;
    next();
  };
}
const launchOf = (res: Response) => res.locals.launch as { grant: LaunchGrant; viewer: Viewer };

/** A commit that is not one: one throttled warn line per attempt (no stack: nothing failed here), then the refusal. */
function refuseMalformed(req: Request, res: Response, clock: () => Date) {
  const { grant } = launchOf(res);
  warnRefusal(req.log, clock(), { attemptId: grant.attemptId, scoId: grant.scoId }, 'commit refused: malformed request');
  return malformedCommit();
}

/** A JSON body that does not parse is a malformed commit too, answered in the content's terms. */
function commitJsonBody(clock: () => Date) {
  const parse = express.json({ limit: '4mb' });
  return (req: Request, res: Response, next: NextFunction) =>
    parse(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.parse.failed') return next(refuseMalformed(req, res, clock));
      next(err);
    });
}

// Content commits every few seconds, and some after each SetValue; a launch that sends more than
// COMMITS_PER_LAUNCH_PER_10S is a script hammering the API, and is refused in the content's terms.

/**
 * The run-time API, on the content origin and a launch token: scorm-again in the launch page
 * commits here (by XHR, and by beacon at terminate). The token names the staff member, attempt,
 * SCO and session, so a package can only ever write its own launch's record; no cookie is read
 * and no CSRF token is needed (nothing ambient authorises the request: the token is in its URL).
 * Body parsers, then `CommitRequestSchema` over the query and body together — a request that
 * fails it is refused in the content's terms ({ result: 'false', errorCode: 391 }, answered by the
 * content origin's error handler) — then the commit, then, at terminate, the launch's end.
 */
export function launchCommitRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;
  router.post(
    '/l/:token/commit',
    perLaunchLimit(clock, ctx.config.commitsPerLaunchPer10s, tooManyCommits, 'commit'),
    launchOfToken(ctx),
    commitJsonBody(clock),
    beaconBody,
    async (req: Request, res: Response, next: NextFunction) => {
      const { grant, viewer } = launchOf(res);
      const parsed = CommitRequestSchema.safeParse({ query: { ...req.query, session: String(grant.sessionNo) }, body: req.body });
      if (!parsed.success) return next(refuseMalformed(req, res, clock));
      const commit = parsed.data;
      // The token alone (it is in URLs) writes nothing: the launch page's commit key must come too.
      if (!isCommitKeyOf(grant, (commit.payload as { commitKey?: unknown } | null)?.commitKey)) return next(commitTargetNotFound());
      const now = clock();
      const target = { attemptId: grant.attemptId, scoId: grant.scoId };
      const outcome = await commitSco(db, viewer, { ...target, ...commit }, now, req.log);
      // The SCO ended its session: its launch token opens nothing any more.
      if (commit.terminate) await endSessionLaunches(db, target.attemptId, target.scoId, commit.sessionNo, now);
      res.json({ result: 'true', errorCode: 0, outcome });
    },
  );
  return router;
}

const LAUNCHES_PER_MINUTE = 60;

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

  // Each launch writes a token and opens a session; a learner moving through a course launches a
  // few a minute. More than this is a script minting tokens. Per person, answered in words.
  const launchLimiter = rateLimit({
    windowMs: 60_000,
    limit: LAUNCHES_PER_MINUTE,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => `staff:${req.user!.id}`,
    handler: (req, res) => {
      res.status(429).json({ error: { code: 'too_many_launches', message: req.t('scorm.launch.tooMany') } });
    },
  });
  router.post('/attempts/:attemptId/scos/:scoId/launch', allow('courses:take'), launchLimiter, async (req, res) => {
    const where = {
      appOrigin: appOriginOf(ctx.config, req),
      contentBase: contentBaseFor(ctx.config, req),
      lifetimeMs: ctx.config.sessionMaxAgeMs,
      language: req.locale,
      loginSessionId: req.sessionID,
    };
    res.json(await launchSco(db, req.user!, idParam(req.params, 'attemptId'), idParam(req.params, 'scoId'), clock(), where));
  });

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
    const detail = await attemptDetail(db, req.user!, idParam(req.params), clock());
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
