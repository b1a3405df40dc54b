import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context';
import { allow, can, rosterScope } from '../auth/policies';
import { ROLES } from '../db/schema';
import type { FieldErrors } from '../lib/errors';
import { flash } from '../lib/http';
import { idParam, input, validate, type FormRenderer } from '../lib/validate';
import { organisation } from '../staff/service';
import {
  exemptionChoices,
  kindChoices,
  kindLabel,
  presentAssignment,
  presentAudience,
  presentConditions,
  presentPlanHead,
  requirementName,
  statusChoices,
  statusCounts,
} from './presenter';
import { AssignmentListQuerySchema, ExemptionSchema, PlanFormSchema, PlanTitleSchema, RequirementFormSchema } from './schema';
import * as training from './service';

/** The training year's pages: plans, requirements, assignments (issue 13). */
export function trainingRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;
  training.followRoster(db, clock, ctx.log);
  const planId = (req: Request) => idParam(req.params, 'planId');

  async function renderList(req: Request, res: Response, status: number, errors: FieldErrors = {}, values: Record<string, unknown> = {}) {
    const list = await training.planList(db, clock());
    res.status(status).render('training/index', {
      title: req.t('training.title'),
      currentYear: list.current.year,
      years: list.years.map((y) => ({
        year: y.year,
        label: req.t('training.fiscalYear', { year: y.year }),
        closed: y.closed,
        plans: y.plans.map((p) => ({ id: p.plan.id, title: p.plan.title, requirements: p.requirements })),
      })),
      lastYearPlans: list.lastYearPlans.map((p) => ({ id: p.id, title: p.title })),
      yearChoices: [list.current.year, list.current.year + 1],
      errors,
      values,
    });
  }
  const createForm: FormRenderer = (req, res, errors) => renderList(req, res, 400, errors, req.body as Record<string, unknown>);

  router.get('/training', allow('training:read'), (req, res) => renderList(req, res, 200));

  router.post('/training/plans', allow('training:manage'), validate(PlanFormSchema, { form: createForm }), async (req, res) => {
    const id = await training.createPlan(db, req.user!, input(res, PlanFormSchema), clock());
    flash(req, 'success', req.t('training.plan.created'));
    res.redirect(303, `/training/plans/${id}`);
  });

  router.post('/training/plans/:planId/copy', allow('training:manage'), async (req, res) => {
    const id = await training.copyPlan(db, req.user!, planId(req), clock());
    flash(req, 'success', req.t('training.plan.copied'));
    res.redirect(303, `/training/plans/${id}`);
  });

  async function renderPlan(req: Request, res: Response, status: number, errors: FieldErrors = {}) {
    const [detail, org, titles] = await Promise.all([
      training.planDetail(db, planId(req), clock()),
      organisation(db),
      training.courseTitles(db, req.locale),
    ]);
    res.status(status).render('training/plan', {
      title: detail.plan.title,
      plan: presentPlanHead(detail.plan, detail.open, req.t),
      qualifies: detail.qualifies,
      requirements: detail.requirements.map((r) => ({
        id: r.requirement.id,
        name: requirementName({ ...r.requirement, courseTitle: r.courseTitle }, titles),
        kind: kindLabel(r.requirement.kind, req.t),
        dueOn: r.requirement.dueOn,
        joinDays: r.requirement.joinDays,
        audience: presentAudience(r.requirement, req.t, org),
        conditions: presentConditions(r.conditions, req.t),
        thirdParty: r.requirement.kind === 'course' && r.courseOrigin !== 'builtin',
      })),
      errors,
    });
  }
  const titleForm: FormRenderer = (req, res, errors) => renderPlan(req, res, 400, errors);

  router.get('/training/plans/:planId', allow('training:manage'), (req, res) => renderPlan(req, res, 200));

  router.post('/training/plans/:planId', allow('training:manage'), validate(PlanTitleSchema, { form: titleForm }), async (req, res) => {
    await training.renamePlan(db, req.user!, planId(req), input(res, PlanTitleSchema).title, clock());
    flash(req, 'success', req.t('training.plan.saved'));
    res.redirect(303, `/training/plans/${planId(req)}`);
  });

  async function renderRequirementForm(
    req: Request,
    res: Response,
    status: number,
    opts: { id?: number; values: Record<string, unknown>; errors: FieldErrors },
  ) {
    const [plan, data, titles] = await Promise.all([
      training.editablePlan(db, planId(req), clock()),
      training.requirementFormData(db),
      training.courseTitles(db, req.locale),
    ]);
    res.status(status).render('training/requirement-form', {
      title: req.t(opts.id ? 'training.requirement.edit' : 'training.requirement.new'),
      plan: { id: plan.id, title: plan.title, yearLabel: req.t('training.fiscalYear', { year: plan.fiscalYear }) },
      id: opts.id,
      values: opts.values,
      errors: opts.errors,
      kinds: kindChoices(req.t),
      courses: data.courses.map((c) => ({ id: c.id, title: titles.get(c.id) ?? c.title, builtin: c.origin === 'builtin' })),
      departments: data.departments,
      jobCategories: data.jobCategories.map((j) => ({ id: j.id, label: req.locale === 'en' && j.nameEn ? j.nameEn : j.name })),
      roles: ROLES.filter((r) => r !== 'staff'),
    });
  }
  const newRequirementForm: FormRenderer = (req, res, errors) =>
    renderRequirementForm(req, res, 400, { values: req.body as Record<string, unknown>, errors });
  const editRequirementForm: FormRenderer = (req, res, errors) =>
    renderRequirementForm(req, res, 400, { id: idParam(req.params), values: req.body as Record<string, unknown>, errors });

  router.get('/training/plans/:planId/requirements/new', allow('training:manage'), async (req, res) => {
    const plan = await training.getPlan(db, planId(req));
    // The year's last day as a start: the officer moves it earlier as the hospital decides.
    await renderRequirementForm(req, res, 200, {
      values: { kind: 'course', dueOn: plan.yearEndsOn, joinDays: 30, audienceAll: true },
      errors: {},
    });
  });

  router.post(
    '/training/plans/:planId/requirements',
    allow('training:manage'),
    validate(RequirementFormSchema, { form: newRequirementForm }),
    async (req, res) => {
      await training.addRequirement(db, req.user!, planId(req), input(res, RequirementFormSchema), clock());
      flash(req, 'success', req.t('training.requirement.saved'));
      res.redirect(303, `/training/plans/${planId(req)}`);
    },
  );

  router.get('/training/plans/:planId/requirements/:id/edit', allow('training:manage'), async (req, res) => {
    const { requirement: r } = await training.getRequirement(db, planId(req), idParam(req.params));
    const [staffNos, excludedStaffNos] = await Promise.all([
      training.employeeNosOf(db, r.staffIds),
      training.employeeNosOf(db, r.excludedStaffIds),
    ]);
    await renderRequirementForm(req, res, 200, {
      id: r.id,
      values: { ...r, staffNos: staffNos.join('\n'), excludedStaffNos: excludedStaffNos.join('\n') },
      errors: {},
    });
  });

  router.post(
    '/training/plans/:planId/requirements/:id',
    allow('training:manage'),
    validate(RequirementFormSchema, { form: editRequirementForm }),
    async (req, res) => {
      await training.updateRequirement(db, req.user!, planId(req), idParam(req.params), input(res, RequirementFormSchema), clock());
      flash(req, 'success', req.t('training.requirement.saved'));
      res.redirect(303, `/training/plans/${planId(req)}`);
    },
  );

  router.post('/training/plans/:planId/requirements/:id/remove', allow('training:manage'), async (req, res) => {
    await training.removeRequirement(db, req.user!, planId(req), idParam(req.params), clock());
    flash(req, 'success', req.t('training.requirement.removed'));
    res.redirect(303, `/training/plans/${planId(req)}`);
  });

  router.get(
    '/training/plans/:planId/assignments',
    allow('training:read'),
    validate(AssignmentListQuerySchema, { source: 'query' }),
    async (req, res) => {
      const q = input(res, AssignmentListQuerySchema);
      const scope = rosterScope(req.user!);
      const [list, titles] = await Promise.all([
        training.planAssignments(db, scope, planId(req), clock(), { requirementId: q.requirement, status: q.status }),
        training.courseTitles(db, req.locale),
      ]);
      const rows = list.rows.map((a) => presentAssignment(a, req.t, titles));
      res.render('training/assignments', {
        title: req.t('training.assignments.title'),
        plan: { id: list.plan.id, title: list.plan.title, yearLabel: req.t('training.fiscalYear', { year: list.plan.fiscalYear }) },
        rows,
        counts: statusCounts(rows),
        query: q,
        statuses: statusChoices(req.t),
        requirements: list.requirements.map((r) => ({
          id: r.requirement.id,
          name: requirementName({ ...r.requirement, courseTitle: r.courseTitle }),
        })),
        canManage: can(req.user, 'training:manage'),
      });
    },
  );

  async function renderAssignment(req: Request, res: Response, status: number, errors: FieldErrors = {}) {
    const { assignment, open } = await training.getAssignment(db, rosterScope(req.user!), idParam(req.params), clock());
    const titles = await training.courseTitles(db, req.locale);
    res.status(status).render('training/assignment', {
      title: assignment.staffName,
      a: presentAssignment(assignment, req.t, titles),
      open,
      canManage: can(req.user, 'training:manage'),
      canSeeAttempt: can(req.user, 'results:read'),
      exemptionKinds: exemptionChoices(req.t),
      values: status === 400 ? (req.body as Record<string, unknown>) : {},
      errors,
    });
  }
  const exemptionForm: FormRenderer = (req, res, errors) => renderAssignment(req, res, 400, errors);

  router.get('/training/assignments/:id', allow('training:read'), (req, res) => renderAssignment(req, res, 200));

  router.post(
    '/training/assignments/:id/exempt',
    allow('training:manage'),
    validate(ExemptionSchema, { form: exemptionForm }),
    async (req, res) => {
      await training.exemptAssignment(db, req.user!, idParam(req.params), input(res, ExemptionSchema), clock());
      flash(req, 'success', req.t('training.exempt.saved'));
      res.redirect(303, `/training/assignments/${idParam(req.params)}`);
    },
  );

  router.post('/training/assignments/:id/unexempt', allow('training:manage'), async (req, res) => {
    await training.clearExemption(db, req.user!, idParam(req.params), clock());
    flash(req, 'success', req.t('training.exempt.cleared'));
    res.redirect(303, `/training/assignments/${idParam(req.params)}`);
  });

  return router;
}
