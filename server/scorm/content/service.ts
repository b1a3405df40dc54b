import { authorize, type Viewer } from '../../auth/policies';
import type { Database } from '../../db/client';
import { notFound } from '../../lib/errors';
import { versionWithStanding } from '../courses/service';
import { hasAttemptOn } from '../tracking/service';
import type { ContentCache } from './cache';

/**
 * The folder a version's files are served from, for a viewer who may read them (see the
 * 'content:read' rule); any other version answers 404, as a missing one does.
 */
export async function readableFolder(db: Database, cache: ContentCache, viewer: Viewer, versionId: number): Promise<string> {
  const version = await versionWithStanding(db, versionId);
  if (!version) throw notFound();
  // Whether the viewer has an attempt on it matters only for a version new attempts no longer start on.
  const viewerHasAttempt = !version.current && (await hasAttemptOn(db, viewer, versionId));
  if (!authorize(viewer, 'content:read', { current: version.current, viewerHasAttempt })) throw notFound();
  return cache.folderFor(versionId);
}
