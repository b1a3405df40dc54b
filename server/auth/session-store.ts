import session from 'express-session';
import type { Database } from '../db/client';
import * as repo from './repository';

const DEFAULT_TTL_MS = 12 * 3600 * 1000;

/** express-session store on the app's own database (PGlite or PostgreSQL alike). */
// A rolling session's expiry moves on every request; writing it more than once a minute buys nothing.
const TOUCH_EVERY_MS = 60_000;

export class DatabaseSessionStore extends session.Store {
  private lastPrune = 0;
  private readonly lastTouch = new Map<string, number>();

  constructor(private readonly db: Database) {
    super();
  }

  private expiry(sess: session.SessionData): Date {
    const expires = sess.cookie?.expires;
    return expires ? new Date(expires) : new Date(Date.now() + DEFAULT_TTL_MS);
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    repo
      .getSession(this.db, sid, new Date())
      .then((sess) => cb(null, (sess as session.SessionData | undefined) ?? null))
      .catch((err: unknown) => cb(err));
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    repo
      .upsertSession(this.db, sid, sess, this.expiry(sess))
      .then(() => this.pruneNow())
      .then(() => cb?.())
      .catch((err: unknown) => cb?.(err));
  }

  override touch(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    const now = Date.now();
    if (now - (this.lastTouch.get(sid) ?? 0) < TOUCH_EVERY_MS) return void cb?.();
    if (this.lastTouch.size > 50_000) this.lastTouch.clear();
    this.lastTouch.set(sid, now);
    repo
      .touchSession(this.db, sid, this.expiry(sess))
      .then(() => cb?.())
      .catch((err: unknown) => cb?.(err));
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.lastTouch.delete(sid);
    repo
      .deleteSession(this.db, sid)
      .then(() => cb?.())
      .catch((err: unknown) => cb?.(err));
  }

  // Expired rows are swept at most hourly, piggybacking on writes: no timers to stop at shutdown.
  private async pruneNow(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < 3600_000) return;
    this.lastPrune = now;
    await repo.deleteExpiredSessions(this.db, new Date(now));
  }
}
