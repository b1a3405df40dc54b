import type { Viewer } from '../../server/auth/policies';
import { cachedViewer, rememberViewer } from '../../server/auth/viewer-cache';
import type { Database } from '../../server/db/client';
import { jittered } from '../../server/lib/jitter';

const viewer = (id: number): Viewer => ({
  id,
  employeeNo: `E${id}`,
  name: `Staff ${id}`,
  roles: ['staff'],
  locale: 'ja',
  managedDepartmentIds: [],
});

describe('jittered lifetimes', () => {
  it('lie between half and all of the nominal lifetime, never beyond it', () => {
    expect(jittered(5000, () => 0)).toBe(2500);
    expect(jittered(5000, () => 0.5)).toBe(3750);
    expect(jittered(5000, () => 0.999999)).toBeLessThanOrEqual(5000);
    expect(jittered(5000, () => 0.999999)).toBeGreaterThan(4999);
  });
});

describe('the viewer cache', () => {
  // Only the cache's own identity matters here: viewers are kept per database handle.
  const db = {} as Database;

  it('keeps every viewer at least half of 5 s and never beyond 5 s', () => {
    rememberViewer(db, viewer(1), 0);
    expect(cachedViewer(db, 1, 2499)).toMatchObject({ id: 1 });
    expect(cachedViewer(db, 1, 5001)).toBeUndefined();
  });

  it('lets viewers remembered in the same instant expire at different times (no refresh storm)', () => {
    const ids = Array.from({ length: 64 }, (_, i) => 100 + i);
    for (const id of ids) rememberViewer(db, viewer(id), 0);
    // All are kept for the first half; by the midpoint some have gone and some not (all 64
    // surviving by chance: 2^-64); after the nominal lifetime, none.
    const alive = (at: number) => ids.filter((id) => cachedViewer(db, id, at) !== undefined).length;
    expect(alive(2499)).toBe(64);
    const midway = alive(3750);
    expect(midway).toBeGreaterThan(0);
    expect(midway).toBeLessThan(64);
    expect(alive(5001)).toBe(0);
  });
});
