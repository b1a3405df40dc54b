import express, { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context';
import { allow } from '../../auth/policies';
import { AppError } from '../../lib/errors';
import { flash } from '../../lib/http';
import { idParam, parseWith } from '../../lib/validate';
import { MarkCompleteSchema } from '../courses/schema';
import { presentAttempt, presentTableOfContents } from './presenter';
import { CommitRefused, attemptDetail, commitSco, launchSco, markComplete, ownAttemptWithScos } from './service';

// scorm-again's terminate commit goes by sendBeacon as text/plain; parse it like JSON.
const beaconBody = express.text({ type: 'text/plain', limit: '4mb' });

/** The answer scorm-again understands: result + errorCode (391: general commit failure). */
function scormFailure(res: Response, status: number, errorCode = 391) {
  res.status(status).json({ result: 'false', errorCode });
}

/** The run-time API the player and scorm-again call; mounted under /api on its own lean chain. */
export function trackingApiRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;
  const jsonBody = express.json({ limit: '4mb' });

  // The player asks after each SCO ends: the table of contents' statuses, and whether the attempt is now satisfied.
  router.get('/attempts/:attemptId/scos', allow('courses:take'), async (req, res) => {
    const a = await ownAttemptWithScos(db, req.user!, idParam(req.params, 'attemptId'));
    res.json({
      satisfied: a.attempt.satisfied,
      scos: presentTableOfContents(a, req.t).map(({ sco, status, done }) => ({ id: sco.id, status, done })),
    });
  });

  router.post('/attempts/:attemptId/scos/:scoId/launch', allow('courses:take'), async (req, res) => {
    const launch = await launchSco(db, req.user!, idParam(req.params, 'attemptId'), idParam(req.params, 'scoId'));
    res.json(launch);
  });

  router.post('/attempts/:attemptId/scos/:scoId/commit', allow('courses:take'), jsonBody, beaconBody, async (req: Request, res: Response) => {
    const attemptId = idParam(req.params, 'attemptId');
    const scoId = idParam(req.params, 'scoId');
    let payload: unknown = req.body;
    if (typeof payload === 'string') {
      try {
        payload = JSON.parse(payload);
      } catch {
        return scormFailure(res, 400);
      }
    }
    const sessionNo = Number(req.query.session);
    const seq = Number((payload as { commitSequence?: unknown } | null)?.commitSequence ?? -1);
    // Session 0 is a review launch's: acknowledged as stale, so the content sees no failure.
    if (!Number.isInteger(sessionNo) || sessionNo < 0 || !Number.isInteger(seq)) return scormFailure(res, 400);
    try {
      const outcome = await commitSco(db, req.user!, { attemptId, scoId, sessionNo, seq, payload, terminate: req.query.terminate === 'true' }, clock());
      res.json({ result: 'true', errorCode: 0, outcome });
    } catch (err) {
      if (err instanceof CommitRefused) {
        if (ctx.config.logLevel !== 'silent') {
          console.warn(`[scorm] commit refused: staff ${req.user!.id} attempt ${attemptId} sco ${scoId}: ${err.problems.slice(0, 5).map((p) => `${p.element} must be ${p.expects} (got "${p.value}")`).join('; ')}`);
        }
        return res.status(400).json({ result: 'false', errorCode: 391, problems: err.problems.slice(0, 20) });
      }
      if (err instanceof AppError) return scormFailure(res, err.status);
      throw err;
    }
  });

  return router;
}

export function trackingRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;

  router.get('/admin/attempts/:id', allow('results:read'), async (req, res) => {
    const detail = await attemptDetail(db, idParam(req.params));
    res.render('scorm/admin-attempt', { title: req.t('scorm.attempt.title'), a: presentAttempt(detail, req.t) });
  });

  router.post('/admin/attempts/:id/mark-complete', allow('attempts:mark-complete'), async (req, res) => {
    const id = idParam(req.params);
    const parsed = parseWith(MarkCompleteSchema, req.body);
    if (!parsed.ok) {
      flash(req, 'error', req.t('scorm.attempt.reasonRequired'));
      return res.redirect(303, `/admin/attempts/${id}`);
    }
    await markComplete(db, req.user!, id, parsed.data.reason, clock());
    flash(req, 'success', req.t('scorm.attempt.marked'));
    res.redirect(303, `/admin/attempts/${id}`);
  });

  return router;
}
