import { Router } from 'express';
import type { AppContext } from '../context';
import { allow, can, rosterScope } from '../auth/policies';
import { getHospitalProfile } from '../hospital/service';
import { localDate } from '../lib/dates';
import { rosterSummary } from '../staff/service';
import { currentFiscalYear } from '../training/fiscal-year';
import { homeTraining } from './service';

export function homeRouter(ctx: AppContext): Router {
  const router = Router();

  router.get('/', allow('public'), async (req, res) => {
    if (!req.user) return res.redirect('/login');
    const now = ctx.clock();
    const today = localDate(now);
    const [hospital, fiscalYear, training] = await Promise.all([
      getHospitalProfile(ctx.db),
      currentFiscalYear(ctx.db, now),
      homeTraining(ctx.db, req.user, req.locale, now, req.t),
    ]);
    const seesRoster = can(req.user, 'roster:read');
    const summary = seesRoster ? await rosterSummary(ctx.db, rosterScope(req.user), today) : undefined;
    res.render('home/index', {
      title: req.t('home.title'),
      fiscalYear: fiscalYear.year,
      hospital,
      summary,
      training,
      needsHospital: !hospital && can(req.user, 'hospital:write'),
      needsRoster: summary !== undefined && summary.active <= 1 && can(req.user, 'roster:write'),
    });
  });

  return router;
}
