// The foundation's tables: hospital, roster, sessions, one-time links, roster imports, audit log.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
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

export const timestamps = {
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
    roles: text('roles')
      .array()
      .notNull()
      .default(sql`ARRAY['staff']::text[]`),
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

/**
 * Failed sign-ins per key, for growing delays instead of a lock: one row per identifier typed
 * (known or not) and one per client address, each keyed by an HMAC with the session secret so no
 * identifier or address is stored as typed. Rows past `expires_at` count for nothing and are swept.
 */
export const loginThrottles = pgTable(
  'login_throttles',
  {
    key: text('key').primaryKey(),
    failures: integer('failures').notNull(),
    lastFailureAt: timestamp('last_failure_at', { withTimezone: true }).notNull(),
    blockedUntil: timestamp('blocked_until', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('login_throttles_expires_idx').on(t.expiresAt)],
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

/**
 * "Entries 1..seq of the audit chain were verified intact at verified_at, and entry seq's hash
 * was `hash`." Lets the audit page verify from here forward instead of re-walking the whole
 * chain on every view. `full_walk` marks checkpoints whose every entry was recomputed in that
 * one run (verify-audit, or a page view with no checkpoint to start from); the others extend an
 * earlier checkpoint. Not part of the chain (the chain is append-only; this is a cache of
 * verification results): a verification that finds a break deletes the checkpoints it disproves.
 */
export const auditCheckpoints = pgTable(
  'audit_checkpoints',
  {
    id: serial('id').primaryKey(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    hash: text('hash').notNull(),
    entries: bigint('entries', { mode: 'number' }).notNull(),
    fullWalk: boolean('full_walk').notNull(),
    verifiedAt: timestamp('verified_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('audit_checkpoints_seq_idx').on(t.seq)],
);
