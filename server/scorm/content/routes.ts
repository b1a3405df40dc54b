import path from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { AppContext } from '../../context';
import { toAppError } from '../../lib/error-handler';
import { notFound } from '../../lib/errors';
import { projectRoot, publicDir } from '../../lib/paths';
import { requestLogging } from '../../lib/request-log';
import { findVersion } from '../courses/service';
import { ContentCache } from './cache';
import { resolveLaunch, type LaunchGrant } from './launches';

/**
 * The content origin: course packages run here, on another origin than the app, so a package's
 * script cannot read the app's pages, its CSRF token or its session, whoever opens it. Nothing of
 * the app is mounted here and no cookie is read: a request is served only on a launch token
 * (see launches.ts), and only its own launch's files. The content talks to its player (on the
 * app origin) by postMessage, through the launch page below, and to nothing else.
 */

/** Packages need inline scripts, but may load nothing from outside this origin nor frame anything else. */
function contentCsp(appOrigin: string) {
  return [
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'self'",
    // Every ancestor counts: the launch page (this origin) and the player page (the app's).
    `frame-ancestors 'self' ${appOrigin}`,
    "form-action 'self'",
    "object-src 'none'",
    "base-uri 'self'",
  ].join('; ');
}

function setContentHeaders(res: Response, grant: LaunchGrant) {
  res.setHeader('Content-Security-Policy', contentCsp(grant.appOrigin));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  // The token is in every URL here: no page may hand it to another site as a referrer.
  res.setHeader('Referrer-Policy', 'no-referrer');
  // One person's launch: never kept by a shared cache, and checked again at every use (a token ends).
  res.setHeader('Cache-Control', 'private, no-cache');
}

const escapeJsonForHtml = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

/** The launch page's markup: the SCO's frame and the runtime that gives it window.API / API_1484_11. */
function launchPage(grant: LaunchGrant, standard: '1.2' | '2004' | undefined) {
  const config = { appOrigin: grant.appOrigin, scoUrl: `f/${encodePath(grant.launchPath)}${grant.launchQuery}` };
  const runtime = standard === '1.2' ? 'scorm12' : 'scorm2004';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>SCORM</title>
<style>html,body{margin:0;height:100%;overflow:hidden}iframe{border:0;width:100%;height:100%;display:block}</style>
<script src="/static/scorm-again/${runtime}.min.js" defer></script>
<script src="/static/launch.js" defer></script>
</head><body>
<iframe id="sco-frame" title="SCO"></iframe>
<script type="application/json" id="launch-config">${escapeJsonForHtml(config)}</script>
</body></html>`;
}

/** Launch tokens travel in paths: they are never written to the log. */
export const redactLaunchToken = (p: string) => p.replace(/^\/+l\/[^/]+/i, '/l/…');

/** `runtime`: the run-time API routes served on launch tokens (composed in app.ts: they belong to tracking). */
export function contentOriginApp(ctx: AppContext, runtime: Router[]): Express {
  const app = express();
  const { db, clock } = ctx;
  const cache = new ContentCache(db, path.join(ctx.config.dataDir, 'content-cache'));
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy ?? false);
  app.use(requestLogging(app, ctx.log, { redact: redactLaunchToken }));
  app.use((req, res, next) => {
    // Nothing answered here may run unconfined (a 404 page framed by a package would otherwise be a
    // page with no CSP); package files and the launch page replace this with the content CSP.
    res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // A service worker would outlive its launch and see every later launch page on this origin
    // (their URLs hold their tokens): none may be installed, from any package.
    if (req.get('service-worker')) return next(notFound());
    next();
  });

  // Revalidated on every use, like the app's scripts: the launch page and the player speak one protocol per release.
  const staticOptions = { maxAge: 0, index: false as const };
  // The content side of the player and scorm-again's browser builds: no token needed, nothing secret.
  app.get('/static/launch.js', (_req, res) => res.sendFile(path.join(publicDir, 'content', 'launch.js'), staticOptions));
  app.use('/static/scorm-again', express.static(path.join(projectRoot, 'node_modules', 'scorm-again', 'dist'), staticOptions));

  const grantOf = async (req: Request): Promise<LaunchGrant> => {
    const grant = await resolveLaunch(db, String(req.params.token), clock());
    if (!grant) throw notFound();
    return grant;
  };

  app.get('/l/:token/', async (req, res) => {
    const grant = await grantOf(req);
    const standard = (await findVersion(db, grant.courseVersionId))?.standard;
    setContentHeaders(res, grant);
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(launchPage(grant, standard === '1.2' ? '1.2' : '2004'));
  });

  app.get('/l/:token/f/{*rest}', async (req, res, next) => {
    const grant = await grantOf(req);
    const segments = (req.params as unknown as { rest?: string[] }).rest ?? [];
    // Segments arrive decoded: an encoded slash (`..%2f`) makes a segment that holds a path.
    if (segments.length === 0 || segments.some((s) => s === '..' || s === '.' || s.includes('/') || s.includes('\\') || s.includes('\0')))
      throw notFound();
    const dir = await cache.folderFor(grant.courseVersionId);
    setContentHeaders(res, grant);
    res.sendFile(segments.join('/'), { root: dir, dotfiles: 'deny', cacheControl: false, index: false }, (err) => {
      if (!err) return;
      // A refused path (403 for a dotfile or a climb, 400 for a malformed one) answers like a missing file.
      const status = (err as { status?: number }).status ?? 0;
      const code = (err as { code?: string }).code;
      if ((status >= 400 && status < 500) || code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return next(notFound());
      next(err);
    });
  });

  for (const router of runtime) app.use(router);

  app.use((_req, _res, next) => next(notFound()));
  // Plain answers: nothing of the app's pages (its links, its layout) is shown on this origin.
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const known = toAppError(err);
    const status = known?.status ?? 500;
    if (status >= 500) req.log?.error({ err, url: redactLaunchToken(req.originalUrl.split('?')[0]!) }, 'content request failed');
    res.status(status).setHeader('Cache-Control', 'no-store');
    // A run-time API refusal carries its reply in the content's terms ({ result: 'false', errorCode }).
    const reply = (known as { reply?: unknown } | undefined)?.reply;
    if (reply !== undefined) return void res.json(reply);
    res.type('text').send(status === 404 ? 'Not found' : status === 400 ? 'Bad request' : 'Error');
  });
  return app;
}
