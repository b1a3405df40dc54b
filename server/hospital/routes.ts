import { Router } from 'express';
import type { AppContext } from '../context';
import { allow } from '../auth/policies';
import { flash } from '../lib/http';
import { parseWith } from '../lib/validate';
import { HospitalProfileSchema } from './schema';
import { getHospitalProfile, saveHospitalProfile } from './service';

export function hospitalRouter(ctx: AppContext): Router {
  const router = Router();

  router.get('/admin/hospital', allow('hospital:read'), async (req, res) => {
    const profile = await getHospitalProfile(ctx.db);
    res.render('hospital/profile', {
      title: req.t('hospital.title'),
      values: profile ?? { fiscalYearStartMonth: 4 },
      isNew: !profile,
      errors: {},
    });
  });

  router.post('/admin/hospital', allow('hospital:write'), async (req, res) => {
    const parsed = parseWith(HospitalProfileSchema, req.body);
    if (!parsed.ok) {
      return res.status(400).render('hospital/profile', { title: req.t('hospital.title'), values: req.body, isNew: false, errors: parsed.errors });
    }
    await saveHospitalProfile(ctx.db, req.user!, parsed.data, ctx.clock());
    flash(req, 'success', req.t('hospital.saved'));
    res.redirect(303, '/admin/hospital');
  });

  return router;
}
