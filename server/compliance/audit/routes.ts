import { Router } from 'express';
import type { AppContext } from '../../context';
import { allow } from '../../auth/policies';
import { presentAuditEntry } from './presenter';
import { recentEntries, verifyAuditChain } from './service';

export function auditRouter(ctx: AppContext): Router {
  const router = Router();

  router.get('/admin/audit', allow('audit:verify'), async (req, res) => {
    const [verification, entries] = await Promise.all([verifyAuditChain(ctx.db), recentEntries(ctx.db, 100)]);
    res.render('admin/audit', {
      title: req.t('audit.title'),
      verification,
      entries: entries.map((e) => presentAuditEntry(e, req.t)),
    });
  });

  return router;
}
