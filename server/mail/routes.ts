import { Router, type Request, type Response } from 'express';
import { allow } from '../auth/policies';
import type { AppContext } from '../context';
import type { FieldErrors } from '../lib/errors';
import { flash } from '../lib/http';
import { idParam, input, validate, type FormRenderer } from '../lib/validate';
import { getHospitalProfile } from '../hospital/service';
import { presentMailLogRow, presentMailPagination, presentStatusOptions } from './presenter';
import { MAIL_LOG_PAGE_SIZE, MailLogQuerySchema, TestMailSchema, type MailLogQuery } from './schema';
import * as mail from './service';

/** The mail page (issue 13): the log, the queue's state, "retry now" and a test message. */
export function mailRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock, config } = ctx;

  async function renderPage(
    req: Request,
    res: Response,
    status: number,
    q: MailLogQuery,
    form: { values: { to?: string }; errors: FieldErrors },
  ) {
    const [{ rows, total }, counts, profile] = await Promise.all([
      mail.listMailLog(db, { status: q.status, page: q.page, perPage: MAIL_LOG_PAGE_SIZE }),
      mail.mailCounts(db),
      getHospitalProfile(db),
    ]);
    res.status(status).render('mail/index', {
      title: req.t('mail.title'),
      settings: mail.mailSettings(config),
      senderName: profile?.name || req.t('app.name'),
      counts,
      log: rows.map((r) => presentMailLogRow(r, req.t)),
      query: q,
      statuses: presentStatusOptions(req.t),
      pagination: presentMailPagination(q, total),
      values: form.values,
      errors: form.errors,
    });
  }

  const testForm: FormRenderer = (req, res, errors) =>
    renderPage(req, res, 400, MailLogQuerySchema.parse({}), { values: { to: String((req.body as { to?: unknown })?.to ?? '') }, errors });

  router.get('/admin/mail', allow('mail:manage'), validate(MailLogQuerySchema, { source: 'query' }), (req, res) =>
    renderPage(req, res, 200, input(res, MailLogQuerySchema), { values: {}, errors: {} }),
  );

  router.post('/admin/mail/test', allow('mail:manage'), validate(TestMailSchema, { form: testForm }), async (req, res) => {
    const { to } = input(res, TestMailSchema);
    await mail.sendTestMail(db, config, req.user!, to, clock());
    flash(req, 'success', req.t('mail.test.queued', { to }));
    res.redirect(303, '/admin/mail');
  });

  router.post('/admin/mail/retry-failed', allow('mail:manage'), async (req, res) => {
    const count = await mail.retryAllFailedMail(db, req.user!, clock());
    flash(req, 'success', req.t('mail.retriedAll', { count }));
    res.redirect(303, '/admin/mail');
  });

  router.post('/admin/mail/:id/retry', allow('mail:manage'), async (req, res) => {
    const to = await mail.retryMailNow(db, req.user!, idParam(req.params), clock());
    flash(req, 'success', req.t('mail.retried', { to }));
    res.redirect(303, '/admin/mail');
  });

  return router;
}
