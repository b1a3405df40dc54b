/**
 * The grading API of server-graded courses, on the content origin under a launch's token (the
 * course's pages call `../grading/...` from `/l/<token>/f/`): same origin, no cookie, no CSRF token —
 * the token in the path names the staff member, attempt and SCO, as it does for commits; and, as
 * for commits, the token alone (it is in every file's URL: history, proxy logs) opens nothing:
 * each request carries the launch's commit key, which the launch page hands to the course.
 * Composed into the content origin in app.ts.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppContext } from '../../context';
import { parseWith } from '../../lib/validate';
import { perLaunchLimit } from '../content/launch-limit';
import { isCommitKeyOf, liveLaunch, type LaunchGrant } from '../content/launches';
import { badRequest, notGraded, tooManyGradingRequests } from './errors';
import { PageIdSchema, SubmitTestSchema } from './schema';
import { gradeTest, recordPageRead, testToTake } from './service';

/** The header the course sends its launch's commit key in (courses/_runtime/course.js). */
export const COMMIT_KEY_HEADER = 'X-Mamoru-Commit-Key';
const GRADING_PER_LAUNCH_PER_10S = 60;

export function gradingRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;
  const json = express.json({ limit: '64kb' });

  // A course reports a page per page turned and takes its test a few times: more than this in
  // 10 s is a script, not a learner.
  const limit = perLaunchLimit(clock, GRADING_PER_LAUNCH_PER_10S, tooManyGradingRequests, 'grading');
  // The launch the token opens, for a learner whose account is still active, asked with its key.
  const launch = async (req: Request, res: Response, next: NextFunction) => {
    const now = clock();
    const live = await liveLaunch(db, String(req.params.token), now);
    if (!live || !isCommitKeyOf(live.grant, req.get(COMMIT_KEY_HEADER))) return next(notGraded());
    res.locals.grant = live.grant;
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
  const grantOf = (res: Response) => res.locals.grant as LaunchGrant;

  router.post('/l/:token/grading/pages/:pageId/read', limit, launch, async (req, res) => {
    const pageId = parseWith(PageIdSchema, req.params.pageId);
    if (!pageId.ok) throw badRequest();
    res.json(await recordPageRead(db, grantOf(res), pageId.data, clock()));
  });

  router.get('/l/:token/grading/test', limit, launch, async (_req, res) => {
    res.json(await testToTake(db, grantOf(res), clock()));
  });

  router.post('/l/:token/grading/test', limit, launch, json, async (req, res) => {
    const body = parseWith(SubmitTestSchema, req.body);
    if (!body.ok) throw badRequest();
    res.json(await gradeTest(db, grantOf(res), body.data.answers, clock()));
  });

  return router;
}
