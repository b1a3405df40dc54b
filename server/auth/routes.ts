import { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AppContext } from '../context';
import type { FieldErrors } from '../lib/errors';
import { flash, safeReturnPath } from '../lib/http';
import { input, validate } from '../lib/validate';
import { accountSignedOut } from './events';
import { passwordRules } from './passwords';
import { allow } from './policies';
import { ChangePasswordSchema, LocaleSchema, LoginSchema, SetPasswordSchema, SetupAdminSchema } from './schema';
import * as auth from './service';

export function authRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;

  function renderLogin(req: Request, res: Response, opts: { message?: string | undefined; errors?: FieldErrors } = {}) {
    res.render('auth/login', {
      title: req.t('auth.login.title'),
      values: { identifier: typeof req.body?.identifier === 'string' ? req.body.identifier : '' },
      errors: opts.errors ?? {},
      message: opts.message,
    });
  }

  function renderSetup(req: Request, res: Response, usable: boolean, errors: FieldErrors = {}) {
    res.render('auth/setup', { title: req.t('auth.setup.title'), usable, values: req.body ?? {}, errors, ...passwordRules });
  }

  /** The link's page; a link that no longer works answers 410 when shown, 400 when its form failed. */
  async function renderSetPassword(req: Request, res: Response, errors?: FieldErrors) {
    const holder = await auth.passwordLinkHolder(db, req.params.token as string, clock());
    if (!errors && !holder) res.status(410);
    res.render('auth/set-password', {
      title: req.t('auth.setPassword.title'),
      holder: holder ? { name: holder.name, employeeNo: holder.employeeNo } : undefined,
      errors: errors ?? {},
      ...passwordRules,
    });
  }

  function renderAccount(req: Request, res: Response, errors: FieldErrors = {}) {
    res.render('auth/account', { title: req.t('account.title'), errors, ...passwordRules });
  }

  // Per-IP limit on login posts, whatever their outcome; the growing delays per identifier and per
  // address after failures live in login-throttle.ts.
  const loginLimiter = rateLimit({
    windowMs: 15 * 60 * 1000,
    limit: ctx.config.loginRateLimitPer15Min,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, res) => {
      res.status(429);
      renderLogin(req, res, { message: req.t('auth.login.tooManyFromHere') });
    },
  });

  router.get('/login', allow('public'), (req, res) => {
    if (req.user) return res.redirect('/');
    renderLogin(req, res);
  });

  router.post(
    '/login',
    allow('public'),
    loginLimiter,
    validate(LoginSchema, { form: (req, res, errors) => renderLogin(req, res, { errors }) }),
    async (req, res, next) => {
      const { identifier, password } = input(res, LoginSchema);
      const result = await auth.authenticate(db, { identifier, password, address: req.ip, secret: ctx.config.sessionSecret }, clock());
      // A refused login is an answer of the login page, not an error: the same form, a status and a
      // message, which say nothing of whether the identifier names anyone.
      if (!result.ok) {
        res.status(result.reason === 'wait' ? 429 : 401);
        return renderLogin(req, res, {
          message: result.reason === 'wait' ? req.t('auth.login.wait', { seconds: result.seconds }) : req.t('auth.login.invalid'),
        });
      }
      const viewer = await auth.loadViewer(db, result.staffId, clock());
      if (!viewer) {
        res.status(401);
        return renderLogin(req, res, { message: req.t('auth.login.invalid') });
      }
      const returnTo = safeReturnPath(req.session.returnTo);
      // passport 0.7 regenerates the session here, so a pre-login session id is never reused.
      req.login(viewer, (err) => {
        if (err) return next(err);
        res.redirect(303, returnTo);
      });
    },
  );

  router.post('/logout', allow('public'), (req, res, next) => {
    const staffId = req.user?.id;
    // Taken before passport's logout, which gives the session a new id.
    const loginSessionId = req.sessionID;
    req.logout((err) => {
      if (err) return next(err);
      req.session.destroy(() => {
        res.clearCookie('mamoru.sid');
        // Listeners (launch capabilities, say) are told once the session is gone; their failures are logged, not the person's problem.
        const told = staffId === undefined ? Promise.resolve() : accountSignedOut(staffId, clock(), req.log, { loginSessionId });
        told.then(() => res.redirect(303, '/login'), next);
      });
    });
  });

  // The schema falls back to Japanese and the home page, so a bad post still switches and returns.
  router.post('/locale', allow('public'), validate(LocaleSchema), async (req, res) => {
    const { locale, returnTo } = input(res, LocaleSchema);
    res.cookie('lang', locale, { httpOnly: true, sameSite: 'lax', secure: ctx.config.secureCookies, maxAge: 365 * 86400_000 });
    if (req.user) await auth.changeLocale(db, req.user, locale);
    res.redirect(303, safeReturnPath(returnTo));
  });

  // --- first administrator ---
  router.get('/setup/:token', allow('public'), async (req, res) => {
    const usable = await auth.isSetupTokenUsable(db, req.params.token as string, clock());
    res.status(usable ? 200 : 410);
    renderSetup(req, res, usable);
  });

  router.post(
    '/setup/:token',
    allow('public'),
    validate(SetupAdminSchema, { form: (req, res, errors) => renderSetup(req, res, true, errors) }),
    async (req, res, next) => {
      const id = await auth.createFirstAdmin(db, req.params.token as string, input(res, SetupAdminSchema), clock(), {
        keepSid: req.user ? req.sessionID : undefined,
        log: req.log,
      });
      const viewer = await auth.loadViewer(db, id, clock());
      req.login(viewer!, (err) => {
        if (err) return next(err);
        flash(req, 'success', req.t('auth.setup.done'));
        res.redirect(303, '/admin/hospital');
      });
    },
  );

  // --- password links issued by an administrator ---
  router.get('/password/:token', allow('public'), (req, res) => renderSetPassword(req, res));

  router.post('/password/:token', allow('public'), validate(SetPasswordSchema, { form: renderSetPassword }), async (req, res, next) => {
    // Every other session of the holder ends; this one (whoever it was) becomes the holder's new
    // signed-in session, under a new id (passport 0.7 regenerates it at login).
    const before = req.user ? { id: req.user.id, sid: req.sessionID } : undefined;
    const holderId = await auth.setPasswordWithLink(db, req.params.token as string, input(res, SetPasswordSchema).password, clock(), {
      keepSid: req.user ? req.sessionID : undefined,
      log: req.log,
    });
    const viewer = await auth.signInAfterPasswordSet(db, holderId, clock());
    if (!viewer) {
      flash(req, 'success', req.t('auth.setPassword.done'));
      return res.redirect(303, '/login');
    }
    req.login(viewer, (err) => {
      if (err) return next(err);
      // After login: the regenerated session starts empty, so the message goes into the new one.
      flash(req, 'success', req.t('activation.passwordSetSignedIn'));
      // Someone else was signed in here: their login session has just ended, as at a logout.
      const told =
        before && before.id !== viewer.id
          ? accountSignedOut(before.id, clock(), req.log, { loginSessionId: before.sid })
          : Promise.resolve();
      told.then(() => res.redirect(303, '/'), next);
    });
  });

  // --- own account ---
  router.get('/account', allow('signedIn'), (req, res) => renderAccount(req, res));

  // A wrong current password comes back from the service as a field error and re-renders this form.
  router.post('/account/password', allow('signedIn'), validate(ChangePasswordSchema, { form: renderAccount }), async (req, res) => {
    const { currentPassword, password } = input(res, ChangePasswordSchema);
    await auth.changePassword(db, req.user!, currentPassword, password, clock(), { keepSid: req.sessionID, log: req.log });
    flash(req, 'success', req.t('account.password.changed'));
    res.redirect(303, '/account');
  });

  return router;
}
