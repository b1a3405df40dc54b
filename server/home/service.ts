import type { Viewer } from '../auth/policies';
import type { Database } from '../db/client';
import type { Translate } from '../lib/i18n';
import { localDate } from '../lib/dates';
import { learnerTitles, listCourses } from '../scorm/courses/service';
import { courseList } from '../scorm/player/service';
import { myTraining } from '../training/service';
import { presentAssignment } from '../training/presenter';

/**
 * The home page's training: what this year requires of me (status, due date, a button to start or
 * continue), apart from the courses I may take on my own, and my past years' record.
 */
export async function homeTraining(db: Database, viewer: Viewer, locale: string, now: Date, t: Translate) {
  const [mine, offered, all] = await Promise.all([myTraining(db, viewer, now), courseList(db, viewer, locale, now), listCourses(db, true)]);
  const titles = await learnerTitles(db, all, locale);
  const takeable = new Set(offered.courses.map((c) => c.course.id));
  const required = mine.current.map((a) => {
    const p = presentAssignment(a, t, titles);
    const done = p.status === 'completed';
    return {
      ...p,
      done,
      // A course is started or continued from its own page's button (the same POST the course page makes).
      launch:
        a.kind === 'course' && a.courseId && takeable.has(a.courseId) && !['exempt', 'retired'].includes(p.status) ? a.courseId : null,
      launchLabel: t(
        done
          ? 'training.home.review'
          : p.status === 'in_progress' || p.status === 'overdue'
            ? 'training.home.continue'
            : 'training.home.start',
      ),
    };
  });
  const requiredCourseIds = new Set(mine.current.map((a) => a.courseId).filter((id): id is number => id !== null));
  const optional = offered.courses
    .filter((c) => !requiredCourseIds.has(c.course.id))
    .map(({ course, title, result }) => ({
      id: course.id,
      title,
      completedOn: result?.status === 'completed' && result.completedAt ? localDate(result.completedAt) : null,
      inProgress: result?.status === 'in_progress',
    }));
  const past = mine.past.map((a) => presentAssignment(a, t, titles));
  return { year: mine.year, required, optional, past };
}
