import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context';
import { allow } from '../auth/policies';
import type { FieldErrors } from '../lib/errors';
import { flash } from '../lib/http';
import { idParam, input, validate, type FormRenderer } from '../lib/validate';
import { NamedItemSchema } from './schema';
import * as roster from './service';
import type { NamedKind } from './service';

/** Departments (所属) and job categories (職種): one page, two lists. */
export function organisationRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;

  async function renderPage(
    req: Request,
    res: Response,
    status = 200,
    failed?: { kind: NamedKind; id?: number; errors: FieldErrors; values: unknown },
  ) {
    const org = await roster.organisationWithCounts(db);
    res.status(status).render('admin/organisation', {
      title: req.t('organisation.title'),
      departments: org.departments.map((d) => ({ ...d, count: org.deptCounts.get(d.id) ?? 0 })),
      jobCategories: org.jobCategories.map((j) => ({ ...j, count: org.jobCounts.get(j.id) ?? 0 })),
      failed,
    });
  }

  router.get('/admin/departments', allow('roster:write'), (req, res) => renderPage(req, res));
  router.get('/admin/job-categories', allow('roster:write'), (_req, res) => res.redirect('/admin/departments#job-categories'));

  // The page again with the failed row's messages: the schema's, or the service's (a name in use).
  const failedForm =
    (kind: NamedKind, withId: boolean): FormRenderer =>
    (req, res, errors) =>
      renderPage(req, res, 400, { kind, id: withId ? Number(req.params.id) : undefined, errors, values: req.body });

  // saveNamed answers 404 for an id that does not exist.
  const save = (kind: NamedKind, withId: boolean) => async (req: Request, res: Response) => {
    await roster.saveNamed(db, req.user!, kind, withId ? idParam(req.params) : undefined, input(res, NamedItemSchema), clock());
    flash(req, 'success', req.t('organisation.saved'));
    res.redirect(303, kind === 'department' ? '/admin/departments' : '/admin/departments#job-categories');
  };

  router.post(
    '/admin/departments',
    allow('roster:write'),
    validate(NamedItemSchema, { form: failedForm('department', false) }),
    save('department', false),
  );
  router.post(
    '/admin/departments/:id',
    allow('roster:write'),
    validate(NamedItemSchema, { form: failedForm('department', true) }),
    save('department', true),
  );
  router.post(
    '/admin/job-categories',
    allow('roster:write'),
    validate(NamedItemSchema, { form: failedForm('jobCategory', false) }),
    save('jobCategory', false),
  );
  router.post(
    '/admin/job-categories/:id',
    allow('roster:write'),
    validate(NamedItemSchema, { form: failedForm('jobCategory', true) }),
    save('jobCategory', true),
  );
  return router;
}
