/**
 * The grading API of server-graded courses, on the content origin under a launch's token (the
 * course's pages call `../grading/...` from `/l/<token>/f/`): same origin, no cookie, no CSRF token —
 * the token in the path names the staff member, attempt and SCO, as it does for commits.
 * Composed into the content origin in app.ts.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppContext } from '../../context';
import { parseWith } from '../../lib/validate';
import { liveLaunch, type LaunchGrant } from '../content/launches';
import { badRequest, notGraded } from './errors';
import { PageIdSchema, SubmitTestSchema } from './schema';
import { gradeTest, recordPageRead, testToTake } from './service';

export function gradingRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;
  const json = express.json({ limit: '64kb' });

  // The launch the token opens, for a learner whose account is still active.
  const launch = async (req: Request, res: Response, next: NextFunction) => {
    const now = clock();
    const live = await liveLaunch(db, String(req.params.token), now);
    if (!live) return next(notGraded());
    res.locals.grant = live.grant;
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
  const grantOf = (res: Response) => res.locals.grant as LaunchGrant;

  router.post('/l/:token/grading/pages/:pageId/read', launch, async (req, res) => {
    const pageId = parseWith(PageIdSchema, req.params.pageId);
    if (!pageId.ok) throw badRequest();
    res.json(await recordPageRead(db, grantOf(res), pageId.data, clock()));
  });

  router.get('/l/:token/grading/test', launch, async (_req, res) => {
    res.json(await testToTake(db, grantOf(res), clock()));
  });

  router.post('/l/:token/grading/test', launch, json, async (req, res) => {
    const body = parseWith(SubmitTestSchema, req.body);
    if (!body.ok) throw badRequest();
    res.json(await gradeTest(db, grantOf(res), body.data.answers, clock()));
  });

  return router;
}
