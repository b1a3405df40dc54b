import { boolean, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { staff } from './core';
import { attempts, courseVersions, scos } from './scorm';

// What the content origin keeps for a launch, and the server's grading of our own courses.

/**
 * The capability one launch gives its content on the content origin: files of its version, and
 * the run-time API of its one SCO session. Only a hash of the token is kept (the token travels
 * in the launch's URLs); it expires, and is revoked at terminate, at logout and when its fiscal
 * year ends (expiry is capped there).
 */
export const launchTokens = pgTable(
  'launch_tokens',
  {
    id: serial('id').primaryKey(),
    tokenHash: text('token_hash').notNull(),
    staffId: integer('staff_id')
      .notNull()
      .references(() => staff.id),
    attemptId: integer('attempt_id')
      .notNull()
      .references(() => attempts.id),
    scoId: integer('sco_id')
      .notNull()
      .references(() => scos.id),
    courseVersionId: integer('course_version_id')
      .notNull()
      .references(() => courseVersions.id),
    sessionNo: integer('session_no').notNull(),
    // The exact origin of the player page that opened the launch: the only one the content may talk to.
    appOrigin: text('app_origin').notNull(),
    // A second secret, never in a URL: the player hands it to its launch page, which sends it with
    // every commit. A token seen in a URL (another launch's page on the content origin, a history
    // list) opens files, but writes no record without it.
    commitKeyHash: text('commit_key_hash'),
    // The login session (a hash of its id) the launch was made in: signing out there ends the
    // launches made there, not those of the same person's other devices. Null: made before this was kept.
    loginSessionHash: text('login_session_hash'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('launch_tokens_hash_key').on(t.tokenHash), index('launch_tokens_staff_idx').on(t.staffId)],
);

/** A page of a server-graded course that the learner reached in an attempt (the first time only). */
export const gradingPageReads = pgTable(
  'grading_page_reads',
  {
    attemptId: integer('attempt_id')
      .notNull()
      .references(() => attempts.id),
    scoId: integer('sco_id')
      .notNull()
      .references(() => scos.id),
    pageId: text('page_id').notNull(),
    staffId: integer('staff_id')
      .notNull()
      .references(() => staff.id),
    firstReadAt: timestamp('first_read_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.attemptId, t.scoId, t.pageId] })],
);

/**
 * One draw of a server-graded test: the questions the server chose (in the order shown), and once
 * answered, when, the score and whether it passed. A draw is answered at most once.
 */
export const gradedTests = pgTable(
  'graded_tests',
  {
    id: serial('id').primaryKey(),
    attemptId: integer('attempt_id')
      .notNull()
      .references(() => attempts.id),
    scoId: integer('sco_id')
      .notNull()
      .references(() => scos.id),
    staffId: integer('staff_id')
      .notNull()
      .references(() => staff.id),
    questionIds: jsonb('question_ids').$type<string[]>().notNull(),
    drawnAt: timestamp('drawn_at', { withTimezone: true }).notNull(),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    scorePercent: integer('score_percent'),
    passed: boolean('passed'),
  },
  (t) => [index('graded_tests_attempt_idx').on(t.attemptId, t.scoId)],
);

/** Each answer of a graded test, as the server graded it. */
export const gradedAnswers = pgTable(
  'graded_answers',
  {
    testId: integer('test_id')
      .notNull()
      .references(() => gradedTests.id),
    questionId: text('question_id').notNull(),
    choice: text('choice').notNull(),
    correct: boolean('correct').notNull(),
    answeredAt: timestamp('answered_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.testId, t.questionId] })],
);
