import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { courses, courseVersionParts, courseVersions, scos } from '../../db/schema';

export type CourseRow = typeof courses.$inferSelect;
export type ScoRow = typeof scos.$inferSelect;

const versionSummary = {
  id: courseVersions.id,
  courseId: courseVersions.courseId,
  versionNo: courseVersions.versionNo,
  sha256: courseVersions.sha256,
  sizeBytes: courseVersions.sizeBytes,
  standard: courseVersions.standard,
  title: courseVersions.title,
  warnings: courseVersions.warnings,
  completionRule: courseVersions.completionRule,
  createdAt: courseVersions.createdAt,
};
export type VersionSummary = Awaited<ReturnType<typeof listVersions>>[number];

export function listCourses(db: Database, includeArchived: boolean) {
  return db
    .select()
    .from(courses)
    .where(includeArchived ? undefined : isNull(courses.archivedAt))
    .orderBy(asc(courses.title));
}

export async function findCourse(db: Database, id: number): Promise<CourseRow | undefined> {
  const [row] = await db.select().from(courses).where(eq(courses.id, id)).limit(1);
  return row;
}

/** The current version's title and per-language titles (from its manifest) of each course. */
export async function currentTitles(db: Database, courseIds: number[]) {
  if (courseIds.length === 0) return [];
  return db
    .select({
      courseId: courses.id,
      versionTitle: courseVersions.title,
      titles: sql<Record<string, string> | null>`${courseVersions.manifest} -> 'titles'`,
    })
    .from(courses)
    .innerJoin(courseVersions, eq(courseVersions.id, courses.currentVersionId))
    .where(inArray(courses.id, courseIds));
}

export async function findCourseBySlug(db: Database, slug: string): Promise<CourseRow | undefined> {
  const [row] = await db.select().from(courses).where(eq(courses.slug, slug)).limit(1);
  return row;
}

export async function insertCourse(db: Database, values: typeof courses.$inferInsert): Promise<number> {
  const [row] = await db.insert(courses).values(values).returning({ id: courses.id });
  return row!.id;
}

export async function updateCourse(db: Database, id: number, values: Partial<typeof courses.$inferInsert>, now: Date) {
  await db
    .update(courses)
    .set({ ...values, updatedAt: now })
    .where(eq(courses.id, id));
}

export function listVersions(db: Database, courseId: number) {
  return db
    .select(versionSummary)
    .from(courseVersions)
    .where(eq(courseVersions.courseId, courseId))
    .orderBy(desc(courseVersions.versionNo));
}

export async function findVersion(db: Database, id: number) {
  const [row] = await db.select(versionSummary).from(courseVersions).where(eq(courseVersions.id, id)).limit(1);
  return row;
}

export async function latestVersion(db: Database, courseId: number) {
  const [row] = await db
    .select(versionSummary)
    .from(courseVersions)
    .where(eq(courseVersions.courseId, courseId))
    .orderBy(desc(courseVersions.versionNo))
    .limit(1);
  return row;
}

export async function insertVersionPart(db: Database, versionId: number, partNo: number, bytes: Buffer) {
  await db.insert(courseVersionParts).values({ versionId, partNo, bytes });
}

/** One part of a version's zip, or undefined past the last one. */
export async function versionPart(db: Database, versionId: number, partNo: number): Promise<Buffer | undefined> {
  const [row] = await db
    .select({ bytes: courseVersionParts.bytes })
    .from(courseVersionParts)
    .where(and(eq(courseVersionParts.versionId, versionId), eq(courseVersionParts.partNo, partNo)))
    .limit(1);
  return row?.bytes;
}

export async function nextVersionNo(db: Database, courseId: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`coalesce(max(${courseVersions.versionNo}), 0)::int + 1` })
    .from(courseVersions)
    .where(eq(courseVersions.courseId, courseId));
  return row?.n ?? 1;
}

export async function insertVersion(db: Database, values: typeof courseVersions.$inferInsert): Promise<number> {
  const [row] = await db.insert(courseVersions).values(values).returning({ id: courseVersions.id });
  return row!.id;
}

export async function insertScos(db: Database, values: (typeof scos.$inferInsert)[]) {
  if (values.length) await db.insert(scos).values(values);
}

export function scosOf(db: Database, versionId: number): Promise<ScoRow[]> {
  return db.select().from(scos).where(eq(scos.courseVersionId, versionId)).orderBy(asc(scos.position));
}

/** A version and whether new attempts start on it: the current version of a course that is not archived. */
export async function versionWithStanding(db: Database, versionId: number) {
  const [row] = await db
    .select({
      id: courseVersions.id,
      courseId: courseVersions.courseId,
      current: sql<boolean>`coalesce(${courses.currentVersionId} = ${courseVersions.id} AND ${courses.archivedAt} IS NULL, false)`,
    })
    .from(courseVersions)
    .innerJoin(courses, eq(courses.id, courseVersions.courseId))
    .where(eq(courseVersions.id, versionId))
    .limit(1);
  return row;
}
