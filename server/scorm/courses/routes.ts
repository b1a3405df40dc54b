import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AppContext } from '../../context';
import { allow } from '../../auth/policies';
import { getHospitalProfile } from '../../hospital/service';
import { fiscalYearOf, localDate } from '../../lib/dates';
import { AppError } from '../../lib/errors';
import { flash } from '../../lib/http';
import { idParam, parseWith } from '../../lib/validate';
import { attemptsForCourse } from '../tracking/service';
import { builtinZip } from './builtin';
import { formatAt, formatScore, formatSeconds, presentFormProblems, presentProblems, presentVersion, STANDARD_LABELS } from './presenter';
import { CourseSettingsSchema, ResultsQuerySchema, SetVersionSchema, UploadSchema } from './schema';
import * as courses from './service';
import { sweepStaleUploads, uploadsRoot, withUploadedPackage } from './upload';

export function courseAdminRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock, config } = ctx;
  const uploads = uploadsRoot(config.dataDir);
  void sweepStaleUploads(uploads);
  const uploadLimiter = rateLimit({ windowMs: 60_000, limit: 10, standardHeaders: 'draft-8', legacyHeaders: false });

  async function renderList(req: Request, res: Response, status = 200, problems: string[] = []) {
    const list = await courses.listCourses(db, true);
    res.status(status).render('scorm/admin-courses', {
      title: req.t('scorm.admin.title'),
      courses: list.map((c) => ({ id: c.id, title: c.title, slug: c.slug, origin: c.origin, archived: Boolean(c.archivedAt), href: `/admin/courses/${c.id}` })),
      problems,
      maxMb: Math.round(config.packageMaxBytes / 1048576),
    });
  }

  router.get('/admin/courses', allow('courses:manage'), (req, res) => renderList(req, res));

  router.post('/admin/courses/upload', allow('courses:manage'), uploadLimiter, async (req, res) => {
    const outcome = await withUploadedPackage(req, res, { root: uploads, maxBytes: config.packageMaxBytes }, async (received) => {
      if (!received.ok) return received;
      // A form value that is not understood refuses the upload: guessing a default could add the version to another course or make it current unasked.
      const parsed = parseWith(UploadSchema, req.body);
      if (!parsed.ok) return { ok: false as const, reason: 'badForm' as const, errors: parsed.errors };
      try {
        return { ok: true as const, result: await courses.importPackage(db, req.user!, received.file.path, clock(), parsed.data) };
      } catch (err) {
        // The same bytes as the latest version: said on the upload page, where the officer is.
        if (err instanceof AppError && err.status === 409) return { ok: false as const, reason: 'conflict' as const, message: req.t(err.messageKey, err.params) };
        throw err;
      }
    });
    // Answered only now, once the uploaded file is gone.
    if (!outcome.ok) {
      if (outcome.reason === 'tooLarge') return renderList(req, res, 413, [req.t('scorm.import.uploadTooLarge', { mb: Math.round(config.packageMaxBytes / 1048576) })]);
      if (outcome.reason === 'conflict') return renderList(req, res, 409, [outcome.message]);
      if (outcome.reason === 'badForm') return renderList(req, res, 400, presentFormProblems(outcome.errors, req.body as Record<string, unknown>, req.t));
      return renderList(req, res, 400, [req.t('scorm.import.noFile')]);
    }
    const { result } = outcome;
    if (!result.ok) return renderList(req, res, 422, presentProblems(result.problems, req.t));
    flash(req, 'success', req.t(result.created ? 'scorm.admin.created' : 'scorm.admin.versionAdded', { versionNo: result.versionNo }));
    for (const w of presentProblems(result.warnings, req.t).slice(0, 10)) flash(req, 'info', w);
    res.redirect(303, `/admin/courses/${result.courseId}`);
  });

  router.get('/admin/courses/:id', allow('courses:manage'), async (req, res) => {
    const course = await courses.getCourse(db, idParam(req.params));
    const hospital = await getHospitalProfile(db);
    const q = ResultsQuerySchema.safeParse(req.query);
    const year = (q.success && q.data.year) || fiscalYearOf(localDate(clock()), hospital?.fiscalYearStartMonth ?? 4);
    const [versions, rows] = await Promise.all([courses.listVersions(db, course.id), attemptsForCourse(db, course.id, year)]);
    res.render('scorm/admin-course', {
      title: course.title,
      course: { id: course.id, title: course.title, slug: course.slug, attemptLimit: course.attemptLimit ?? '', builtin: course.origin === 'builtin' },
      versions: versions.map((v) => presentVersion(v, course, req.t)),
      standardLabels: STANDARD_LABELS,
      year,
      attempts: rows.map((r) => ({
        href: `/admin/attempts/${r.attempt.id}`,
        employeeNo: r.employeeNo,
        name: r.staffName,
        number: r.attempt.number,
        versionNo: r.versionNo,
        status: req.t(r.attempt.satisfied ? 'scorm.status.completed' : r.attempt.completion === 'not attempted' ? 'scorm.status.notStarted' : 'scorm.status.inProgress'),
        satisfied: r.attempt.satisfied,
        success: r.attempt.success,
        score: formatScore(r.attempt.scoreScaled),
        time: formatSeconds(r.attempt.totalSeconds),
        lastActivity: formatAt(r.attempt.lastActivityAt),
        marked: Boolean(r.attempt.markedBy),
      })),
      errors: {},
    });
  });

  router.post('/admin/courses/:id/settings', allow('courses:manage'), async (req, res) => {
    const id = idParam(req.params);
    const parsed = parseWith(CourseSettingsSchema, req.body);
    if (!parsed.ok) {
      flash(req, 'error', req.t('validation.summary'));
      return res.redirect(303, `/admin/courses/${id}`);
    }
    await courses.updateCourseSettings(db, req.user!, id, parsed.data, clock());
    flash(req, 'success', req.t('scorm.admin.saved'));
    res.redirect(303, `/admin/courses/${id}`);
  });

  router.post('/admin/courses/:id/current', allow('courses:manage'), async (req, res) => {
    const id = idParam(req.params);
    const parsed = SetVersionSchema.safeParse(req.body);
    if (!parsed.success) return res.redirect(303, `/admin/courses/${id}`);
    await courses.setCurrentVersion(db, req.user!, id, parsed.data.versionId, clock());
    flash(req, 'success', req.t('scorm.admin.currentSet'));
    res.redirect(303, `/admin/courses/${id}`);
  });

  router.get('/admin/courses/:id/versions/:versionId/package.zip', allow('courses:manage'), async (req, res) => {
    const course = await courses.getCourse(db, idParam(req.params));
    const version = await courses.findVersion(db, idParam(req.params, 'versionId'));
    if (!version || version.courseId !== course.id) return res.status(404).end();
    res.attachment(`${course.slug}-v${version.versionNo}.zip`).type('application/zip').setHeader('Content-Length', version.sizeBytes);
    try {
      // Part by part from the database: a package of hundreds of megabytes is never whole in memory.
      await pipeline(Readable.from(courses.versionZipStream(db, version.id)), res);
    } catch (err) {
      if (!res.headersSent) throw err;
      res.destroy(); // the client sees a cut-off download, never a zip that looks complete
    }
  });

  // Built-in courses for another LMS: built from the shipped source on demand (deterministic, so the same bytes each time).
  for (const [file, standard] of [['scorm12', '1.2'], ['scorm2004', '2004']] as const) {
    router.get(`/admin/courses/:id/export/${file}.zip`, allow('courses:manage'), async (req, res) => {
      const course = await courses.getCourse(db, idParam(req.params));
      const zip = course.origin === 'builtin' ? await builtinZip(course.slug, standard) : null;
      if (!zip) return res.status(404).end();
      res.attachment(`${course.slug}-${file}.zip`).type('application/zip').send(zip);
    });
  }

  return router;
}
