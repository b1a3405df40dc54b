import { PRIVILEGED_ROLES, type RosterScope } from '../auth/policies';
import { localDateTime } from '../lib/dates';
import type { Translate } from '../lib/i18n';
import type { StaffRecord } from './repository';
import { PAGE_SIZE } from './repository';
import type { StaffListQuery } from './schema';

export interface StaffView {
  id: number;
  href: string;
  employeeNo: string;
  name: string;
  nameKana: string;
  email: string;
  department: string;
  jobCategory: string;
  roles: string;
  roleKeys: string[];
  locale: string;
  hiredOn: string;
  retiredOn: string;
  retired: boolean;
  status: string;
  hasPassword: boolean;
  lastLogin: string;
  /** Whether a password link for this person asks for the issuer's own password (an officer or administrator). */
  linkNeedsPassword: boolean;
}

export function jobCategoryLabel(name: string | null, nameEn: string | null | undefined, locale: string): string {
  return (locale === 'en' && nameEn) || name || '';
}

export function presentStaff(r: StaffRecord, t: Translate, locale: string, today: string): StaffView {
  const retired = Boolean(r.retiredOn && r.retiredOn <= today);
  return {
    id: r.id,
    href: `/staff/${r.id}`,
    employeeNo: r.employeeNo,
    name: r.name,
    nameKana: r.nameKana ?? '',
    email: r.email ?? '',
    department: r.departmentName ?? t('staff.unassigned'),
    jobCategory: jobCategoryLabel(r.jobCategoryName, r.jobCategoryNameEn, locale) || t('staff.unassigned'),
    roles: r.roles
      .filter((x) => x !== 'staff')
      .map((x) => t(`role.${x}`))
      .join(', '),
    roleKeys: r.roles,
    locale: r.locale === 'en' ? 'English' : '日本語',
    hiredOn: r.hiredOn ?? '',
    retiredOn: r.retiredOn ?? '',
    retired,
    status: retired
      ? t('staff.status.retired')
      : r.retiredOn
        ? t('staff.status.retiring', { date: r.retiredOn })
        : t('staff.status.active'),
    hasPassword: r.hasPassword,
    lastLogin: r.lastLoginAt ? localDateTime(r.lastLoginAt) : t('staff.neverLoggedIn'),
    linkNeedsPassword: r.roles.some((x) => (PRIVILEGED_ROLES as readonly string[]).includes(x)),
  };
}

export function presentPagination(q: StaffListQuery, total: number) {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const link = (page: number) => {
    const params = new URLSearchParams();
    if (q.q) params.set('q', q.q);
    if (q.department) params.set('department', String(q.department));
    if (q.jobCategory) params.set('jobCategory', String(q.jobCategory));
    if (q.role) params.set('role', q.role);
    if (q.status !== 'active') params.set('status', q.status);
    if (page > 1) params.set('page', String(page));
    const s = params.toString();
    return `/staff${s ? `?${s}` : ''}`;
  };
  return {
    total,
    page: q.page,
    pages,
    from: total === 0 ? 0 : (q.page - 1) * PAGE_SIZE + 1,
    to: Math.min(total, q.page * PAGE_SIZE),
    prev: q.page > 1 ? link(q.page - 1) : undefined,
    next: q.page < pages ? link(q.page + 1) : undefined,
  };
}

/** The form's values: from a stored record, or what the person typed when it failed. */
export function staffFormValues(r: StaffRecord | undefined, managed: number[]) {
  if (!r) return { roles: ['staff'], managedDepartmentIds: [], locale: 'ja' };
  return {
    employeeNo: r.employeeNo,
    name: r.name,
    nameKana: r.nameKana ?? '',
    email: r.email ?? '',
    departmentId: r.departmentId ?? '',
    jobCategoryId: r.jobCategoryId ?? '',
    roles: r.roles,
    managedDepartmentIds: managed,
    locale: r.locale,
    hiredOn: r.hiredOn ?? '',
  };
}

/** What a refused form shows again: everything typed but the actor's password. */
export function withoutPassword(body: unknown): Record<string, unknown> {
  const { currentPassword: _omit, ...rest } = (body ?? {}) as Record<string, unknown>;
  return rest;
}

/** The departments a filter offers: a department head's own only, since the list never shows anyone else. */
export function departmentsInScope<D extends { id: number }>(departments: readonly D[], scope: RosterScope): D[] {
  return scope.all ? [...departments] : departments.filter((d) => scope.departmentIds.includes(d.id));
}
