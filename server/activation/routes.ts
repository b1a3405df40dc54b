import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AppContext } from '../context';
import { allow } from '../auth/policies';
import type { ActingUser } from '../auth/service';
import type { FieldErrors } from '../lib/errors';
import { flash } from '../lib/http';
import { viewsDir } from '../lib/paths';
import { input, validate } from '../lib/validate';
import { normaliseCode } from './codes';
import { presentCounts, presentRosterRow, presentSlips } from './presenter';
import { ActivationQuerySchema, CodeQuerySchema, DEFAULT_VALID_DAYS, IssueSchema, MAX_VALID_DAYS, type ActivationQuery } from './schema';
import { LIST_LIMIT, activationOverview, issueInvitations, openSlipCode } from './service';

/** Failed code look-ups allowed per client address per 15 minutes (codes.ts says why that is enough). */
export const CODE_TRIES_PER_15MIN = 20;

/** Bulk activation (officers and administrators) and the short addresses printed on slips (anyone). */
export function activationRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock, config } = ctx;
  const env = { secret: config.sessionSecret, baseUrl: config.baseUrl };

  async function renderOverview(req: Request, res: Response, q: ActivationQuery, status = 200, errors: FieldErrors = {}) {
    const now = clock();
    const o = await activationOverview(db, q, now);
    res.status(status).render('activation/index', {
      title: req.t('activation.title'),
      query: q,
      departments: o.departments,
      department: o.department?.name ?? req.t('activation.allDepartments'),
      counts: presentCounts(o.counts, req.t),
      rows: o.rows.map((r) => presentRosterRow(r, req.t, req.locale, now)),
      truncated: o.truncated ? req.t('activation.list.truncated', { shown: LIST_LIMIT }) : '',
      errors,
      values: { validDays: DEFAULT_VALID_DAYS, include: 'notInvited', delivery: 'auto', ...(status === 200 ? {} : typedBack(req.body)) },
      maxValidDays: MAX_VALID_DAYS,
    });
  }

  /** What a refused form shows again: the choices made, never the password. */
  const typedBack = (body: unknown) => {
    const { currentPassword: _omit, ...rest } = (body ?? {}) as Record<string, unknown>;
    return rest;
  };

  const acting = (req: Request, password: string | undefined): ActingUser => ({
    viewer: req.user!,
    password,
    address: req.ip,
    secret: config.sessionSecret,
  });

  router.get('/activation', allow('accounts:activate'), validate(ActivationQuerySchema, { source: 'query' }), (req, res) =>
    renderOverview(req, res, input(res, ActivationQuerySchema)),
  );

  // A refused issue (the issuer's password missing or wrong, too many at once) shows the page again with the message.
  const issueForm = (req: Request, res: Response, errors: FieldErrors) =>
    renderOverview(req, res, ActivationQuerySchema.parse({ department: req.body?.departmentId }), 400, errors);

  router.post('/activation/issue', allow('accounts:activate'), validate(IssueSchema, { form: issueForm }), async (req, res) => {
    const form = input(res, IssueSchema);
    const result = await issueInvitations(db, acting(req, form.currentPassword), form, clock(), env);
    const back = `/activation${form.departmentId ? `?department=${form.departmentId}` : ''}`;
    if (result.mailed + result.slips.length === 0) {
      flash(req, 'info', req.t('activation.issue.nothing'));
      return res.redirect(303, back);
    }
    if (result.slips.length === 0) {
      flash(req, 'success', req.t('activation.issued', { mailed: result.mailed, slips: 0 }));
      return res.redirect(303, back);
    }
    // The slips' codes exist only in this answer: it is the print page (reloading it would issue again).
    res.render('activation/slips', { title: req.t('activation.slips.title'), p: await presentSlips(result, config.baseUrl, req.t), back });
  });

  // The print page's stylesheet and print button: files of this feature, same origin (the CSP allows no inline style or script).
  router.get('/activation/slips.css', allow('public'), (_req, res) =>
    res.type('text/css').sendFile(path.join(viewsDir, 'activation', 'slips.css')),
  );
  router.get('/activation/slips.js', allow('public'), (_req, res) =>
    res.type('text/javascript').sendFile(path.join(viewsDir, 'activation', 'slips.js')),
  );

  // --- the short address on a slip: /a/<code>, or the code typed into /a ---
  // Only failures count (a wrong, expired or used code), per client address.
  const codeLimiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: CODE_TRIES_PER_15MIN,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, res) => {
      res
        .status(429)
        .render('activation/code', { title: req.t('activation.code.title'), message: req.t('activation.code.tooMany'), value: '' });
    },
  });

  async function redeem(req: Request, res: Response, raw: string | undefined) {
    if (raw === undefined || raw.trim() === '') {
      return res.render('activation/code', { title: req.t('activation.code.title'), message: '', value: '' });
    }
    const code = normaliseCode(raw);
    const token = code ? await openSlipCode(db, code, clock(), env) : undefined;
    if (!token) {
      // One answer for every failure (unknown, expired, replaced, already activated): nothing to probe.
      return res.status(410).render('activation/code', {
        title: req.t('activation.code.title'),
        message: req.t('activation.code.invalid'),
        value: raw.slice(0, 20),
      });
    }
    res.redirect(303, `/password/${token}`);
  }

  router.get('/a', allow('public'), codeLimiter, validate(CodeQuerySchema, { source: 'query' }), (req, res) =>
    redeem(req, res, input(res, CodeQuerySchema).code),
  );
  router.get('/a/:code', allow('public'), codeLimiter, (req, res) => redeem(req, res, String(req.params.code).slice(0, 64)));

  return router;
}
