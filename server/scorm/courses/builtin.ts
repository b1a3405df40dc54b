/**
 * The four courses that ship with Mamoru (courses/<slug>/). They are built in memory from their
 * source and imported through the same path as an uploaded package, so they play, track and
 * version exactly like any other course. The build is deterministic: an unchanged course gives
 * the same sha256, which the import refuses as "same as latest" — that means "already installed".
 *
 * Installed here they are the hosted flavour: the question bank without its answers, the test
 * drawn and graded by the server (scorm/grading), the version marked so. The export for another
 * LMS is the self-contained flavour, which grades in the browser.
 */
import path from 'node:path';
import {
  buildPackage,
  type BuildStandard,
  coursesRoot,
  type CourseSource,
  CourseSourceError,
  courseDirs,
  loadCourse,
} from '../../../courses/_build';
import type { Database } from '../../db/client';
import { notFound } from '../../lib/errors';
import { markServerGraded } from '../grading/standing';
import { getCourse, importPackage } from './service';

export const BUILTIN_PREFIX = 'mamoru-';

export type InstallOutcome =
  | { slug: string; status: 'installed' | 'updated'; courseId: number; versionNo: number }
  | { slug: string; status: 'unchanged' }
  | { slug: string; status: 'failed'; message: string };

/** Installs (or updates) every course found in `dirs` (default: the folders under courses/). Never throws for one course. */
export async function installBuiltinCourses(
  db: Database,
  now: Date,
  dirs: string[] = courseDirs(coursesRoot()),
): Promise<InstallOutcome[]> {
  const outcomes: InstallOutcome[] = [];
  for (const dir of dirs) {
    const slug = BUILTIN_PREFIX + path.basename(dir);
    try {
      const bytes = await buildPackage(loadCourse(dir), '2004', coursesRoot(), { hosted: true });
      const result = await importPackage(db, null, bytes, now, { slug, origin: 'builtin', makeCurrent: true });
      if (result.ok) await markServerGraded(db, result.versionId);
      if (result.ok)
        outcomes.push({ slug, status: result.created ? 'installed' : 'updated', courseId: result.courseId, versionNo: result.versionNo });
      else if (result.reason === 'same-as-latest') outcomes.push({ slug, status: 'unchanged' });
      else outcomes.push({ slug, status: 'failed', message: result.problems.map((p) => p.code).join(', ') });
    } catch (err) {
      outcomes.push({
        slug,
        status: 'failed',
        message: err instanceof CourseSourceError ? err.problems.join('; ') : (err as Error).message,
      });
    }
  }
  return outcomes;
}

/** One line per course, for the start-up log and the CLI. */
export function describeOutcome(o: InstallOutcome): string {
  switch (o.status) {
    case 'installed':
      return `Course ${o.slug}: installed (version ${o.versionNo}).`;
    case 'updated':
      return `Course ${o.slug}: updated to version ${o.versionNo}.`;
    case 'unchanged':
      return `Course ${o.slug}: already installed, unchanged.`;
    case 'failed':
      return `Course ${o.slug}: NOT installed — ${o.message}`;
  }
}

/** The folder of a built-in course's source under courses/; undefined for any other slug. */
function builtinDir(courseSlug: string): string | undefined {
  if (!courseSlug.startsWith(BUILTIN_PREFIX)) return undefined;
  return courseDirs(coursesRoot()).find((d) => path.basename(d) === courseSlug.slice(BUILTIN_PREFIX.length));
}

/** A built-in course's source, answers included (for the server's grading); null when there is none. */
export function builtinCourseSource(courseSlug: string): CourseSource | null {
  const dir = builtinDir(courseSlug);
  return dir ? loadCourse(dir) : null;
}

/** The zip of a built-in course for another LMS, built from the source on demand; null when there is no such source. */
export async function builtinZip(courseSlug: string, standard: BuildStandard): Promise<Buffer | null> {
  const dir = builtinDir(courseSlug);
  return dir ? buildPackage(loadCourse(dir), standard) : null;
}

/** The export of a built-in course (`/admin/courses/:id/export/…`): its file name and zip; 404 for any other course. */
export async function builtinExport(db: Database, courseId: number, standard: BuildStandard, file: string) {
  const course = await getCourse(db, courseId);
  const zip = course.origin === 'builtin' ? await builtinZip(course.slug, standard) : null;
  if (!zip) throw notFound();
  return { fileName: `${course.slug}-${file}.zip`, zip };
}
