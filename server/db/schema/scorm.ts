import {
  bigint,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { staff, timestamps } from './core';

// SCORM courses, their versions and SCOs, and the tracking of attempts.

/** Uploaded zips live in the database (the single source of truth); instances cache extractions. */
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => Buffer.from(v),
  toDriver: (v) => v,
});

export const COMPLETION_RULES = ['completed', 'passed', 'completed_and_passed'] as const;
export type CompletionRuleName = (typeof COMPLETION_RULES)[number];

export const courses = pgTable(
  'courses',
  {
    id: serial('id').primaryKey(),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    origin: text('origin', { enum: ['builtin', 'uploaded'] })
      .notNull()
      .default('uploaded'),
    // The version new attempts start on; attempts keep the version they started with.
    currentVersionId: integer('current_version_id'),
    attemptLimit: integer('attempt_limit'),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [uniqueIndex('courses_slug_key').on(t.slug)],
);

export const courseVersions = pgTable(
  'course_versions',
  {
    id: serial('id').primaryKey(),
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id),
    versionNo: integer('version_no').notNull(),
    sha256: text('sha256').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    standard: text('standard', { enum: ['1.2', '2004-2nd', '2004-3rd', '2004-4th'] }).notNull(),
    title: text('title').notNull(),
    manifest: jsonb('manifest').notNull(),
    warnings: jsonb('warnings').notNull(),
    completionRule: text('completion_rule', { enum: COMPLETION_RULES }).notNull(),
    uploadedBy: integer('uploaded_by').references(() => staff.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    // One of our own courses, built without its answer key: the server draws and grades its test
    // (scorm/grading), and a completion counts only when the server saw every page and a pass.
    gradedByServer: boolean('graded_by_server').notNull().default(false),
  },
  (t) => [uniqueIndex('course_versions_course_version_key').on(t.courseId, t.versionNo)],
);

/**
 * A version's zip, in parts of a few megabytes numbered from 0. One bytea of several hundred
 * megabytes cannot be read back through node-postgres (it arrives as a hex string longer than
 * V8 allows) nor written through PGlite; parts are written and read one at a time.
 */
export const courseVersionParts = pgTable(
  'course_version_parts',
  {
    versionId: integer('version_id')
      .notNull()
      .references(() => courseVersions.id),
    partNo: integer('part_no').notNull(),
    bytes: bytea('bytes').notNull(),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.partNo] })],
);

export const scos = pgTable(
  'scos',
  {
    id: serial('id').primaryKey(),
    courseVersionId: integer('course_version_id')
      .notNull()
      .references(() => courseVersions.id),
    position: integer('position').notNull(),
    itemIdentifier: text('item_identifier').notNull(),
    resourceIdentifier: text('resource_identifier').notNull(),
    title: text('title').notNull(),
    launchPath: text('launch_path').notNull(),
    launchQuery: text('launch_query').notNull().default(''),
    scormType: text('scorm_type', { enum: ['sco', 'asset'] }).notNull(),
    isVisible: boolean('is_visible').notNull().default(true),
    masteryScore: doublePrecision('mastery_score'),
    completionThreshold: doublePrecision('completion_threshold'),
    scaledPassingScore: doublePrecision('scaled_passing_score'),
    maxTimeAllowed: text('max_time_allowed'),
    timeLimitAction: text('time_limit_action'),
    dataFromLms: text('data_from_lms'),
  },
  (t) => [uniqueIndex('scos_version_item_key').on(t.courseVersionId, t.itemIdentifier)],
);

export const attempts = pgTable(
  'attempts',
  {
    id: serial('id').primaryKey(),
    staffId: integer('staff_id')
      .notNull()
      .references(() => staff.id),
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id),
    courseVersionId: integer('course_version_id')
      .notNull()
      .references(() => courseVersions.id),
    fiscalYear: integer('fiscal_year').notNull(),
    number: integer('number').notNull(),
    satisfied: boolean('satisfied').notNull().default(false),
    completion: text('completion').notNull().default('not attempted'),
    success: text('success').notNull().default('unknown'),
    scoreScaled: doublePrecision('score_scaled'),
    // The time that counts: per session the smaller of what the content reported and what the
    // server measured (launch to the session's last commit). Kept by the commit statement.
    totalSeconds: doublePrecision('total_seconds').notNull().default(0),
    // The two sources it is the smaller of, summed over every session: what the content reported
    // (cmi session_time), and what the server measured (null when a session was not measured).
    reportedSeconds: doublePrecision('reported_seconds').notNull().default(0),
    measuredSeconds: doublePrecision('measured_seconds').default(0),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    // An officer may mark complete a package that never reports completion (audited).
    markedBy: integer('marked_by').references(() => staff.id),
    markedReason: text('marked_reason'),
    markedAt: timestamp('marked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('attempts_staff_course_year_number_key').on(t.staffId, t.courseId, t.fiscalYear, t.number),
    index('attempts_course_year_idx').on(t.courseId, t.fiscalYear),
  ],
);

/** The CMI of one SCO in one attempt, with the values the LMS derives from it as columns. */
export const scoStates = pgTable(
  'sco_states',
  {
    attemptId: integer('attempt_id')
      .notNull()
      .references(() => attempts.id),
    scoId: integer('sco_id')
      .notNull()
      .references(() => scos.id),
    cmi: jsonb('cmi').notNull(),
    // Each launch opens a new session (numbered by the server); within it scorm-again numbers
    // its commits. (sessionNo, commitSeq) only grows: a late or repeated commit never rolls back.
    sessionNo: integer('session_no').notNull().default(0),
    commitSeq: integer('commit_seq').notNull().default(-1),
    // Time as the content reports it (session_time), for the open session and the ended ones.
    priorSessionsSeconds: doublePrecision('prior_sessions_seconds').notNull().default(0),
    sessionSeconds: doublePrecision('session_seconds').notNull().default(0),
    // Time as the server measured it: from the launch that opened the session to its latest
    // commit, on the server's clock. Null for a session opened before the launch time was kept
    // (prior_measured_seconds is then null for good: the sum is unknown).
    sessionOpenedAt: timestamp('session_opened_at', { withTimezone: true }),
    sessionMeasuredSeconds: doublePrecision('session_measured_seconds'),
    priorMeasuredSeconds: doublePrecision('prior_measured_seconds').default(0),
    // The ended sessions' time that counts, each the smaller of reported and measured (a sum of
    // minimums is not the minimum of the sums, so it is kept, not derived).
    priorCountedSeconds: doublePrecision('prior_counted_seconds').notNull().default(0),
    completion: text('completion').notNull().default('not attempted'),
    success: text('success').notNull().default('unknown'),
    scoreRaw: doublePrecision('score_raw'),
    scoreMin: doublePrecision('score_min'),
    scoreMax: doublePrecision('score_max'),
    scoreScaled: doublePrecision('score_scaled'),
    location: text('location'),
    exit: text('exit'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.attemptId, t.scoId] })],
);

/** One status per staff member per course per fiscal year, rolled up from attempts. */
export const courseResults = pgTable(
  'course_results',
  {
    staffId: integer('staff_id')
      .notNull()
      .references(() => staff.id),
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id),
    fiscalYear: integer('fiscal_year').notNull(),
    status: text('status', { enum: ['in_progress', 'completed'] }).notNull(),
    bestScoreScaled: doublePrecision('best_score_scaled'),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    attemptId: integer('attempt_id').references(() => attempts.id),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.staffId, t.courseId, t.fiscalYear] }),
    index('course_results_course_year_idx').on(t.courseId, t.fiscalYear),
  ],
);
