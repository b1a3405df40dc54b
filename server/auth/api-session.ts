import crypto from 'node:crypto';
import { parse as parseCookies } from 'cookie';
import signature from 'cookie-signature';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { SessionData } from 'express-session';
import type { Database } from '../db/client';
import type { Clock } from '../lib/dates';
import { unauthenticated } from '../lib/errors';
import type { DatabaseSessionStore } from './session-store';
import { sessionViewer } from './service';

export interface ApiSessionOptions {
  cookieName: string;
  secret: string;
  maxAgeMs: number;
  store: DatabaseSessionStore;
  db: Database;
  clock: Clock;
  /** Where the request carries its CSRF token (header, or the beacon's query string). */
  tokenOf: (req: Request) => string | undefined;
  /** The error a missing or wrong token gives, the same as on the page routes. */
  invalidCsrf: Error;
}

function sameToken(received: string | undefined, stored: unknown): boolean {
  if (typeof received !== 'string' || typeof stored !== 'string') return false;
  const a = Buffer.from(received);
  const b = Buffer.from(stored);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * The session, signed-in viewer and CSRF check for the SCORM run-time API, read-only. The API
 * is the hot path — every learner's content commits every few seconds — and express-session +
 * passport + csrf-sync would, per request, copy and hash the whole session and run passport's
 * strategy machinery to learn three facts: who is signed in, the session's CSRF token, and that
 * the session is alive. This reads the same signed cookie and the same stored session (through
 * the store's short read cache), checks the token in constant time, and keeps the stored session
 * alive (throttled) without re-sending the cookie, as express-session does with rolling off.
 * Anything that must change the session stays on the page routes.
 */
export function apiSession(options: ApiSessionOptions): RequestHandler {
  const { cookieName, secret, store, db, clock } = options;
  return (req: Request, _res: Response, next: NextFunction) => {
    const signed = req.headers.cookie ? parseCookies(req.headers.cookie)[cookieName] : undefined;
    const sid = signed?.startsWith('s:') ? signature.unsign(signed.slice(2), secret) : false;
    if (!sid) return next(unauthenticated());
    store
      .peek(sid)
      .then(async (sess: Readonly<SessionData> | null) => {
        const userId = (sess as { passport?: { user?: unknown } } | null)?.passport?.user;
        if (!sess || typeof userId !== 'number') return next(unauthenticated());
        if (
          req.method !== 'GET' &&
          req.method !== 'HEAD' &&
          !sameToken(options.tokenOf(req), (sess as { csrfToken?: unknown }).csrfToken)
        ) {
          return next(options.invalidCsrf);
        }
        const viewer = await sessionViewer(db, userId, clock());
        if (!viewer) return next(unauthenticated());
        req.user = viewer;
        // The login session's id, as express-session names it on the page routes.
        req.sessionID = sid;
        store.touch(sid, { ...sess, cookie: { ...sess.cookie, expires: new Date(Date.now() + options.maxAgeMs) } } as SessionData);
        next();
      })
      .catch(next);
  };
}
