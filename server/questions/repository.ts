import { and, asc, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '../db/client';
import { courses, departments, questionAnswers, questionSettings, questions, staff, type AnswerRole } from '../db/schema';

/**
 * Whose questions a query may return: one asker's own, every question (the officer), or those of
 * staff in some departments (a department head the officer allowed). Part of every query.
 */
export type QuestionScope = { asker: number } | { all: true } | { departmentIds: number[] };

function scopeCondition(scope: QuestionScope): SQL | undefined {
  if ('asker' in scope) return eq(questions.staffId, scope.asker);
  if ('all' in scope) return undefined;
  if (scope.departmentIds.length === 0) return sql`false`;
  return inArray(staff.departmentId, scope.departmentIds);
}

const answered = sql<boolean>`EXISTS (SELECT 1 FROM ${questionAnswers} WHERE ${questionAnswers.questionId} = ${questions.id})`;

const questionColumns = {
  id: questions.id,
  staffId: questions.staffId,
  courseId: questions.courseId,
  courseTitle: courses.title,
  fiscalYear: questions.fiscalYear,
  subject: questions.subject,
  body: questions.body,
  askedAt: questions.askedAt,
  askerName: staff.name,
  askerEmployeeNo: staff.employeeNo,
  askerDepartmentId: staff.departmentId,
  askerDepartment: departments.name,
  answerCount: sql<number>`(SELECT count(*)::int FROM ${questionAnswers} WHERE ${questionAnswers.questionId} = ${questions.id})`,
  lastAnsweredAt: sql<Date | null>`(SELECT max(${questionAnswers.answeredAt}) FROM ${questionAnswers} WHERE ${questionAnswers.questionId} = ${questions.id})`,
};

export interface QuestionRow {
  id: number;
  staffId: number;
  courseId: number | null;
  courseTitle: string | null;
  fiscalYear: number;
  subject: string;
  body: string;
  askedAt: Date;
  askerName: string;
  askerEmployeeNo: string;
  askerDepartmentId: number | null;
  askerDepartment: string | null;
  answerCount: number;
  lastAnsweredAt: Date | null;
}

function selectQuestions(db: Database) {
  return db
    .select(questionColumns)
    .from(questions)
    .innerJoin(staff, eq(staff.id, questions.staffId))
    .leftJoin(departments, eq(departments.id, staff.departmentId))
    .leftJoin(courses, eq(courses.id, questions.courseId));
}

/** max() over timestamptz arrives as text from a raw subquery; the row's other dates are Dates. */
const withDates = (rows: Record<string, unknown>[]) =>
  rows.map((r) => ({ ...r, lastAnsweredAt: r.lastAnsweredAt ? new Date(r.lastAnsweredAt as string) : null })) as QuestionRow[];

export async function insertQuestion(tx: Database, values: typeof questions.$inferInsert): Promise<number> {
  const [row] = await tx.insert(questions).values(values).returning({ id: questions.id });
  return row!.id;
}

export async function findQuestion(db: Database, scope: QuestionScope, id: number): Promise<QuestionRow | undefined> {
  const rows = await selectQuestions(db)
    .where(and(eq(questions.id, id), scopeCondition(scope)))
    .limit(1);
  return withDates(rows)[0];
}

/** A learner's own questions, newest first. */
export async function listOwn(db: Database, staffId: number): Promise<QuestionRow[]> {
  return withDates(
    await selectQuestions(db)
      .where(scopeCondition({ asker: staffId }))
      .orderBy(desc(questions.askedAt), desc(questions.id)),
  );
}

export interface ListFilter {
  year: number;
  status: 'open' | 'answered' | 'all';
  /** A course id, 'general' (no course), or every question. */
  course?: number | 'general';
}

/** The answerer's list, oldest first: the question waiting longest comes first. */
export async function listForAnswerer(db: Database, scope: QuestionScope, f: ListFilter): Promise<QuestionRow[]> {
  const conditions: (SQL | undefined)[] = [scopeCondition(scope), eq(questions.fiscalYear, f.year)];
  if (f.status === 'open') conditions.push(sql`NOT ${answered}`);
  if (f.status === 'answered') conditions.push(answered);
  if (f.course === 'general') conditions.push(isNull(questions.courseId));
  else if (f.course) conditions.push(eq(questions.courseId, f.course));
  return withDates(
    await selectQuestions(db)
      .where(and(...conditions))
      .orderBy(asc(questions.askedAt), asc(questions.id)),
  );
}

/** Courses that questions of the year (in scope) are about, for the list's filter. */
export function coursesAskedAbout(db: Database, scope: QuestionScope, year: number) {
  return db
    .selectDistinct({ id: courses.id, title: courses.title })
    .from(questions)
    .innerJoin(staff, eq(staff.id, questions.staffId))
    .innerJoin(courses, eq(courses.id, questions.courseId))
    .where(and(scopeCondition(scope), eq(questions.fiscalYear, year)))
    .orderBy(asc(courses.title));
}

const author = alias(staff, 'author');

export interface AnswerRow {
  id: number;
  questionId: number;
  authorId: number;
  authorName: string;
  authorRole: AnswerRole;
  body: string;
  correctsAnswerId: number | null;
  answeredAt: Date;
}

const answerColumns = {
  id: questionAnswers.id,
  questionId: questionAnswers.questionId,
  authorId: questionAnswers.authorId,
  authorName: author.name,
  authorRole: questionAnswers.authorRole,
  body: questionAnswers.body,
  correctsAnswerId: questionAnswers.correctsAnswerId,
  answeredAt: questionAnswers.answeredAt,
};

/** Answers of some questions, in the order they were written. */
export function answersOf(db: Database, questionIds: number[]): Promise<AnswerRow[]> {
  if (questionIds.length === 0) return Promise.resolve([]);
  return db
    .select(answerColumns)
    .from(questionAnswers)
    .innerJoin(author, eq(author.id, questionAnswers.authorId))
    .where(inArray(questionAnswers.questionId, questionIds))
    .orderBy(asc(questionAnswers.answeredAt), asc(questionAnswers.id));
}

export async function insertAnswer(tx: Database, values: typeof questionAnswers.$inferInsert): Promise<number> {
  const [row] = await tx.insert(questionAnswers).values(values).returning({ id: questionAnswers.id });
  return row!.id;
}

/** Every question of a year with its answers, for the evidence export: question order, then answer order. */
export async function yearRecord(db: Database, year: number): Promise<{ questions: QuestionRow[]; answers: AnswerRow[] }> {
  const list = withDates(
    await selectQuestions(db).where(eq(questions.fiscalYear, year)).orderBy(asc(questions.askedAt), asc(questions.id)),
  );
  return {
    questions: list,
    answers: await answersOf(
      db,
      list.map((q) => q.id),
    ),
  };
}

export async function getSettings(db: Database) {
  const [row] = await db.select().from(questionSettings).where(eq(questionSettings.id, 1)).limit(1);
  return row;
}

/** Reads the row under a lock in the caller's transaction, so two changes of the setting are audited in order. */
export async function lockSettings(tx: Database) {
  const [row] = await tx.select().from(questionSettings).where(eq(questionSettings.id, 1)).for('update').limit(1);
  return row;
}

export async function saveSettings(tx: Database, values: { managersMayAnswer: boolean; updatedBy: number }, now: Date) {
  await tx
    .insert(questionSettings)
    .values({ id: 1, ...values, updatedAt: now })
    .onConflictDoUpdate({ target: questionSettings.id, set: { ...values, updatedAt: now } });
}
