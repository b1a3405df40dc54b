import { Router } from 'express';
import type { AppContext } from '../../context';
import { allow } from '../../auth/policies';
import { getHospitalProfile } from '../../hospital/service';
import { fiscalYearOf, localDate } from '../../lib/dates';
import { idParam } from '../../lib/validate';
import { formatAt, formatScore, formatSeconds } from '../courses/presenter';
import { getCourse, learnerTitle, learnerTitles, listCourses } from '../courses/service';
import { presentTableOfContents } from '../tracking/presenter';
import { attemptsOf, ownAttemptWithScos, resultsOf, startOrResume } from '../tracking/service';

/** What learners use: their course list, a course's page, and the player. */
export function playerRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;
  const fiscalYearNow = async () => {
    const hospital = await getHospitalProfile(db);
    return { year: fiscalYearOf(localDate(clock()), hospital?.fiscalYearStartMonth ?? 4), startMonth: hospital?.fiscalYearStartMonth ?? 4 };
  };

  router.get('/courses', allow('courses:take'), async (req, res) => {
    const { year } = await fiscalYearNow();
    const [list, results] = await Promise.all([listCourses(db), resultsOf(db, req.user!.id, year)]);
    const byCourse = new Map(results.map((r) => [r.courseId, r]));
    const titles = await learnerTitles(db, list, req.locale);
    res.render('scorm/courses', {
      title: req.t('scorm.courses.title'),
      year,
      courses: list
        .filter((c) => c.currentVersionId)
        .map((c) => {
          const r = byCourse.get(c.id);
          return {
            href: `/courses/${c.id}`,
            title: titles.get(c.id) ?? c.title,
            status: req.t(r?.status === 'completed' ? 'scorm.status.completed' : r ? 'scorm.status.inProgress' : 'scorm.status.notStarted'),
            completed: r?.status === 'completed',
            score: formatScore(r?.bestScoreScaled),
          };
        }),
    });
  });

  router.get('/courses/:id', allow('courses:take'), async (req, res) => {
    const course = await getCourse(db, idParam(req.params));
    if (course.archivedAt || !course.currentVersionId) return res.status(404).render('error', { title: req.t('errors.title'), status: 404, message: req.t('errors.notFound'), fieldMessages: [] });
    const { year } = await fiscalYearNow();
    const attempts = await attemptsOf(db, req.user!.id, course.id);
    const current = attempts.find((a) => a.fiscalYear === year);
    const title = await learnerTitle(db, course, req.locale);
    res.render('scorm/course', {
      title,
      course: { id: course.id, title, description: course.description ?? '' },
      year,
      canResume: Boolean(current && !current.satisfied),
      completedThisYear: Boolean(current?.satisfied),
      attempts: attempts.map((a) => ({
        fiscalYear: a.fiscalYear,
        number: a.number,
        status: req.t(a.satisfied ? 'scorm.status.completed' : a.completion === 'not attempted' ? 'scorm.status.notStarted' : 'scorm.status.inProgress'),
        score: formatScore(a.scoreScaled),
        time: formatSeconds(a.totalSeconds),
        startedAt: formatAt(a.startedAt),
        completedAt: formatAt(a.completedAt),
        href: `/learn/attempts/${a.id}`,
      })),
    });
  });

  router.post('/courses/:id/start', allow('courses:take'), async (req, res) => {
    const { startMonth } = await fiscalYearNow();
    const attemptId = await startOrResume(db, req.user!, idParam(req.params), clock(), startMonth, false);
    res.redirect(303, `/learn/attempts/${attemptId}`);
  });

  router.post('/courses/:id/retake', allow('courses:take'), async (req, res) => {
    const { startMonth } = await fiscalYearNow();
    const attemptId = await startOrResume(db, req.user!, idParam(req.params), clock(), startMonth, true);
    res.redirect(303, `/learn/attempts/${attemptId}`);
  });

  router.get('/learn/attempts/:id', allow('courses:take'), async (req, res) => {
    const a = await ownAttemptWithScos(db, req.user!, idParam(req.params));
    const course = await getCourse(db, a.attempt.courseId);
    const title = await learnerTitle(db, course, req.locale);
    const standard = a.standard === '1.2' ? '1.2' : '2004';
    const launchable = presentTableOfContents(a, req.t);
    const first = launchable.find(({ done }) => !done) ?? launchable[0];
    res.render('scorm/player', {
      title,
      courseHref: `/courses/${course.id}`,
      review: a.attempt.satisfied,
      scos: launchable.map(({ sco, status, done }) => ({ id: sco.id, title: sco.title, status, done })),
      config: {
        attemptId: a.attempt.id,
        standard,
        review: a.attempt.satisfied,
        startScoId: first?.sco.id ?? null,
        courseHref: `/courses/${course.id}`,
        scos: launchable.map(({ sco }) => ({
          id: sco.id,
          identifier: sco.itemIdentifier,
          title: sco.title,
          launchUrl: `/content/${a.attempt.courseVersionId}/${sco.launchPath.split('/').map(encodeURIComponent).join('/')}${sco.launchQuery}`,
        })),
        messages: {
          saveFailed: req.t('scorm.player.saveFailed'),
          saved: req.t('scorm.player.saved'),
          finished: req.t('scorm.player.finished'),
          exited: req.t('scorm.player.exited'),
          courseCompleted: req.t('scorm.player.courseCompleted'),
          next: req.t('scorm.player.next'),
          back: req.t('scorm.player.back'),
          review: req.t('scorm.player.review'),
        },
      },
    });
  });

  return router;
}
