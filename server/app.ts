import path from 'node:path';
import compression from 'compression';
import { csrfSync } from 'csrf-sync';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import passport from 'passport';
import { allow, can, type Policy } from './auth/policies';
import { apiSession } from './auth/api-session';
import { authRouter } from './auth/routes';
import { sessionViewer } from './auth/service';
import { DatabaseSessionStore } from './auth/session-store';
import { auditRouter } from './compliance/audit/routes';
import type { AppContext, AppDeps } from './context';
import { homeRouter } from './home/routes';
import { hospitalRouter } from './hospital/routes';
import { systemClock } from './lib/dates';
import { nameFontRouter, uiFontRouter } from './lib/ui-font';
import { createLogger } from './lib/log';
import { requestLogging } from './lib/request-log';
import { errorHandler, notFoundHandler } from './lib/error-handler';
import { localeOf, translator } from './lib/i18n';
import { projectRoot, publicDir, viewsDir } from './lib/paths';
import { endLaunchesAtSignOut } from './scorm/content/launches';
import { contentOriginFor } from './scorm/content/origin';
import { contentOriginApp } from './scorm/content/routes';
import { gradingRouter } from './scorm/grading/routes';
import { courseAdminRouter } from './scorm/courses/routes';
import { playerRouter } from './scorm/player/routes';
import { launchCommitRouter, trackingApiRouter, trackingRouter } from './scorm/tracking/routes';
import { rosterRouter } from './staff/routes';
import { trainingRouter } from './training/routes';
import { redactSecretPath } from './activation/redact';
import { questionsRouter } from './questions/routes';
import { activationRouter } from './activation/routes';
import { mailRouter } from './mail/routes';

export type { AppContext, AppDeps } from './context';

const SESSION_COOKIE = 'mamoru.sid';

// Multipart bodies are not parsed before the CSRF check, so uploads send the token in a header
// (fetch) or in the form's action URL (plain form post); the SCORM terminate beacon in its URL.
const csrfTokenOf = (req: Request) =>
  (req.headers['x-csrf-token'] as string | undefined) ??
  (req.body as Record<string, string> | undefined)?._csrf ??
  (typeof req.query._csrf === 'string' ? req.query._csrf : undefined);

/** Headers for the JSON run-time API: nothing in it may be sniffed, framed, run or cached. */
function apiHeaders(_req: Request, res: Response, next: NextFunction) {
  res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  next();
}

/** The app, with the content origin's app beside it (main.ts serves it on its own port). */
export interface MamoruApp extends Express {
  content: Express;
}

export function createApp(deps: AppDeps): MamoruApp {
  const ctx: AppContext = {
    ...deps,
    db: deps.database.db,
    clock: deps.clock ?? systemClock,
    log: deps.log ?? createLogger(deps.config.logLevel),
  };
  const { config } = deps;
  const app = express();
  // Signing out, or a new password, ends the course launches the person had open (once per
  // database, however many app instances a process makes of it).
  endLaunchesAtSignOut(ctx.db);

  app.set('views', viewsDir);
  app.set('view engine', 'ejs');
  app.set('trust proxy', config.trustProxy ?? false);
  app.disable('x-powered-by');
  // A password link's, the setup link's or an activation code's secret is never written to the log.
  app.use(requestLogging(app, ctx.log, { redact: redactSecretPath }));

  const store = new DatabaseSessionStore(ctx.db);
  const csrf = csrfSync({
    errorConfig: { statusCode: 403, code: 'EBADCSRFTOKEN', message: 'invalid csrf token' },
    getTokenFromRequest: csrfTokenOf,
  });

  // The SCORM run-time API is the hot path (every learner's content commits every few seconds):
  // it gets only what it needs — the viewer, the CSRF check, keeping the session alive, all
  // read-only (apiSession) — and none of the page machinery below. It answers JSON only, so
  // instead of helmet's page headers it gets the few that matter for that.
  app.use(
    '/api',
    apiHeaders,
    apiSession({
      cookieName: SESSION_COOKIE,
      secret: config.sessionSecret,
      maxAgeMs: config.sessionMaxAgeMs,
      store,
      db: ctx.db,
      clock: ctx.clock,
      tokenOf: csrfTokenOf,
      invalidCsrf: csrf.invalidCsrfTokenError,
    }),
    (req: Request, _res: Response, next: NextFunction) => {
      req.locale = localeOf(req);
      req.t = translator(req.locale);
      next();
    },
    trackingApiRouter(ctx),
  );

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          // Courses play in a frame on the content origin (never on this one).
          frameSrc: [(req) => contentOriginFor(config, req as Request)],
          frameAncestors: ["'self'"],
          formAction: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          upgradeInsecureRequests: config.secureCookies ? [] : null,
        },
      },
      hsts: config.secureCookies,
    }),
  );
  const pageSession = session({
    name: SESSION_COOKIE,
    secret: config.sessionSecret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: config.secureCookies, maxAge: config.sessionMaxAgeMs },
  });

  const auth = new passport.Passport();
  auth.serializeUser((user, done) => done(null, user.id));
  auth.deserializeUser((id: number, done) => {
    sessionViewer(ctx.db, id, ctx.clock())
      .then((viewer) => done(null, viewer ?? false))
      .catch((err: unknown) => done(err));
  });

  app.use(compression());

  // Scripts and styles are revalidated on every use (a 304 on the hospital's network): their URLs
  // carry no version, and a player page and launch page of different releases must never meet.
  const staticOptions = { maxAge: 0, index: false as const };
  app.use('/static', express.static(publicDir, staticOptions));
  // The SCORM run-time (scorm-again's browser builds), from node_modules: no CDN.
  app.use('/static/vendor/scorm-again', express.static(path.join(projectRoot, 'node_modules', 'scorm-again', 'dist'), staticOptions));
  // Noto Sans JP: ui.css, the slices cut down to the app's own characters (installed fonts first),
  // then the full slices (split by unicode range: a page downloads only the slices its text needs).
  app.use('/static/fonts', uiFontRouter(config.dataDir));
  app.use(
    '/static/fonts/noto-sans-jp',
    express.static(path.join(projectRoot, 'node_modules', '@fontsource', 'noto-sans-jp'), { ...staticOptions, maxAge: '30d' }),
  );

  // Pages and exports hold personal data: no browser or proxy keeps a copy (the static files above are cacheable).
  app.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  app.get('/healthz', allow('public'), async (_req, res) => {
    try {
      await ctx.database.ping();
      res.json({ status: 'ok', database: ctx.database.driver });
    } catch {
      res.status(503).json({ status: 'unavailable', database: ctx.database.driver });
    }
  });

  app.use(express.urlencoded({ extended: false, limit: '1mb' }));
  // SCORM 2004 commits may carry 64,000 characters of suspend_data plus 250 interactions.
  app.use(express.json({ limit: '4mb' }));

  app.use(pageSession);
  app.use(auth.initialize());
  app.use(auth.session());

  app.use((req, res, next) => {
    req.locale = localeOf(req);
    req.t = translator(req.locale);
    res.locals.t = req.t;
    res.locals.locale = req.locale;
    res.locals.viewer = req.user;
    res.locals.can = (policy: Policy) => can(req.user, policy);
    res.locals.currentPath = req.path;
    res.locals.csrfToken = csrf.generateToken(req);
    res.locals.flash = req.session.flash ?? [];
    if (req.session.flash) delete req.session.flash;
    next();
  });
  app.use(csrf.csrfSynchronisedProtection);

  app.use(nameFontRouter(config.dataDir));
  app.use(authRouter(ctx));
  app.use(homeRouter(ctx));
  app.use(hospitalRouter(ctx));
  app.use(rosterRouter(ctx));
  app.use(auditRouter(ctx));
  app.use(courseAdminRouter(ctx));
  app.use(playerRouter(ctx));
  app.use(trackingRouter(ctx));
  app.use(trainingRouter(ctx));
  app.use(questionsRouter(ctx));
  app.use(activationRouter(ctx));
  app.use(mailRouter(ctx));

  app.use(notFoundHandler);
  app.use(errorHandler());
  return Object.assign(app, { content: contentOriginApp(ctx, [launchCommitRouter(ctx), gradingRouter(ctx)]) });
}
