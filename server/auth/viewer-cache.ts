import type { Viewer } from './policies';

/**
 * Every request needs the signed-in person's roles; a SCORM commit arrives every few seconds per
 * learner. Viewers are kept for a few seconds per instance; roster changes made here forget
 * them at once, and other instances see a change within TTL_MS.
 */
const TTL_MS = 5_000;
const MAX_ENTRIES = 20_000;
const cache = new Map<number, { viewer: Viewer; at: number }>();

export function cachedViewer(id: number, now = Date.now()): Viewer | undefined {
  const hit = cache.get(id);
  if (!hit) return undefined;
  if (now - hit.at > TTL_MS) {
    cache.delete(id);
    return undefined;
  }
  return hit.viewer;
}

export function rememberViewer(viewer: Viewer, now = Date.now()) {
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(viewer.id, { viewer, at: now });
}

export function forgetViewer(id: number) {
  cache.delete(id);
}

/** After a bulk change (a roster import), forget everyone. */
export function forgetAllViewers() {
  cache.clear();
}
