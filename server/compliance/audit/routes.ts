import { Router } from 'express';
import type { AppContext } from '../../app';
import { allow } from '../../auth/policies';
import { recentEntries, verifyAuditChain } from './service';

export function auditRouter(ctx: AppContext): Router {
  const router = Router();

  router.get('/admin/audit', allow('audit:verify'), async (req, res) => {
    const [verification, entries] = await Promise.all([verifyAuditChain(ctx.db), recentEntries(ctx.db, 100)]);
    res.render('admin/audit', {
      title: req.t('audit.title'),
      verification,
      entries: entries.map((e) => ({
        seq: e.seq,
        at: e.at.toISOString().slice(0, 19).replace('T', ' ') + ' UTC',
        actor: e.actorName ?? (e.actorId ? `#${e.actorId}` : req.t('audit.system')),
        action: e.action,
        subject: `${e.subjectType}${e.subjectId ? ` #${e.subjectId}` : ''}`,
        details: JSON.stringify(e.details),
      })),
    });
  });

  return router;
}
