/** The server's own record of a server-graded course: the pages a learner reached and the tests it drew and graded. */
import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { courses, courseVersions, gradedAnswers, gradedTests, gradingPageReads } from '../../db/schema';

export type GradedTestRow = typeof gradedTests.$inferSelect;

/** The version's course slug and whether the server grades it; undefined for no such version. */
export async function versionGrading(db: Database, courseVersionId: number) {
  const [row] = await db
    .select({ slug: courses.slug, origin: courses.origin, gradedByServer: courseVersions.gradedByServer })
    .from(courseVersions)
    .innerJoin(courses, eq(courses.id, courseVersions.courseId))
    .where(eq(courseVersions.id, courseVersionId))
    .limit(1);
  return row;
}

export async function markServerGraded(db: Database, courseVersionId: number) {
  await db.update(courseVersions).set({ gradedByServer: true }).where(eq(courseVersions.id, courseVersionId));
}

/** The first read of a page counts; a repeat changes nothing. */
export async function insertPageRead(
  db: Database,
  read: { attemptId: number; scoId: number; pageId: string; staffId: number; firstReadAt: Date },
) {
  await db.insert(gradingPageReads).values(read).onConflictDoNothing();
}

export async function pagesRead(db: Database, attemptId: number, scoId: number): Promise<string[]> {
  const rows = await db
    .select({ pageId: gradingPageReads.pageId })
    .from(gradingPageReads)
    .where(and(eq(gradingPageReads.attemptId, attemptId), eq(gradingPageReads.scoId, scoId)));
  return rows.map((r) => r.pageId);
}

/** The draw of this attempt's SCO not answered yet (at most one is kept open). */
export async function openTest(db: Database, attemptId: number, scoId: number, forUpdate = false): Promise<GradedTestRow | undefined> {
  const q = db
    .select()
    .from(gradedTests)
    .where(and(eq(gradedTests.attemptId, attemptId), eq(gradedTests.scoId, scoId), isNull(gradedTests.submittedAt)))
    .orderBy(gradedTests.id)
    .limit(1);
  const [row] = forUpdate ? await q.for('update') : await q;
  return row;
}

export async function insertTest(db: Database, values: typeof gradedTests.$inferInsert): Promise<number> {
  const [row] = await db.insert(gradedTests).values(values).returning({ id: gradedTests.id });
  return row!.id;
}

export async function recordGrade(
  db: Database,
  testId: number,
  grade: { submittedAt: Date; scorePercent: number; passed: boolean },
  answers: { questionId: string; choice: string; correct: boolean; answeredAt: Date }[],
) {
  await db.update(gradedTests).set(grade).where(eq(gradedTests.id, testId));
  await db.insert(gradedAnswers).values(answers.map((a) => ({ ...a, testId })));
}

export function answersOf(db: Database, testId: number) {
  return db.select().from(gradedAnswers).where(eq(gradedAnswers.testId, testId));
}

export function testsOf(db: Database, attemptId: number) {
  return db.select().from(gradedTests).where(eq(gradedTests.attemptId, attemptId)).orderBy(gradedTests.id);
}

/**
 * For the roll-up: whether the attempt's version is graded here, and if so whether the server
 * graded a pass in it (a draw needs every page read, so a graded pass means both).
 */
export async function serverGrade(db: Database, courseVersionId: number, attemptId: number) {
  const [version] = await db
    .select({ gradedByServer: courseVersions.gradedByServer })
    .from(courseVersions)
    .where(eq(courseVersions.id, courseVersionId));
  if (!version?.gradedByServer) return { graded: false as const };
  const [pass] = await db
    .select({ id: gradedTests.id })
    .from(gradedTests)
    .where(and(eq(gradedTests.attemptId, attemptId), isNotNull(gradedTests.submittedAt), eq(gradedTests.passed, true)))
    .limit(1);
  return { graded: true as const, passed: pass !== undefined };
}
