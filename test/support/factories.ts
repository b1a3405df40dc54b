import crypto from 'node:crypto';
import { hashPassword } from '../../server/auth/passwords';
import type { Database } from '../../server/db/client';
import { eq } from 'drizzle-orm';
import {
  attempts,
  courseResults,
  courses,
  courseVersions,
  departments,
  jobCategories,
  managerDepartments,
  scos,
  staff,
  type CompletionRuleName,
  type Role,
} from '../../server/db/schema';
import { fiscalYearOf } from '../../server/training/fiscal-year';

let seq = 0;
const next = () => `${Date.now().toString(36)}${(++seq).toString(36)}${crypto.randomBytes(2).toString('hex')}`;

export async function makeDepartment(db: Database, name = `部署-${next()}`) {
  const [row] = await db.insert(departments).values({ name }).returning();
  return row!;
}

export async function makeJobCategory(db: Database, name = `職種-${next()}`) {
  const [row] = await db.insert(jobCategories).values({ name }).returning();
  return row!;
}

// Hashing is slow on purpose; tests share one hash per distinct password.
const hashes = new Map<string, Promise<string>>();
const hashOf = (password: string) => {
  if (!hashes.has(password)) hashes.set(password, hashPassword(password));
  return hashes.get(password)!;
};

export const DEFAULT_PASSWORD = 'correct-horse-battery';

export interface StaffOverrides {
  employeeNo?: string;
  name?: string;
  email?: string | null;
  roles?: Role[];
  password?: string | null;
  departmentId?: number | null;
  jobCategoryId?: number | null;
  retiredOn?: string | null;
  manages?: number[];
}

/** A staff member with their own department and job category unless given. */
export async function makeStaff(db: Database, o: StaffOverrides = {}) {
  const departmentId = o.departmentId === undefined ? (await makeDepartment(db)).id : o.departmentId;
  const jobCategoryId = o.jobCategoryId === undefined ? (await makeJobCategory(db)).id : o.jobCategoryId;
  const password = o.password === undefined ? DEFAULT_PASSWORD : o.password;
  const id = next();
  const [row] = await db
    .insert(staff)
    .values({
      employeeNo: o.employeeNo ?? `E${id}`,
      name: o.name ?? `職員 ${id}`,
      email: o.email === undefined ? `${id}@hospital.example.jp` : o.email,
      roles: o.roles ?? ['staff'],
      passwordHash: password === null ? null : await hashOf(password),
      departmentId,
      jobCategoryId,
      retiredOn: o.retiredOn ?? null,
    })
    .returning();
  if (o.manages?.length) {
    await db.insert(managerDepartments).values(o.manages.map((d) => ({ staffId: row!.id, departmentId: d })));
  }
  return { ...row!, password: password ?? '' };
}

export const makeAdmin = (db: Database, o: StaffOverrides = {}) => makeStaff(db, { roles: ['staff', 'admin'], ...o });
export const makeOfficer = (db: Database, o: StaffOverrides = {}) => makeStaff(db, { roles: ['staff', 'officer'], ...o });

export interface CourseOverrides {
  slug?: string;
  title?: string;
  origin?: 'builtin' | 'uploaded';
  attemptLimit?: number | null;
  archivedAt?: Date | null;
}

/** A course with no version yet (makeCourseVersion gives it one). */
export async function makeCourse(db: Database, o: CourseOverrides = {}) {
  const id = next();
  const [row] = await db
    .insert(courses)
    .values({
      slug: o.slug ?? `course-${id}`,
      title: o.title ?? `コース ${id}`,
      origin: o.origin ?? 'uploaded',
      attemptLimit: o.attemptLimit ?? null,
      archivedAt: o.archivedAt ?? null,
    })
    .returning();
  return row!;
}

export interface CourseVersionOverrides {
  courseId?: number;
  standard?: '1.2' | '2004-2nd' | '2004-3rd' | '2004-4th';
  completionRule?: CompletionRuleName;
  /** Whether new attempts start on it (the course's current version); default true. */
  current?: boolean;
  /** Titles of its SCOs, one SCO each (default one). */
  scos?: string[];
}

/**
 * A version of a course (its own course unless given) with its SCOs, and no zip: enough to
 * start, launch and commit, not to serve content (import a package for that).
 */
export async function makeCourseVersion(db: Database, o: CourseVersionOverrides = {}) {
  const courseId = o.courseId ?? (await makeCourse(db)).id;
  const n = (await db.select({ id: courseVersions.id }).from(courseVersions).where(eq(courseVersions.courseId, courseId))).length + 1;
  const [version] = await db
    .insert(courseVersions)
    .values({
      courseId,
      versionNo: n,
      sha256: crypto.randomBytes(32).toString('hex'),
      sizeBytes: 0,
      standard: o.standard ?? '1.2',
      title: `版 ${n}`,
      manifest: {},
      warnings: [],
      completionRule: o.completionRule ?? 'completed',
    })
    .returning();
  const titles = o.scos ?? ['第1章'];
  const scoRows = titles.length
    ? await db
        .insert(scos)
        .values(
          titles.map((title, position) => ({
            courseVersionId: version!.id,
            position,
            itemIdentifier: `item_${position + 1}`,
            resourceIdentifier: `res_${position + 1}`,
            title,
            launchPath: `sco${position + 1}/index.html`,
            scormType: 'sco' as const,
          })),
        )
        .returning()
    : [];
  if (o.current ?? true) await db.update(courses).set({ currentVersionId: version!.id }).where(eq(courses.id, courseId));
  return { ...version!, scos: scoRows };
}

export interface AttemptOverrides {
  staffId?: number;
  courseVersionId?: number;
  fiscalYear?: number;
  number?: number;
  satisfied?: boolean;
  completion?: string;
  startedAt?: Date;
}

/** An attempt (by its own staff member, on its own course version, in this fiscal year, unless given). */
export async function makeAttempt(db: Database, o: AttemptOverrides = {}) {
  const staffId = o.staffId ?? (await makeStaff(db)).id;
  const version = o.courseVersionId
    ? (await db.select().from(courseVersions).where(eq(courseVersions.id, o.courseVersionId)))[0]!
    : await makeCourseVersion(db);
  const startedAt = o.startedAt ?? new Date();
  const [row] = await db
    .insert(attempts)
    .values({
      staffId,
      courseId: version.courseId,
      courseVersionId: version.id,
      fiscalYear: o.fiscalYear ?? fiscalYearOf(startedAt),
      number: o.number ?? 1,
      satisfied: o.satisfied ?? false,
      completion: o.completion ?? 'not attempted',
      startedAt,
      lastActivityAt: startedAt,
    })
    .returning();
  return row!;
}

export interface CourseResultOverrides {
  staffId?: number;
  courseId?: number;
  fiscalYear?: number;
  status?: 'in_progress' | 'completed';
  bestScoreScaled?: number | null;
  attemptId?: number | null;
  completedAt?: Date | null;
}

/** A learner's yearly result for a course (their own staff member and course unless given). */
export async function makeCourseResult(db: Database, o: CourseResultOverrides = {}) {
  const staffId = o.staffId ?? (await makeStaff(db)).id;
  const courseId = o.courseId ?? (await makeCourseVersion(db)).courseId;
  const status = o.status ?? 'in_progress';
  const [row] = await db
    .insert(courseResults)
    .values({
      staffId,
      courseId,
      fiscalYear: o.fiscalYear ?? fiscalYearOf(new Date()),
      status,
      bestScoreScaled: o.bestScoreScaled ?? null,
      attemptId: o.attemptId ?? null,
      completedAt: o.completedAt === undefined ? (status === 'completed' ? new Date() : null) : o.completedAt,
    })
    .returning();
  return row!;
}
