import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context';
import { allow } from '../auth/policies';
import type { FieldErrors } from '../lib/errors';
import { flash } from '../lib/http';
import { DEFAULT_FISCAL_YEAR_START_MONTH } from '../training/fiscal-year';
import { input, validate } from '../lib/validate';
import { HospitalProfileSchema } from './schema';
import { getHospitalProfile, saveHospitalProfile } from './service';

export function hospitalRouter(ctx: AppContext): Router {
  const router = Router();

  // A failed save shows what was typed again, with the field messages.
  const failedForm = (req: Request, res: Response, errors: FieldErrors) =>
    res.render('hospital/profile', { title: req.t('hospital.title'), values: req.body, isNew: false, errors });

  router.get('/admin/hospital', allow('hospital:read'), async (req, res) => {
    const profile = await getHospitalProfile(ctx.db);
    res.render('hospital/profile', {
      title: req.t('hospital.title'),
      values: profile ?? { fiscalYearStartMonth: DEFAULT_FISCAL_YEAR_START_MONTH },
      isNew: !profile,
      errors: {},
    });
  });

  router.post('/admin/hospital', allow('hospital:write'), validate(HospitalProfileSchema, { form: failedForm }), async (req, res) => {
    await saveHospitalProfile(ctx.db, req.user!, input(res, HospitalProfileSchema), ctx.clock());
    flash(req, 'success', req.t('hospital.saved'));
    res.redirect(303, '/admin/hospital');
  });

  return router;
}
