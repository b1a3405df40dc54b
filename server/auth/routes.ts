import { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AppContext } from '../context';
import { flash, safeReturnPath } from '../lib/http';
import { parseWith } from '../lib/validate';
import { allow } from './policies';
import { ChangePasswordSchema, LocaleSchema, LoginSchema, SetPasswordSchema, SetupAdminSchema } from './schema';
import * as auth from './service';

export function authRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;

  // Per-IP limit on login posts; the per-account lock lives in auth/service.
  const loginLimiter = rateLimit({
    windowMs: 15 * 60 * 1000,
    limit: ctx.config.loginRateLimitPer15Min,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, res) => {
      res.status(429).render('auth/login', {
        title: req.t('auth.login.title'),
        values: { identifier: '' },
        errors: {},
        message: req.t('auth.login.tooManyFromHere'),
      });
    },
  });

  router.get('/login', allow('public'), (req, res) => {
    if (req.user) return res.redirect('/');
    res.render('auth/login', { title: req.t('auth.login.title'), values: { identifier: '' }, errors: {}, message: undefined });
  });

  router.post('/login', allow('public'), loginLimiter, async (req, res, next) => {
    const parsed = parseWith(LoginSchema, req.body);
    const show = (status: number, message: string | undefined, errors = {}) =>
      res.status(status).render('auth/login', {
        title: req.t('auth.login.title'),
        values: { identifier: typeof req.body?.identifier === 'string' ? req.body.identifier : '' },
        errors,
        message,
      });
    if (!parsed.ok) return show(400, undefined, parsed.errors);
    const result = await auth.authenticate(db, parsed.data.identifier, parsed.data.password, clock());
    if (!result.ok) {
      return result.reason === 'locked'
        ? show(429, req.t('auth.login.locked', { minutes: result.minutes }))
        : show(401, req.t('auth.login.invalid'));
    }
    const viewer = await auth.loadViewer(db, result.staffId, clock());
    if (!viewer) return show(401, req.t('auth.login.invalid'));
    const returnTo = safeReturnPath(req.session.returnTo);
    // passport 0.7 regenerates the session here, so a pre-login session id is never reused.
    req.login(viewer, (err) => {
      if (err) return next(err);
      res.redirect(303, returnTo);
    });
  });

  router.post('/logout', allow('public'), (req, res, next) => {
    req.logout((err) => {
      if (err) return next(err);
      req.session.destroy(() => {
        res.clearCookie('mamoru.sid');
        res.redirect(303, '/login');
      });
    });
  });

  router.post('/locale', allow('public'), async (req, res) => {
    const parsed = parseWith(LocaleSchema, req.body);
    const locale = parsed.ok ? parsed.data.locale : 'ja';
    res.cookie('lang', locale, { httpOnly: true, sameSite: 'lax', secure: ctx.config.secureCookies, maxAge: 365 * 86400_000 });
    if (req.user) await auth.changeLocale(db, req.user, locale);
    res.redirect(303, safeReturnPath(parsed.ok ? parsed.data.returnTo : undefined));
  });

  // --- first administrator ---
  router.get('/setup/:token', allow('public'), async (req, res) => {
    const usable = await auth.isSetupTokenUsable(db, req.params.token as string, clock());
    res.status(usable ? 200 : 410).render('auth/setup', {
      title: req.t('auth.setup.title'),
      usable,
      values: {},
      errors: {},
    });
  });

  router.post('/setup/:token', allow('public'), async (req, res, next) => {
    const parsed = parseWith(SetupAdminSchema, req.body);
    if (!parsed.ok) {
      return res.status(400).render('auth/setup', { title: req.t('auth.setup.title'), usable: true, values: req.body, errors: parsed.errors });
    }
    const id = await auth.createFirstAdmin(db, req.params.token as string, parsed.data, clock());
    const viewer = await auth.loadViewer(db, id, clock());
    req.login(viewer!, (err) => {
      if (err) return next(err);
      flash(req, 'success', req.t('auth.setup.done'));
      res.redirect(303, '/admin/hospital');
    });
  });

  // --- password links issued by an administrator ---
  router.get('/password/:token', allow('public'), async (req, res) => {
    const holder = await auth.passwordLinkHolder(db, req.params.token as string, clock());
    res.status(holder ? 200 : 410).render('auth/set-password', {
      title: req.t('auth.setPassword.title'),
      holder: holder ? { name: holder.name, employeeNo: holder.employeeNo } : undefined,
      errors: {},
    });
  });

  router.post('/password/:token', allow('public'), async (req, res) => {
    const parsed = parseWith(SetPasswordSchema, req.body);
    if (!parsed.ok) {
      const holder = await auth.passwordLinkHolder(db, req.params.token as string, clock());
      return res.status(400).render('auth/set-password', {
        title: req.t('auth.setPassword.title'),
        holder: holder ? { name: holder.name, employeeNo: holder.employeeNo } : undefined,
        errors: parsed.errors,
      });
    }
    await auth.setPasswordWithLink(db, req.params.token as string, parsed.data.password, clock());
    flash(req, 'success', req.t('auth.setPassword.done'));
    res.redirect(303, '/login');
  });

  // --- own account ---
  router.get('/account', allow('signedIn'), (req, res) => {
    res.render('auth/account', { title: req.t('account.title'), errors: {} });
  });

  router.post('/account/password', allow('signedIn'), async (req, res) => {
    const parsed = parseWith(ChangePasswordSchema, req.body);
    if (!parsed.ok) return res.status(400).render('auth/account', { title: req.t('account.title'), errors: parsed.errors });
    if (!(await auth.changePassword(db, req.user!, parsed.data.currentPassword, parsed.data.password, clock()))) {
      return res.status(400).render('auth/account', {
        title: req.t('account.title'),
        errors: { currentPassword: ['account.password.currentWrong'] },
      });
    }
    flash(req, 'success', req.t('account.password.changed'));
    res.redirect(303, '/account');
  });

  return router;
}
