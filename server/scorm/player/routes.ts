import { Router } from 'express';
import type { AppContext } from '../../context';
import { allow } from '../../auth/policies';
import { idParam } from '../../lib/validate';
import { presentCourseList, presentCoursePage, presentPlayer } from './presenter';
import { courseList, coursePage, playerOf, startCourse } from './service';

/** What learners use: their course list, a course's page, and the player. */
export function playerRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;

  router.get('/courses', allow('courses:take'), async (req, res) => {
    res.render('scorm/courses', presentCourseList(await courseList(db, req.user!, req.locale, clock()), req.t));
  });

  router.get('/courses/:id', allow('courses:take'), async (req, res) => {
    res.render('scorm/course', presentCoursePage(await coursePage(db, req.user!, idParam(req.params), req.locale, clock()), req.t));
  });

  for (const [action, retake] of [
    ['start', false],
    ['retake', true],
  ] as const) {
    router.post(`/courses/:id/${action}`, allow('courses:take'), async (req, res) => {
      const attemptId = await startCourse(db, req.user!, idParam(req.params), clock(), retake);
      res.redirect(303, `/learn/attempts/${attemptId}`);
    });
  }

  router.get('/learn/attempts/:id', allow('courses:take'), async (req, res) => {
    res.render('scorm/player', presentPlayer(await playerOf(db, req.user!, idParam(req.params), req.locale, clock()), req.t));
  });

  return router;
}
