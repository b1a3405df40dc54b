import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AppError, ValidationError, isDatabaseUnavailable, notFound } from './errors';
import { translator } from './i18n';
import type { FormRenderer } from './validate';

export function wantsJson(req: Request): boolean {
  return req.xhr || req.is('application/json') === 'application/json' || req.accepts(['html', 'json']) === 'json';
}

/** What a thrown error means for the reply, if it is one the app knows (a 500 otherwise). */
export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  const e = err as { code?: string; type?: string; status?: number };
  if (e.code === 'EBADCSRFTOKEN') return new AppError(403, 'csrf_invalid', 'errors.csrf');
  if (e.type === 'entity.too.large' || e.code === 'LIMIT_FILE_SIZE') return new AppError(413, 'too_large', 'errors.tooLarge');
  // A path that is not valid percent-encoding (`/courses/%E0%A4%A`): the router marks it 400.
  if (err instanceof URIError || (e.status === 400 && /Failed to decode param/.test(String((err as Error).message)))) {
    return new AppError(400, 'bad_path', 'errors.badPath');
  }
  if (e.type === 'entity.parse.failed') return new AppError(400, 'bad_json', 'errors.badJson');
  // Any other body the parser refused for the client's fault (an unknown or broken Content-Encoding…).
  if ((err as { expose?: boolean }).expose && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new AppError(e.status, 'bad_request', 'errors.badRequest');
  }
  if (isDatabaseUnavailable(err)) return new AppError(503, 'database_unavailable', 'errors.databaseUnavailable');
  return undefined;
}

export function notFoundHandler(_req: Request, _res: Response, next: NextFunction) {
  next(notFound());
}

/** The one place errors become responses: JSON for API callers, the error page for people. */
export function errorHandler() {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const known = toAppError(err);
    const t = req.t ?? translator('ja');
    // The reference a person can quote is the request id, which is on every log line of the request.
    const reference = known ? undefined : (req.id ?? crypto.randomBytes(6).toString('hex'));
    const status = known?.status ?? 500;
    const code = known?.code ?? 'internal_error';
    const message = known ? t(known.messageKey, known.params) : t('errors.internal', { reference: reference ?? '' });

    if (!known) req.log?.error({ err, method: req.method, url: req.originalUrl.split('?')[0] }, 'unhandled error');
    else if (status >= 500) req.log?.warn({ code, method: req.method, url: req.originalUrl.split('?')[0] }, known.message);
    if (status === 503) res.set('Retry-After', '5');
    // Errors raised before the locals middleware (session store down, say) still render the layout.
    res.locals.t ??= t;
    res.locals.locale ??= req.locale ?? 'ja';
    res.locals.can ??= () => false;
    res.locals.csrfToken ??= '';
    res.locals.flash ??= [];
    res.locals.currentPath ??= req.path;
    res.locals.viewer ??= req.user; // the layout reads it; an unset local is a ReferenceError in EJS

    // An error that carries its own reply is answered with it: the SCORM run-time API's refusals
    // ({ result: 'false', errorCode: 391 }) are read by content, which knows no other shape.
    const reply = (known as { reply?: unknown } | undefined)?.reply;
    if (reply !== undefined) {
      res.status(status).json(reply);
      return;
    }
    if (known instanceof ValidationError && typeof res.locals.rerenderForm === 'function' && !wantsJson(req)) {
      res.status(400);
      void Promise.resolve((res.locals.rerenderForm as FormRenderer)(req, res, known.fieldErrors)).catch((renderErr: unknown) => {
        req.log?.error({ err: renderErr }, 'form re-render failed');
        if (!res.headersSent) res.status(500).end();
      });
      return;
    }
    if (wantsJson(req)) {
      const fields = known instanceof ValidationError ? translateFields(known, t) : undefined;
      res.status(status).json({ error: { code, message, ...(fields ? { fields } : {}) } });
      return;
    }
    if (status === 401) {
      if (req.method === 'GET' && req.session) req.session.returnTo = req.originalUrl;
      res.redirect(303, '/login');
      return;
    }
    res.status(status).render('error', {
      title: t('errors.title'),
      status,
      message,
      fieldMessages: known instanceof ValidationError ? Object.values(translateFields(known, t)).flat() : [],
    });
  };
}

function translateFields(err: ValidationError, t: ReturnType<typeof translator>) {
  return Object.fromEntries(Object.entries(err.fieldErrors).map(([k, v]) => [k, v.map((m) => t(m))]));
}
