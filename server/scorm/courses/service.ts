import type { Viewer } from '../../auth/policies';
import { recordAudit } from '../../compliance/audit/service';
import type { Database } from '../../db/client';
import { withTransaction } from '../../db/transaction';
import type { CompletionRuleName } from '../../db/schema';
import { notFound } from '../../lib/errors';
import { analysePackage, packageProblem, type ManifestModel, type PackageProblem, type ZipSource } from '../package';
import * as repo from './repository';
import { PART_BYTES, storeZipParts } from './zip-parts';

export interface ImportOptions {
  /** Add a version to this course; otherwise the manifest identifier finds or creates one. */
  courseId?: number;
  slug?: string;
  completionRule?: CompletionRuleName;
  /** Whether new attempts use this version at once (always true for a new course). */
  makeCurrent?: boolean;
  origin?: 'builtin' | 'uploaded';
  /** Size of the parts the zip is stored in (tests make it small to cover several parts cheaply). */
  partBytes?: number;
}

export type { CourseRow, ScoRow } from './repository';

/**
 * What an import comes to. Both refusals are expected outcomes, answered as values with what to
 * tell the person: a package that fails its checks, and one identical to the course's latest
 * version (for the built-in courses, rebuilt at every start, that means "already installed").
 */
export type ImportResult =
  | { ok: true; courseId: number; versionId: number; versionNo: number; created: boolean; warnings: PackageProblem[] }
  | { ok: false; reason: 'refused'; problems: PackageProblem[] }
  | { ok: false; reason: 'same-as-latest'; versionNo: number; problems: PackageProblem[] };

/** A slug from the manifest identifier: what a course is called in URLs and on the command line. */
export function slugOf(identifier: string): string {
  const slug = identifier
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return slug || 'course';
}

/** A package with a test counts when passed (and completed); one without, when completed. */
export function defaultCompletionRule(model: ManifestModel): CompletionRuleName {
  if (model.standard === '1.2') return model.scos.some((s) => s.masteryScore !== null) ? 'passed' : 'completed';
  return model.scos.some((s) => s.scaledPassingScore !== null) ? 'completed_and_passed' : 'completed';
}

/**
 * Checks a package (its bytes, or the path of its zip file) and stores it as a new version of
 * its course. A refused package writes nothing; an accepted one never changes earlier versions
 * (attempts keep theirs). The course's title is taken from the manifest only when the course
 * is created: afterwards it is the officer's (course settings), and a new version keeps it.
 */
export async function importPackage(
  db: Database,
  actor: Viewer | null,
  source: ZipSource,
  now: Date,
  opts: ImportOptions = {},
): Promise<ImportResult> {
  const analysis = await analysePackage(source);
  if (!analysis.ok) return { ok: false, reason: 'refused', problems: analysis.problems };
  const { model, sha256, sizeBytes, warnings } = analysis;
  return withTransaction(db, now, async (work): Promise<ImportResult> => {
    const { tx } = work;
    const course = opts.courseId
      ? await repo.findCourse(tx, opts.courseId)
      : await repo.findCourseBySlug(tx, opts.slug ?? slugOf(model.identifier));
    if (opts.courseId && !course) throw notFound();
    const created = !course;
    const courseId =
      course?.id ??
      (await repo.insertCourse(tx, { slug: opts.slug ?? slugOf(model.identifier), title: model.title, origin: opts.origin ?? 'uploaded' }));
    const latest = course ? await repo.latestVersion(tx, courseId) : undefined;
    // Nothing is written before this check when the course exists (and a new course has no latest version).
    if (latest?.sha256 === sha256) {
      const { versionNo } = latest;
      return {
        ok: false,
        reason: 'same-as-latest',
        versionNo,
        problems: [packageProblem('scorm.course.sameAsLatest', { params: { versionNo } })],
      };
    }
    const versionNo = await repo.nextVersionNo(tx, courseId);
    const versionId = await repo.insertVersion(tx, {
      courseId,
      versionNo,
      sha256,
      sizeBytes,
      standard: model.standard,
      title: model.title,
      manifest: model,
      warnings,
      completionRule: opts.completionRule ?? defaultCompletionRule(model),
      uploadedBy: actor?.id ?? null,
    });
    await storeZipParts(tx, versionId, source, sha256, opts.partBytes ?? PART_BYTES);
    await repo.insertScos(
      tx,
      model.scos.map((s, position) => ({
        courseVersionId: versionId,
        position,
        itemIdentifier: s.itemIdentifier,
        resourceIdentifier: s.resourceIdentifier,
        title: s.title,
        launchPath: s.launchPath,
        launchQuery: s.launchQuery,
        scormType: s.scormType,
        isVisible: s.isVisible,
        masteryScore: s.masteryScore,
        completionThreshold: s.completionThreshold,
        scaledPassingScore: s.scaledPassingScore,
        maxTimeAllowed: s.maxTimeAllowed,
        timeLimitAction: s.timeLimitAction,
        dataFromLms: s.dataFromLms,
      })),
    );
    if (created || opts.makeCurrent || !course?.currentVersionId)
      await repo.updateCourse(tx, courseId, { currentVersionId: versionId }, now);
    recordAudit(work, [
      {
        actorId: actor?.id ?? null,
        action: created ? 'course.create' : 'course.add-version',
        subjectType: 'course',
        subjectId: courseId,
        details: { versionId, versionNo, sha256, standard: model.standard, scos: model.scos.length, warnings: warnings.length },
      },
    ]);
    return { ok: true, courseId, versionId, versionNo, created, warnings };
  });
}

export async function setCurrentVersion(db: Database, actor: Viewer, courseId: number, versionId: number, now: Date) {
  await withTransaction(db, now, async (work) => {
    const { tx } = work;
    const course = await repo.findCourse(tx, courseId);
    const version = await repo.findVersion(tx, versionId);
    if (!course || !version || version.courseId !== courseId) throw notFound();
    await repo.updateCourse(tx, courseId, { currentVersionId: versionId }, now);
    recordAudit(work, [
      {
        actorId: actor.id,
        action: 'course.set-current-version',
        subjectType: 'course',
        subjectId: courseId,
        details: { before: course.currentVersionId, after: versionId },
      },
    ]);
  });
}

export async function updateCourseSettings(
  db: Database,
  actor: Viewer,
  courseId: number,
  input: { title: string; attemptLimit: number | null },
  now: Date,
) {
  await withTransaction(db, now, async (work) => {
    const { tx } = work;
    const course = await repo.findCourse(tx, courseId);
    if (!course) throw notFound();
    await repo.updateCourse(tx, courseId, { title: input.title, attemptLimit: input.attemptLimit }, now);
    recordAudit(work, [
      {
        actorId: actor.id,
        action: 'course.update',
        subjectType: 'course',
        subjectId: courseId,
        details: { before: { title: course.title, attemptLimit: course.attemptLimit }, after: input },
      },
    ]);
  });
}

export const listCourses = (db: Database, includeArchived = false) => repo.listCourses(db, includeArchived);

export async function getCourse(db: Database, id: number) {
  const course = await repo.findCourse(db, id);
  if (!course) throw notFound();
  return course;
}

/** A course learners can take: not archived, with a version new attempts start on. Any other answers 404. */
export async function takeableCourse(db: Database, id: number): Promise<repo.CourseRow & { currentVersionId: number }> {
  const course = await repo.findCourse(db, id);
  if (!course || course.archivedAt || !course.currentVersionId) throw notFound();
  return { ...course, currentVersionId: course.currentVersionId };
}

/**
 * The names learners see, by course id: in their language when the current version's manifest
 * gives one (LOM titles, as our own courses do) and the course still bears the name its package
 * gave it; a name an officer chose is shown as written.
 */
export async function learnerTitles(
  db: Database,
  list: Pick<repo.CourseRow, 'id' | 'title'>[],
  locale: string,
): Promise<Map<number, string>> {
  const current = new Map(
    (
      await repo.currentTitles(
        db,
        list.map((c) => c.id),
      )
    ).map((t) => [t.courseId, t]),
  );
  return new Map(
    list.map((c) => {
      const t = current.get(c.id);
      const localized = t && t.versionTitle === c.title ? t.titles?.[locale] : undefined;
      return [c.id, localized ?? c.title];
    }),
  );
}

export async function learnerTitle(db: Database, course: Pick<repo.CourseRow, 'id' | 'title'>, locale: string): Promise<string> {
  return (await learnerTitles(db, [course], locale)).get(course.id) ?? course.title;
}

export const listVersions = (db: Database, courseId: number) => repo.listVersions(db, courseId);
/** A version's SCOs and assets, in manifest order. */
export const scosOf = (db: Database, versionId: number) => repo.scosOf(db, versionId);
export { saveVersionZip, sendVersionZip, versionZipStream } from './zip-parts';

/** A stored version of a course, for its download; 404 when the version is not that course's. */
export async function versionDownload(db: Database, courseId: number, versionId: number) {
  const course = await getCourse(db, courseId);
  const version = await repo.findVersion(db, versionId);
  if (!version || version.courseId !== course.id) throw notFound();
  return { versionId: version.id, fileName: `${course.slug}-v${version.versionNo}.zip`, sizeBytes: version.sizeBytes };
}
export const findVersion = (db: Database, versionId: number) => repo.findVersion(db, versionId);
/** A version, and whether new attempts start on it (record-level checks of its content need that). */
export const versionWithStanding = (db: Database, versionId: number) => repo.versionWithStanding(db, versionId);

export const findCourseBySlugOrNull = (db: Database, slug: string) => repo.findCourseBySlug(db, slug);
