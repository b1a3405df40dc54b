// The training year (issue 13): plans per fiscal year, their requirements, and the assignments
// materialised per staff member per requirement.
import { sql } from 'drizzle-orm';
import { boolean, check, date, index, integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { staff, timestamps } from './core';
import { courses } from './scorm';

export const REQUIREMENT_KINDS = ['course', 'live_training', 'bcp_drill'] as const;
export type RequirementKind = (typeof REQUIREMENT_KINDS)[number];
export const EXEMPTION_KINDS = ['long_leave', 'not_working', 'other'] as const;
export type ExemptionKind = (typeof EXEMPTION_KINDS)[number];

/** A plan of one fiscal year (a year may hold several, e.g. one for all staff and one for IT staff). */
export const trainingPlans = pgTable(
  'training_plans',
  {
    id: serial('id').primaryKey(),
    fiscalYear: integer('fiscal_year').notNull(),
    title: text('title').notNull(),
    // From this day on, someone who enters an audience gets the requirement's days for joiners.
    startsOn: date('starts_on').notNull(),
    // The fiscal year's last day, fixed when the plan is made (the start month may change later;
    // a plan's year does not).
    yearEndsOn: date('year_ends_on').notNull(),
    copiedFromId: integer('copied_from_id'),
    createdBy: integer('created_by').references(() => staff.id),
    ...timestamps,
  },
  (t) => [index('training_plans_year_idx').on(t.fiscalYear)],
);

/**
 * What a plan requires: a course (completed = its yearly result for the plan's year) or a live
 * session type (completed by attendance). Audience: everyone, or anyone matching one of the
 * listed departments / job categories / roles / hand-picked staff, minus the excluded staff.
 */
export const planRequirements = pgTable(
  'plan_requirements',
  {
    id: serial('id').primaryKey(),
    planId: integer('plan_id')
      .notNull()
      .references(() => trainingPlans.id),
    kind: text('kind', { enum: REQUIREMENT_KINDS }).notNull(),
    courseId: integer('course_id').references(() => courses.id),
    title: text('title'),
    dueOn: date('due_on').notNull(),
    joinDays: integer('join_days').notNull().default(30),
    // The day the requirement was added: who enters its audience later counts as a joiner.
    addedOn: date('added_on').notNull(),
    audienceAll: boolean('audience_all').notNull().default(false),
    departmentIds: integer('department_ids')
      .array()
      .notNull()
      .default(sql`'{}'::integer[]`),
    jobCategoryIds: integer('job_category_ids')
      .array()
      .notNull()
      .default(sql`'{}'::integer[]`),
    roles: text('roles')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    staffIds: integer('staff_ids')
      .array()
      .notNull()
      .default(sql`'{}'::integer[]`),
    excludedStaffIds: integer('excluded_staff_ids')
      .array()
      .notNull()
      .default(sql`'{}'::integer[]`),
    // A third-party package: the officer confirms it has a comprehension test (MHLW's third condition).
    testConfirmed: boolean('test_confirmed').notNull().default(false),
    sortOrder: integer('sort_order').notNull().default(0),
    // Removed from the plan: kept (its assignments are evidence), no longer shown or synced.
    removedAt: timestamp('removed_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index('plan_requirements_plan_idx').on(t.planId),
    check('plan_requirements_course_kind', sql`(${t.kind} = 'course') = (${t.courseId} IS NOT NULL)`),
    check('plan_requirements_join_days', sql`${t.joinDays} >= 0 AND ${t.joinDays} <= 366`),
  ],
);

/**
 * One staff member's assignment to one requirement. Completion of a course is not stored here:
 * it is the course's yearly result (course_results), read with the assignment, so it is never
 * stale and never races a commit. Attendance at a live session is stored (attended_at).
 */
export const assignments = pgTable(
  'assignments',
  {
    id: serial('id').primaryKey(),
    requirementId: integer('requirement_id')
      .notNull()
      .references(() => planRequirements.id),
    staffId: integer('staff_id')
      .notNull()
      .references(() => staff.id),
    // False once the person left the audience (a transfer); kept, and back to true if they return.
    inAudience: boolean('in_audience').notNull().default(true),
    // The day the person joined after the plan started (own due date); null: from the start.
    joinedOn: date('joined_on'),
    exemptKind: text('exempt_kind', { enum: EXEMPTION_KINDS }),
    exemptReason: text('exempt_reason'),
    exemptedBy: integer('exempted_by').references(() => staff.id),
    exemptedAt: timestamp('exempted_at', { withTimezone: true }),
    attendedAt: timestamp('attended_at', { withTimezone: true }),
    sessionRef: text('session_ref'),
    attendanceRecordedBy: integer('attendance_recorded_by').references(() => staff.id),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('assignments_requirement_staff_key').on(t.requirementId, t.staffId),
    index('assignments_staff_idx').on(t.staffId),
    check('assignments_exempt_reason', sql`(${t.exemptKind} IS NULL) = (${t.exemptReason} IS NULL)`),
  ],
);
