import type { Database } from '../db/client';
import { jittered } from '../lib/jitter';
import { onStaffChanged } from '../staff/service';
import type { Viewer } from './policies';

/**
 * Every request needs the signed-in person's roles; a SCORM commit arrives every few seconds per
 * learner. Viewers are kept for a few seconds per instance and per database (ids are only
 * unique within one); roster changes made here forget them at once, and other instances see a
 * change within TTL_MS. Each entry lives a jittered part of TTL_MS, so learners who started
 * together do not all reload at once.
 */
const TTL_MS = 5_000;
const MAX_ENTRIES = 20_000;
const caches = new WeakMap<Database, Map<number, { viewer: Viewer; until: number }>>();

function cacheOf(db: Database) {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  return cache;
}

export function cachedViewer(db: Database, id: number, now = Date.now()): Viewer | undefined {
  const cache = cacheOf(db);
  const hit = cache.get(id);
  if (!hit) return undefined;
  if (now > hit.until) {
    cache.delete(id);
    return undefined;
  }
  return hit.viewer;
}

export function rememberViewer(db: Database, viewer: Viewer, now = Date.now()) {
  const cache = cacheOf(db);
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(viewer.id, { viewer, until: now + jittered(TTL_MS) });
}

function forgetViewer(db: Database, id: number) {
  cacheOf(db).delete(id);
}

/** After a bulk change (a roster import), forget everyone. */
function forgetAllViewers(db: Database) {
  cacheOf(db).clear();
}

// Roster changes made in this process forget the people they touch at once. The cache subscribes
// itself: wherever it is loaded it is kept current, and staff needs no import of auth.
onStaffChanged((db, staffId) => (staffId === 'all' ? forgetAllViewers(db) : forgetViewer(db, staffId)));
