import { Router } from 'express';
import type { AppContext } from '../context';
import { allow, can, rosterScope } from '../auth/policies';
import { getHospitalProfile } from '../hospital/service';
import { fiscalYearOf, localDate } from '../lib/dates';
import { rosterSummary } from '../staff/service';

export function homeRouter(ctx: AppContext): Router {
  const router = Router();

  router.get('/', allow('public'), async (req, res) => {
    if (!req.user) return res.redirect('/login');
    const today = localDate(ctx.clock());
    const hospital = await getHospitalProfile(ctx.db);
    const seesRoster = can(req.user, 'roster:read');
    const summary = seesRoster ? await rosterSummary(ctx.db, rosterScope(req.user), today) : undefined;
    res.render('home/index', {
      title: req.t('home.title'),
      fiscalYear: fiscalYearOf(today, hospital?.fiscalYearStartMonth ?? 4),
      hospital,
      summary,
      needsHospital: !hospital && can(req.user, 'hospital:write'),
      needsRoster: summary !== undefined && summary.active <= 1 && can(req.user, 'roster:write'),
    });
  });

  return router;
}
