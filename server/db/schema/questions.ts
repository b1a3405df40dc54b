import { boolean, index, integer, pgTable, serial, smallint, text, timestamp, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { staff } from './core';
import { courses } from './scorm';

// Learners' questions and their answers (質問): MHLW counts e-learning only with a channel for
// questions, and these rows are the year's evidence of it. Both tables are append-only (a trigger,
// migration questions_append_only): a question is never edited, an answer is corrected by a new
// answer that names the one it corrects.

export const ANSWER_ROLES = ['officer', 'manager'] as const;
export type AnswerRole = (typeof ANSWER_ROLES)[number];

export const questions = pgTable(
  'questions',
  {
    id: serial('id').primaryKey(),
    staffId: integer('staff_id')
      .notNull()
      .references(() => staff.id),
    // Null: a question about the training in general, not one course.
    courseId: integer('course_id').references(() => courses.id),
    // The fiscal year it was asked in, fixed at asking (the hospital's start month then), for the year's evidence.
    fiscalYear: integer('fiscal_year').notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    askedAt: timestamp('asked_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('questions_staff_idx').on(t.staffId, t.askedAt),
    index('questions_year_idx').on(t.fiscalYear, t.askedAt),
    index('questions_course_idx').on(t.courseId),
  ],
);

export const questionAnswers = pgTable(
  'question_answers',
  {
    id: serial('id').primaryKey(),
    questionId: integer('question_id')
      .notNull()
      .references(() => questions.id),
    authorId: integer('author_id')
      .notNull()
      .references(() => staff.id),
    // The capacity the author answered in: the officer, or a department head the officer allowed.
    authorRole: text('author_role', { enum: ANSWER_ROLES }).notNull(),
    body: text('body').notNull(),
    // Set when this answer corrects an earlier one of the same question; the earlier one stays as it was.
    correctsAnswerId: integer('corrects_answer_id').references((): AnyPgColumn => questionAnswers.id),
    answeredAt: timestamp('answered_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('question_answers_question_idx').on(t.questionId, t.answeredAt)],
);

/** One row (like `hospital`): who besides the officer may answer. Absent means only the officer. */
export const questionSettings = pgTable('question_settings', {
  id: smallint('id').primaryKey().default(1),
  // Department heads may answer questions from staff of the departments they manage.
  managersMayAnswer: boolean('managers_may_answer').notNull().default(false),
  updatedBy: integer('updated_by').references(() => staff.id),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
