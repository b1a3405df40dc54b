/**
 * The training year: plans per fiscal year, their requirements, and assignments kept in step with
 * the roster. This is the feature's one entry point for other features and its routes; the rules
 * are in plans.ts and assignments.ts, the queries in repository.ts, the status rule in its SQL.
 *
 * Completion of a course requirement is read, not copied: an assignment is completed when the
 * course's yearly result (course_results, written by the SCORM roll-up) is completed for the
 * plan's fiscal year. So a completion can never be lost between two writes, never races a
 * commit, and a closed year (whose results take no commit) reads exactly as it was.
 */
export * from './years';
export * from './plans';
export * from './assignments';
export { ASSIGNMENT_STATUSES, type AssignmentStatus, type AssignmentFilter } from './repository';
