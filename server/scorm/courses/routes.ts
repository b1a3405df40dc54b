import { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AppContext } from '../../context';
import { allow } from '../../auth/policies';
import { flash } from '../../lib/http';
import { idParam, input, validate, type FormRenderer } from '../../lib/validate';
import { builtinExport } from './builtin';
import { presentAdminCourses, presentProblems, presentUploadRefusal } from './presenter';
import { CourseSettingsSchema, SetVersionSchema, UploadSchema } from './schema';
import * as courses from './service';
import { sweepStaleUploads, uploadsRoot, withUploadedPackage } from './upload';

/** Each upload is checked in full (every entry inflated): a few a minute is all a person makes. */
const UPLOAD_WINDOW_MS = 60_000;
const UPLOADS_PER_WINDOW = 10;

/**
 * The officer's side of courses: the list and upload page, settings, versions and downloads.
 * The course's own page, with the year's attempts, is tracking's (it shows results).
 */
export function courseAdminRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock, config } = ctx;
  const uploads = uploadsRoot(config.dataDir);
  void sweepStaleUploads(uploads);
  const maxMb = Math.round(config.packageMaxBytes / 1048576);
  // Answered as the upload page with the reason, in the officer's language (the upload script shows the page it is given).
  const uploadLimiter = rateLimit({
    windowMs: UPLOAD_WINDOW_MS,
    limit: UPLOADS_PER_WINDOW,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, res, next) => {
      renderList(req, res, 429, [req.t('scorm.import.tooManyUploads', { minutes: Math.ceil(UPLOAD_WINDOW_MS / 60_000) })]).catch(next);
    },
  });

  async function renderList(req: Request, res: Response, status = 200, problems: string[] = []) {
    const list = await courses.listCourses(db, true);
    res
      .status(status)
      .render('scorm/admin-courses', { title: req.t('scorm.admin.title'), courses: presentAdminCourses(list), problems, maxMb });
  }

  /** The course forms go back to the course's page (which answers 404 for a bad id); a refused one says so there. */
  const backToCourse =
    (messageKey?: string): FormRenderer =>
    (req, res) => {
      if (messageKey) flash(req, 'error', req.t(messageKey));
      res.redirect(303, `/admin/courses/${encodeURIComponent(String(req.params.id))}`);
    };

  router.get('/admin/courses', allow('courses:manage'), (req, res) => renderList(req, res));

  router.post('/admin/courses/upload', allow('courses:manage'), uploadLimiter, async (req, res) => {
    const outcome = await withUploadedPackage(
      req,
      res,
      { root: uploads, maxBytes: config.packageMaxBytes, schema: UploadSchema },
      async (upload) => (upload.ok ? courses.importPackage(db, req.user!, upload.file.path, clock(), upload.input) : upload),
    );
    // Answered only now, once the uploaded file is gone.
    if (!outcome.ok) {
      const refusal = presentUploadRefusal(outcome, (req.body ?? {}) as Record<string, unknown>, req.t, maxMb);
      return renderList(req, res, refusal.status, refusal.problems);
    }
    flash(req, 'success', req.t(outcome.created ? 'scorm.admin.created' : 'scorm.admin.versionAdded', { versionNo: outcome.versionNo }));
    for (const w of presentProblems(outcome.warnings, req.t).slice(0, 10)) flash(req, 'info', w);
    res.redirect(303, `/admin/courses/${outcome.courseId}`);
  });

  router.post(
    '/admin/courses/:id/settings',
    allow('courses:manage'),
    validate(CourseSettingsSchema, { form: backToCourse('validation.summary') }),
    async (req, res) => {
      const id = idParam(req.params);
      await courses.updateCourseSettings(db, req.user!, id, input(res, CourseSettingsSchema), clock());
      flash(req, 'success', req.t('scorm.admin.saved'));
      res.redirect(303, `/admin/courses/${id}`);
    },
  );

  router.post(
    '/admin/courses/:id/current',
    allow('courses:manage'),
    validate(SetVersionSchema, { form: backToCourse() }),
    async (req, res) => {
      const id = idParam(req.params);
      await courses.setCurrentVersion(db, req.user!, id, input(res, SetVersionSchema).versionId, clock());
      flash(req, 'success', req.t('scorm.admin.currentSet'));
      res.redirect(303, `/admin/courses/${id}`);
    },
  );

  router.get('/admin/courses/:id/versions/:versionId/package.zip', allow('courses:manage'), async (req, res) => {
    const download = await courses.versionDownload(db, idParam(req.params), idParam(req.params, 'versionId'));
    res.attachment(download.fileName).type('application/zip').setHeader('Content-Length', download.sizeBytes);
    await courses.sendVersionZip(res, db, download.versionId);
  });

  // Built-in courses for another LMS: built from the shipped source on demand (deterministic, so the same bytes each time).
  for (const [file, standard] of [
    ['scorm12', '1.2'],
    ['scorm2004', '2004'],
  ] as const) {
    router.get(`/admin/courses/:id/export/${file}.zip`, allow('courses:manage'), async (req, res) => {
      const { fileName, zip } = await builtinExport(db, idParam(req.params), standard, file);
      res.attachment(fileName).type('application/zip').send(zip);
    });
  }

  return router;
}
