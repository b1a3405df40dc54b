import type { Translate } from '../lib/i18n';
import { localDate, localDateTime } from '../lib/dates';
import { EXEMPTION_KINDS, REQUIREMENT_KINDS, type ExemptionKind, type RequirementKind } from '../db/schema';
import { ASSIGNMENT_STATUSES, type AssignmentStatus, type AssignmentView, type PlanRow, type RequirementRow } from './repository';
import type { MhlwConditions } from './service';

type Named = { id: number; name: string };

// Each label by its full key (never a key built at run time), so the catalogs' test sees every one.
const STATUS_LABELS: Record<AssignmentStatus, string> = {
  not_started: 'training.status.not_started',
  in_progress: 'training.status.in_progress',
  completed: 'training.status.completed',
  overdue: 'training.status.overdue',
  exempt: 'training.status.exempt',
  retired: 'training.status.retired',
};
const KIND_LABELS: Record<RequirementKind, string> = {
  course: 'training.kind.course',
  live_training: 'training.kind.live_training',
  bcp_drill: 'training.kind.bcp_drill',
};
const EXEMPTION_LABELS: Record<ExemptionKind, string> = {
  long_leave: 'training.exempt.kind.long_leave',
  not_working: 'training.exempt.kind.not_working',
  other: 'training.exempt.kind.other',
};

export const statusLabel = (s: AssignmentStatus, t: Translate) => t(STATUS_LABELS[s]);
export const kindLabel = (k: RequirementKind, t: Translate) => t(KIND_LABELS[k]);
export const exemptionKindLabel = (k: ExemptionKind, t: Translate) => t(EXEMPTION_LABELS[k]);

/** Choices for a select or radio group: each value with its label. */
export const statusChoices = (t: Translate) => ASSIGNMENT_STATUSES.map((value) => ({ value, label: statusLabel(value, t) }));
export const kindChoices = (t: Translate) => REQUIREMENT_KINDS.map((value) => ({ value, label: kindLabel(value, t) }));
export const exemptionChoices = (t: Translate) => EXEMPTION_KINDS.map((value) => ({ value, label: exemptionKindLabel(value, t) }));

/** What a requirement is called: its course's name (in the reader's language when given) or its own title. */
export function requirementName(
  r: { kind: string; courseId: number | null; courseTitle: string | null; requirementTitle?: string | null; title?: string | null },
  titles?: Map<number, string>,
) {
  if (r.kind === 'course' && r.courseId) return titles?.get(r.courseId) ?? r.courseTitle ?? `#${r.courseId}`;
  return r.requirementTitle ?? r.title ?? '';
}

export function presentAudience(r: RequirementRow, t: Translate, org: { departments: Named[]; jobCategories: Named[] }) {
  if (r.audienceAll && r.excludedStaffIds.length === 0) return [t('training.audience.all')];
  const parts: string[] = [];
  if (r.audienceAll) parts.push(t('training.audience.all'));
  const names = (list: Named[], ids: number[]) =>
    list
      .filter((x) => ids.includes(x.id))
      .map((x) => x.name)
      .join('、');
  if (r.departmentIds.length) parts.push(`${t('training.audience.departments')}: ${names(org.departments, r.departmentIds)}`);
  if (r.jobCategoryIds.length) parts.push(`${t('training.audience.jobCategories')}: ${names(org.jobCategories, r.jobCategoryIds)}`);
  if (r.roles.length) parts.push(`${t('training.audience.roles')}: ${r.roles.map((role) => t(`role.${role}`)).join('、')}`);
  if (r.staffIds.length) parts.push(t('training.audience.staffCount', { count: r.staffIds.length }));
  if (r.excludedStaffIds.length) parts.push(t('training.audience.excludedCount', { count: r.excludedStaffIds.length }));
  return parts;
}

export function presentConditions(c: MhlwConditions, t: Translate) {
  if (c.live) return { qualifies: true, label: t('training.mhlw.live'), items: [] };
  return {
    qualifies: c.qualifies,
    label: c.qualifies ? t('training.mhlw.meets') : t('training.mhlw.missing'),
    items: [
      { ok: c.attendance, label: t('training.mhlw.attendance') },
      { ok: c.questions, label: t('training.mhlw.questions') },
      { ok: c.test, label: t('training.mhlw.test') },
    ],
  };
}

export function presentPlanHead(plan: PlanRow, open: boolean, t: Translate) {
  return {
    id: plan.id,
    title: plan.title,
    fiscalYear: plan.fiscalYear,
    yearLabel: t('training.fiscalYear', { year: plan.fiscalYear }),
    startsOn: plan.startsOn,
    open,
  };
}

/** One assignment as a row of a list or a person's page: status in words, dates in Japan. */
export function presentAssignment(a: AssignmentView, t: Translate, titles?: Map<number, string>) {
  return {
    id: a.id,
    staffId: a.staffId,
    staffName: a.staffName,
    employeeNo: a.employeeNo,
    department: a.departmentName ?? '—',
    jobCategory: a.jobCategoryName ?? '—',
    requirement: requirementName(a, titles),
    kind: a.kind,
    kindLabel: kindLabel(a.kind, t),
    courseId: a.courseId,
    planId: a.planId,
    planTitle: a.planTitle,
    fiscalYear: a.fiscalYear,
    status: a.status,
    statusLabel: statusLabel(a.status, t),
    dueOn: a.dueOn,
    ownDueDate: a.joinedOn !== null,
    joinedOn: a.joinedOn,
    completedOn: a.completedAt ? localDate(new Date(a.completedAt)) : null,
    completedAt: a.completedAt ? localDateTime(new Date(a.completedAt)) : null,
    evidenceAttemptId: a.evidenceAttemptId,
    sessionRef: a.sessionRef,
    exemptKind: a.exemptKind ? exemptionKindLabel(a.exemptKind, t) : null,
    exemptReason: a.exemptReason,
    exemptedAt: a.exemptedAt ? localDateTime(a.exemptedAt) : null,
  };
}

export type PresentedAssignment = ReturnType<typeof presentAssignment>;

/** Counts per status, for the list's summary line. */
export function statusCounts(rows: { status: string }[]) {
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}
