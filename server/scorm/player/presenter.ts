import type { Translate } from '../../lib/i18n';
import { formatAt, formatScore, formatSeconds, presentCompletionSource, presentTableOfContents } from '../tracking/presenter';
import { attemptStatus, courseResultStatus, statusLabelKey } from '../tracking/status';
import type { courseList, coursePage, playerOf } from './service';

export function presentCourseList(list: Awaited<ReturnType<typeof courseList>>, t: Translate) {
  return {
    title: t('scorm.courses.title'),
    year: list.year,
    courses: list.courses.map(({ course, title, result }) => {
      const status = courseResultStatus(result);
      return {
        href: `/courses/${course.id}`,
        title,
        status: t(statusLabelKey(status)),
        completed: status === 'completed',
        score: formatScore(result?.bestScoreScaled),
      };
    }),
  };
}

export function presentCoursePage(page: Awaited<ReturnType<typeof coursePage>>, t: Translate) {
  const { course, title, year, current } = page;
  return {
    title,
    course: { id: course.id, title, description: course.description ?? '' },
    year,
    canResume: Boolean(current && !current.satisfied),
    completedThisYear: Boolean(current?.satisfied),
    attempts: page.attempts.map((a) => ({
      fiscalYear: a.fiscalYear,
      number: a.number,
      status: t(statusLabelKey(attemptStatus(a))),
      score: formatScore(a.scoreScaled),
      time: formatSeconds(a.totalSeconds),
      startedAt: formatAt(a.startedAt),
      completedAt: formatAt(a.completedAt),
      // Who says it is complete: the content's own report, or the officer who marked it (who, when, why).
      completion: presentCompletionSource(a, a.markedByName, t, a.gradedByServer),
      href: `/learn/attempts/${a.id}`,
    })),
  };
}

/** The player page, and the configuration player.js reads (its SCOs, messages). */
export function presentPlayer({ attempt: a, course, title }: Awaited<ReturnType<typeof playerOf>>, t: Translate) {
  const launchable = presentTableOfContents(a, t);
  // Resume where the learner left: the SCO opened last, unless it is done; else the first not done.
  const left = launchable.reduce<(typeof launchable)[number] | undefined>(
    (latest, l) => (l.openedAt && (!latest?.openedAt || l.openedAt > latest.openedAt) ? l : latest),
    undefined,
  );
  const first = (left && !left.done ? left : undefined) ?? launchable.find(({ done }) => !done) ?? launchable[0];
  const courseHref = `/courses/${course.id}`;
  return {
    title,
    courseHref,
    review: a.attempt.satisfied,
    // A closed year's attempt is not played: the page says why and links to the course page,
    // where starting gives this year's attempt.
    yearClosed: a.yearClosed ? t('scorm.player.yearClosed', { year: a.attempt.fiscalYear }) : null,
    toCourse: t('scorm.player.toCourse'),
    scos: launchable.map(({ sco, status, done }) => ({ id: sco.id, title: sco.title, status, done })),
    config: {
      attemptId: a.attempt.id,
      standard: a.standard === '1.2' ? '1.2' : '2004',
      review: a.attempt.satisfied,
      startScoId: first?.sco.id ?? null,
      courseHref,
      // Where each SCO's files are is the launch's business (its URL comes with the launch, on the content origin).
      scos: launchable.map(({ sco }) => ({ id: sco.id, identifier: sco.itemIdentifier, title: sco.title })),
      messages: {
        saveFailed: t('scorm.player.saveFailed'),
        saved: t('scorm.player.saved'),
        finished: t('scorm.player.finished'),
        exited: t('scorm.player.exited'),
        courseCompleted: t('scorm.player.courseCompleted'),
        next: t('scorm.player.next'),
        back: t('scorm.player.back'),
        review: t('scorm.player.review'),
        notInitialized: t('scorm.player.notInitialized'),
      },
    },
  };
}
