import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context';
import { allow } from '../auth/policies';
import { ValidationError, type FieldErrors } from '../lib/errors';
import { flash } from '../lib/http';
import { idParam, parseWith } from '../lib/validate';
import type { NamedKind } from './repository';
import { NamedItemSchema } from './schema';
import * as roster from './service';

/** Departments (所属) and job categories (職種): one page, two lists. */
export function organisationRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;

  async function renderPage(req: Request, res: Response, status = 200, failed?: { kind: NamedKind; id?: number; errors: FieldErrors; values: unknown }) {
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

  const save = (kind: NamedKind, withId: boolean) => async (req: Request, res: Response) => {
    const id = withId ? idParam(req.params) : undefined;
    if (id) await roster.getNamed(db, kind, id);
    const parsed = parseWith(NamedItemSchema, req.body);
    try {
      if (!parsed.ok) throw new ValidationError(parsed.errors);
      await roster.saveNamed(db, req.user!, kind, id, parsed.data, clock());
    } catch (err) {
      if (err instanceof ValidationError) return renderPage(req, res, 400, { kind, id, errors: err.fieldErrors, values: req.body });
      throw err;
    }
    flash(req, 'success', req.t('organisation.saved'));
    res.redirect(303, kind === 'department' ? '/admin/departments' : '/admin/departments#job-categories');
  };

  router.post('/admin/departments', allow('roster:write'), save('department', false));
  router.post('/admin/departments/:id', allow('roster:write'), save('department', true));
  router.post('/admin/job-categories', allow('roster:write'), save('jobCategory', false));
  router.post('/admin/job-categories/:id', allow('roster:write'), save('jobCategory', true));
  return router;
}
