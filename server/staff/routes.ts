import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context';
import { allow, rosterScope } from '../auth/policies';
import { PASSWORD_LINK_HOURS, confirmActor, issuePasswordLink, type ActingUser } from '../auth/service';
import { presentAuditEntry } from '../compliance/audit/presenter';
import { historyOf } from '../compliance/audit/service';
import { toCsv } from '../lib/csv';
import { localDate, localDateTime } from '../lib/dates';
import type { FieldErrors } from '../lib/errors';
import { flash } from '../lib/http';
import { idParam, input, validate, type FormRenderer } from '../lib/validate';
import { ROLES } from '../db/schema';
import { departmentsInScope, presentPagination, presentStaff, staffFormValues, withoutPassword } from './presenter';
import { PasswordLinkSchema, RetireSchema, StaffFormSchema, StaffListQuerySchema } from './schema';
import * as roster from './service';
import { organisationRouter } from './organisation-routes';
import { rosterImportRouter } from './import/routes';

export function rosterRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;
  const today = () => localDate(clock());
  const idOf = (req: Request) => idParam(req.params);
  /** The signed-in person and the password they typed, for acts that ask for it again. */
  const acting = (req: Request, password: string | undefined): ActingUser => ({
    viewer: req.user!,
    password,
    address: req.ip,
    secret: ctx.config.sessionSecret,
  });
  /** Granting the officer or admin role: the actor's own password first (auth decides, and audits a refusal). */
  const confirmGrant = (req: Request, password: string | undefined, subjectId: number | null) => (granted: string[]) =>
    confirmActor(db, acting(req, password), clock(), { action: 'staff.grant-role', subjectId, details: { roles: granted } });

  async function renderForm(
    req: Request,
    res: Response,
    status: number,
    opts: { id?: number; values: Record<string, unknown>; errors: FieldErrors },
  ) {
    const org = await roster.organisation(db);
    res.status(status).render('staff/form', {
      title: req.t(opts.id ? 'staff.edit.title' : 'staff.new.title'),
      id: opts.id,
      values: opts.values,
      errors: opts.errors,
      departments: org.departments,
      jobCategories: org.jobCategories.map((j) => ({ id: j.id, label: req.locale === 'en' && j.nameEn ? j.nameEn : j.name })),
      roles: ROLES.filter((r) => r !== 'staff'),
    });
  }

  // A failed save shows the form again with what was typed (never the password); `validate` hands it to the error handler.
  const newForm: FormRenderer = (req, res, errors) => renderForm(req, res, 400, { values: withoutPassword(req.body), errors });
  const editForm: FormRenderer = (req, res, errors) =>
    renderForm(req, res, 400, { id: Number(req.params.id), values: withoutPassword(req.body), errors });

  async function renderShow(req: Request, res: Response, status: number, errors: FieldErrors = {}) {
    const record = await roster.getStaff(db, rosterScope(req.user!), idOf(req));
    const history = await historyOf(db, 'staff', record.id);
    res.status(status).render('staff/show', {
      title: record.name,
      person: presentStaff(record, req.t, req.locale, today()),
      history: history.map((h) => presentAuditEntry(h, req.t)),
      errors,
      passwordLinkHours: PASSWORD_LINK_HOURS,
      today: today(),
    });
  }
  // A refused password link (the issuer's password missing or wrong) shows the person's page again with the message.
  const linkForm: FormRenderer = (req, res, errors) => renderShow(req, res, 400, errors);

  router.use(rosterImportRouter(ctx));

  router.get('/staff', allow('roster:read'), validate(StaffListQuerySchema, { source: 'query' }), async (req, res) => {
    const q = input(res, StaffListQuerySchema);
    const scope = rosterScope(req.user!);
    const [{ rows, total }, org] = await Promise.all([roster.listStaff(db, scope, q, today()), roster.organisation(db)]);
    res.render('staff/list', {
      title: req.t('staff.list.title'),
      staff: rows.map((r) => presentStaff(r, req.t, req.locale, today())),
      query: q,
      pagination: presentPagination(q, total),
      departments: departmentsInScope(org.departments, scope),
      jobCategories: org.jobCategories.map((j) => ({ id: j.id, label: req.locale === 'en' && j.nameEn ? j.nameEn : j.name })),
      roles: ROLES,
    });
  });

  router.get('/staff/export.csv', allow('roster:read'), async (req, res) => {
    const rows = await roster.allStaff(db, rosterScope(req.user!));
    const csv = toCsv(
      ['職員番号', '氏名', 'ふりがな', 'メールアドレス', '所属', '職種', '入職日', '退職日', '言語', '役割'],
      rows.map((r) => [
        r.employeeNo,
        r.name,
        r.nameKana,
        r.email,
        r.departmentName,
        r.jobCategoryName,
        r.hiredOn,
        r.retiredOn,
        r.locale,
        r.roles.join(';'),
      ]),
    );
    res.attachment(`staff-${today()}.csv`).type('text/csv; charset=utf-8').send(csv);
  });

  router.get('/staff/new', allow('roster:write'), (req, res) =>
    renderForm(req, res, 200, { values: staffFormValues(undefined, []), errors: {} }),
  );

  router.post('/staff', allow('roster:write'), validate(StaffFormSchema, { form: newForm }), async (req, res) => {
    const form = input(res, StaffFormSchema);
    const id = await roster.createStaff(db, req.user!, form, clock(), confirmGrant(req, form.currentPassword, null));
    flash(req, 'success', req.t('staff.created'));
    res.redirect(303, `/staff/${id}`);
  });

  router.get('/staff/:id', allow('roster:read'), (req, res) => renderShow(req, res, 200));

  router.get('/staff/:id/edit', allow('roster:write'), async (req, res) => {
    const record = await roster.getStaff(db, rosterScope(req.user!), idOf(req));
    const managed = await roster.managedDepartmentsOf(db, record.id);
    await renderForm(req, res, 200, { id: record.id, values: staffFormValues(record, managed), errors: {} });
  });

  router.post('/staff/:id', allow('roster:write'), validate(StaffFormSchema, { form: editForm }), async (req, res) => {
    const id = (await roster.getStaff(db, rosterScope(req.user!), idOf(req))).id;
    const form = input(res, StaffFormSchema);
    await roster.updateStaff(db, req.user!, id, form, clock(), confirmGrant(req, form.currentPassword, id));
    flash(req, 'success', req.t('staff.updated'));
    res.redirect(303, `/staff/${id}`);
  });

  router.post('/staff/:id/retire', allow('roster:write'), validate(RetireSchema), async (req, res) => {
    const id = (await roster.getStaff(db, rosterScope(req.user!), idOf(req))).id;
    await roster.setRetirement(db, req.user!, id, input(res, RetireSchema).retiredOn, clock());
    flash(req, 'success', req.t('staff.retired'));
    res.redirect(303, `/staff/${id}`);
  });

  router.post('/staff/:id/reinstate', allow('roster:write'), async (req, res) => {
    const id = (await roster.getStaff(db, rosterScope(req.user!), idOf(req))).id;
    await roster.setRetirement(db, req.user!, id, null, clock());
    flash(req, 'success', req.t('staff.reinstated'));
    res.redirect(303, `/staff/${id}`);
  });

  router.post(
    '/staff/:id/password-link',
    allow('accounts:issue-link'),
    validate(PasswordLinkSchema, { form: linkForm }),
    async (req, res) => {
      const record = await roster.getStaff(db, rosterScope(req.user!), idOf(req));
      const { currentPassword } = input(res, PasswordLinkSchema);
      const { token, expiresAt } = await issuePasswordLink(db, acting(req, currentPassword), record.id, clock());
      res.render('staff/password-link', {
        title: req.t('staff.passwordLink.title'),
        person: presentStaff(record, req.t, req.locale, today()),
        link: `${ctx.config.baseUrl}/password/${token}`,
        expiresAt: localDateTime(expiresAt),
      });
    },
  );

  router.use(organisationRouter(ctx));
  return router;
}
