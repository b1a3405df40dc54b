/**
 * What learners see: their course list, a course's page and the player. It composes the two
 * features it shows (courses and tracking) through their services; each route makes one call.
 */
import type { Viewer } from '../../auth/policies';
import type { Database } from '../../db/client';
import { currentFiscalYear } from '../../training/fiscal-year';
import * as courses from '../courses/service';
import * as tracking from '../tracking/service';

/** The courses on offer, by the name the learner reads, with the learner's result this fiscal year. */
export async function courseList(db: Database, viewer: Viewer, locale: string, now: Date) {
  const { year } = await currentFiscalYear(db, now);
  const [list, results] = await Promise.all([courses.listCourses(db), tracking.resultsOf(db, viewer, year)]);
  const offered = list.filter((c) => c.currentVersionId);
  const titles = await courses.learnerTitles(db, offered, locale);
  const byCourse = new Map(results.map((r) => [r.courseId, r]));
  return {
    year,
    courses: offered.map((course) => ({ course, title: titles.get(course.id) ?? course.title, result: byCourse.get(course.id) })),
  };
}

/** A course's page: its name, and the learner's attempts of every year (404 unless it can be taken). */
export async function coursePage(db: Database, viewer: Viewer, courseId: number, locale: string, now: Date) {
  const course = await courses.takeableCourse(db, courseId);
  const [{ year }, attempts, title] = await Promise.all([
    currentFiscalYear(db, now),
    tracking.attemptsOf(db, viewer, course.id),
    courses.learnerTitle(db, course, locale),
  ]);
  return { course, title, year, attempts, current: attempts.find((a) => a.fiscalYear === year) };
}

/** Starts the course (or resumes this year's attempt; `retake` once it is satisfied); the attempt to play. */
export const startCourse = (db: Database, viewer: Viewer, courseId: number, now: Date, retake: boolean) =>
  tracking.startOrResume(db, viewer, courseId, now, { forceNew: retake });

/** The player of one of the learner's own attempts: its SCOs with their states, whether its year is closed, and the course's name. */
export async function playerOf(db: Database, viewer: Viewer, attemptId: number, locale: string, now: Date) {
  const attempt = await tracking.ownAttemptToPlay(db, viewer, attemptId, now);
  const course = await courses.getCourse(db, attempt.attempt.courseId);
  return { attempt, course, title: await courses.learnerTitle(db, course, locale) };
}
