import { Router } from 'express';
import type { AppContext } from '../../context';
import { allow } from '../../auth/policies';
import { presentAuditEntry, presentVerification } from './presenter';
import { recentEntries, verifyForPage, verifyWholeChain } from './service';

export function auditRouter(ctx: AppContext): Router {
  const router = Router();

  router.get('/admin/audit', allow('audit:verify'), async (req, res) => {
    const [verification, entries] = await Promise.all([verifyForPage(ctx.db, ctx.clock()), recentEntries(ctx.db, 100)]);
    res.render('compliance/audit', {
      title: req.t('audit.title'),
      verification: presentVerification(verification, req.t),
      entries: entries.map((e) => presentAuditEntry(e, req.t)),
    });
  });

  // Every entry recomputed from the first (as `mamoru verify-audit`); the page then shows the result.
  router.post('/admin/audit/verify', allow('audit:verify'), async (_req, res) => {
    await verifyWholeChain(ctx.db, ctx.clock());
    res.redirect(303, '/admin/audit');
  });

  return router;
}
