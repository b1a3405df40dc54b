import session from 'express-session';
import type { Database } from '../db/client';
import { jittered } from '../lib/jitter';
import * as repo from './repository';

const DEFAULT_TTL_MS = 12 * 3600 * 1000;

// A rolling session's expiry moves on every request; writing it more than once a minute buys nothing.
const TOUCH_EVERY_MS = 60_000;
// A learner's content commits every few seconds; each request would otherwise read the session
// row. Reads are served from memory for a few seconds; writes and logouts here update it at once,
// and another instance's logout takes effect here within READ_CACHE_MS. Both intervals are
// jittered per session (lib/jitter.ts) so that sessions begun together are not re-read or
// re-written together.
const READ_CACHE_MS = 5_000;

/** A session as last read or written here: its JSON, until when it is served, and (for read-only use) parsed once. */
interface CacheEntry {
  json: string;
  until: number;
  parsed?: session.SessionData;
}

// The read cache is kept per database (as the viewer cache is) rather than per store object, so
// that auth can drop the sessions it ends (a password set or changed) without holding the store,
// which the app builds. Beside it, the ids ended here lately: a request already under way on an
// ended session must neither cache it again from a read begun before the delete nor write it back
// (express-session saves a changed session when its request ends). Session ids are random and
// never reused, so an id once ended is simply never served again; a minute outlasts any request.
const ENDED_KEEP_MS = 60_000;

interface SessionCache {
  recent: Map<string, CacheEntry>;
  ended: Map<string, number>;
}

const caches = new WeakMap<Database, SessionCache>();

function cacheOf(db: Database): SessionCache {
  let cache = caches.get(db);
  if (!cache) {
    cache = { recent: new Map(), ended: new Map() };
    caches.set(db, cache);
  }
  return cache;
}

function endedHere(cache: SessionCache, sid: string): boolean {
  const at = cache.ended.get(sid);
  if (at === undefined) return false;
  if (Date.now() - at < ENDED_KEEP_MS) return true;
  cache.ended.delete(sid);
  return false;
}

/**
 * Drops sessions that were just ended (their rows deleted) from this process's read cache, so
 * neither the pages nor the run-time API's fast path (api-session.ts, through `peek`) serve them
 * again. Other instances keep serving an ended session from their own cache for at most
 * READ_CACHE_MS (5 s): they re-read the row then, find it gone, and answer signed out.
 */
export function forgetSessions(db: Database, sids: Iterable<string>): void {
  const cache = cacheOf(db);
  if (cache.ended.size > 50_000) cache.ended.clear();
  const now = Date.now();
  for (const sid of sids) {
    cache.recent.delete(sid);
    cache.ended.set(sid, now);
  }
}

/** express-session store on the app's own database (PGlite or PostgreSQL alike). */
export class DatabaseSessionStore extends session.Store {
  private lastPrune = 0;
  private readonly nextTouch = new Map<string, number>();
  private readonly cache: SessionCache;
  private readonly recent: Map<string, CacheEntry>;

  constructor(private readonly db: Database) {
    super();
    this.cache = cacheOf(db);
    this.recent = this.cache.recent;
  }

  private expiry(sess: session.SessionData): Date {
    const expires = sess.cookie?.expires;
    return expires ? new Date(expires) : new Date(Date.now() + DEFAULT_TTL_MS);
  }

  /** The cache entry for a session, read from the database when missing or older than READ_CACHE_MS. */
  private async entry(sid: string) {
    const hit = this.recent.get(sid);
    if (hit && Date.now() < hit.until) return hit;
    const sess = await repo.getSession(this.db, sid, new Date());
    return sess && !endedHere(this.cache, sid) ? this.remember(sid, sess) : undefined;
  }

  // express-session changes the session it is given, so each request gets its own copy.
  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    this.entry(sid)
      .then((hit) => cb(null, hit ? (JSON.parse(hit.json) as session.SessionData) : null))
      .catch((err: unknown) => cb(err));
  }

  /**
   * The session for reading only (the run-time API's lean chain): served from the same few-second
   * cache, but parsed once per cache entry instead of copied per request. Callers must not mutate it.
   */
  async peek(sid: string): Promise<Readonly<session.SessionData> | null> {
    const hit = await this.entry(sid);
    return hit ? (hit.parsed ??= JSON.parse(hit.json) as session.SessionData) : null;
  }

  private remember(sid: string, sess: unknown): CacheEntry {
    if (this.recent.size > 50_000) this.recent.clear();
    const entry: CacheEntry = { json: JSON.stringify(sess), until: Date.now() + jittered(READ_CACHE_MS) };
    this.recent.set(sid, entry);
    return entry;
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    if (endedHere(this.cache, sid)) return void cb?.();
    this.remember(sid, sess);
    repo
      .upsertSession(this.db, sid, sess, this.expiry(sess))
      .then(() => this.pruneNow())
      .then(() => cb?.())
      .catch((err: unknown) => cb?.(err));
  }

  override touch(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    const now = Date.now();
    if (now < (this.nextTouch.get(sid) ?? 0)) return void cb?.();
    if (this.nextTouch.size > 50_000) this.nextTouch.clear();
    this.nextTouch.set(sid, now + jittered(TOUCH_EVERY_MS));
    repo
      .touchSession(this.db, sid, this.expiry(sess))
      .then(() => cb?.())
      .catch((err: unknown) => cb?.(err));
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.nextTouch.delete(sid);
    this.recent.delete(sid);
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
