import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  doublePrecision,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

export const ROLES = ['staff', 'manager', 'officer', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const LOCALES = ['ja', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

/** One row: the hospital this installation serves. */
export const hospital = pgTable(
  'hospital',
  {
    id: smallint('id').primaryKey().default(1),
    name: text('name').notNull(),
    // 医療機関コード: 10 digits (2 prefecture + 1 point-table + 7 institution).
    institutionCode: text('institution_code'),
    licensedBeds: integer('licensed_beds').notNull(),
    fiscalYearStartMonth: smallint('fiscal_year_start_month').notNull().default(4),
    ...timestamps,
  },
  (t) => [check('hospital_single_row', sql`${t.id} = 1`)],
);

export const departments = pgTable(
  'departments',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    sortOrder: integer('sort_order').notNull().default(0),
    ...timestamps,
  },
  (t) => [uniqueIndex('departments_name_key').on(t.name)],
);

export const jobCategories = pgTable(
  'job_categories',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    nameEn: text('name_en'),
    sortOrder: integer('sort_order').notNull().default(0),
    ...timestamps,
  },
  (t) => [uniqueIndex('job_categories_name_key').on(t.name)],
);

export const staff = pgTable(
  'staff',
  {
    id: serial('id').primaryKey(),
    employeeNo: text('employee_no').notNull(),
    name: text('name').notNull(),
    nameKana: text('name_kana'),
    email: text('email'),
    departmentId: integer('department_id').references(() => departments.id),
    jobCategoryId: integer('job_category_id').references(() => jobCategories.id),
    roles: text('roles').array().notNull().default(sql`ARRAY['staff']::text[]`),
    locale: text('locale').notNull().default('ja'),
    hiredOn: date('hired_on'),
    retiredOn: date('retired_on'),
    passwordHash: text('password_hash'),
    failedLogins: integer('failed_logins').notNull().default(0),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('staff_employee_no_key').on(t.employeeNo),
    uniqueIndex('staff_email_key').on(sql`lower(${t.email})`),
    index('staff_department_idx').on(t.departmentId),
    index('staff_job_category_idx').on(t.jobCategoryId),
  ],
);

/** Departments a manager (所属長) may see and remind. */
export const managerDepartments = pgTable(
  'manager_departments',
  {
    staffId: integer('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    departmentId: integer('department_id')
      .notNull()
      .references(() => departments.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.staffId, t.departmentId] })],
);

/** express-session rows: sessions live in the database so several app instances share them. */
export const sessions = pgTable(
  'sessions',
  {
    sid: text('sid').primaryKey(),
    sess: jsonb('sess').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sessions_expires_idx').on(t.expiresAt)],
);

/** One-time links: the first administrator's setup link and admin-issued password links. */
export const oneTimeTokens = pgTable('one_time_tokens', {
  // sha256 of the token; the token itself is only ever shown once.
  tokenHash: text('token_hash').primaryKey(),
  purpose: text('purpose', { enum: ['setup-admin', 'set-password'] }).notNull(),
  staffId: integer('staff_id').references(() => staff.id, { onDelete: 'cascade' }),
  issuedBy: integer('issued_by').references(() => staff.id),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A roster CSV that has been previewed; applying it re-plans against the roster of that moment. */
export const rosterImports = pgTable('roster_imports', {
  id: serial('id').primaryKey(),
  // Null when imported from the command line (mamoru import-staff).
  uploadedBy: integer('uploaded_by').references(() => staff.id),
  filename: text('filename').notNull(),
  encoding: text('encoding').notNull(),
  retireMissing: boolean('retire_missing').notNull().default(false),
  rows: jsonb('rows').notNull(),
  errors: jsonb('errors').notNull(),
  status: text('status', { enum: ['previewed', 'applied', 'discarded'] })
    .notNull()
    .default('previewed'),
  summary: jsonb('summary'),
  appliedAt: timestamp('applied_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Append-only audit trail. Each entry's hash covers the previous entry's hash, so a
 * changed or deleted row breaks the chain (`mamoru verify-audit`).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    actorId: integer('actor_id'),
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id'),
    details: jsonb('details').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_subject_idx').on(t.subjectType, t.subjectId)],
);

// ---------------------------------------------------------------------------------------------
// SCORM courses and tracking

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
    origin: text('origin', { enum: ['builtin', 'uploaded'] }).notNull().default('uploaded'),
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
    zip: bytea('zip').notNull(),
    standard: text('standard', { enum: ['1.2', '2004-2nd', '2004-3rd', '2004-4th'] }).notNull(),
    title: text('title').notNull(),
    manifest: jsonb('manifest').notNull(),
    warnings: jsonb('warnings').notNull(),
    completionRule: text('completion_rule', { enum: COMPLETION_RULES }).notNull(),
    uploadedBy: integer('uploaded_by').references(() => staff.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('course_versions_course_version_key').on(t.courseId, t.versionNo)],
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
    totalSeconds: doublePrecision('total_seconds').notNull().default(0),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    // An officer may mark complete a package that never reports completion (audited).
    markedBy: integer('marked_by').references(() => staff.id),
    markedReason: text('marked_reason'),
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
    priorSessionsSeconds: doublePrecision('prior_sessions_seconds').notNull().default(0),
    sessionSeconds: doublePrecision('session_seconds').notNull().default(0),
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
  (t) => [primaryKey({ columns: [t.staffId, t.courseId, t.fiscalYear] }), index('course_results_course_year_idx').on(t.courseId, t.fiscalYear)],
);
