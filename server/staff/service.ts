import { PRIVILEGED_ROLES, type RosterScope, type Viewer } from '../auth/policies';
import { auditDiff, recordAudit } from '../compliance/audit/service';
import type { Database } from '../db/client';
import { withTransaction, type Work } from '../db/transaction';
import type { Role } from '../db/schema';
import { ValidationError, notFound, uniqueViolation } from '../lib/errors';
import * as repo from './repository';
import type { NamedItemInput, StaffFormInput, StaffListQuery } from './schema';

export type { NamedKind } from './repository';

const ALL: RosterScope = { all: true };

/**
 * Told after a change to staff records commits: one id, or 'all' after a bulk change. The staff
 * feature owns the table but not what others keep from it; auth's viewer cache subscribes here
 * (server/auth/viewer-cache.ts), so staff never imports auth and auth can write through this
 * service without a cycle.
 */
export type StaffChangeListener = (db: Database, staffId: number | 'all') => void;
const changeListeners = new Set<StaffChangeListener>();

export function onStaffChanged(listener: StaffChangeListener): void {
  changeListeners.add(listener);
}

export function staffChanged(db: Database, staffId: number | 'all'): void {
  for (const listener of changeListeners) listener(db, staffId);
}

export const listStaff = (db: Database, scope: RosterScope, q: StaffListQuery, today: string) => repo.listStaff(db, scope, q, today);
export const allStaff = (db: Database, scope: RosterScope) => repo.allStaff(db, scope);

export async function getStaff(db: Database, scope: RosterScope, id: number) {
  const record = await repo.findStaff(db, scope, id);
  if (!record) throw notFound();
  return record;
}

/** What an audit entry records of a staff member: the fields a person edits, by name. */
function snapshot(r: repo.StaffRecord, managed: number[]) {
  return {
    employeeNo: r.employeeNo,
    name: r.name,
    nameKana: r.nameKana,
    email: r.email,
    department: r.departmentName,
    jobCategory: r.jobCategoryName,
    roles: r.roles,
    managedDepartmentIds: managed,
    locale: r.locale,
    hiredOn: r.hiredOn,
    retiredOn: r.retiredOn,
  };
}

function rethrowDuplicate(err: unknown): never {
  const constraint = uniqueViolation(err);
  if (constraint === 'staff_employee_no_key') throw new ValidationError({ employeeNo: ['staff.validation.employeeNoTaken'] });
  if (constraint === 'staff_email_key') throw new ValidationError({ email: ['staff.validation.emailTaken'] });
  if (constraint) throw new ValidationError({ name: ['validation.duplicate'] });
  throw err;
}

function columnsOf(input: StaffFormInput) {
  return {
    employeeNo: input.employeeNo,
    name: input.name,
    nameKana: input.nameKana ?? null,
    email: input.email ?? null,
    departmentId: input.departmentId ?? null,
    jobCategoryId: input.jobCategoryId ?? null,
    roles: input.roles,
    locale: input.locale,
    hiredOn: input.hiredOn ?? null,
  };
}

const managedOf = (input: StaffFormInput) =>
  input.roles.includes('manager') ? [...new Set(input.managedDepartmentIds)].sort((a, b) => a - b) : [];

/**
 * Called with the officer / admin roles an edit is about to grant, before anything is written;
 * it throws to refuse. Routes pass auth's check of the actor's own password (confirmActor); the
 * staff feature does not know how a person is confirmed, only when one must be.
 */
export type ConfirmGrant = (granted: Role[]) => Promise<void>;

/** The command line (`mamoru demo`) is run by whoever runs the server: nobody to ask. */
export const grantedByCommandLine: ConfirmGrant = () => Promise.resolve();

/** When a caller names no confirmation, a grant that needs one is refused (safe by default). */
const unconfirmed: ConfirmGrant = () => Promise.reject(new ValidationError({ currentPassword: ['auth.reauth.required'] }));

const privilegedIn = (roles: readonly Role[], held: readonly string[] = []) =>
  roles.filter((r) => PRIVILEGED_ROLES.includes(r) && !held.includes(r));

export async function createStaff(
  db: Database,
  actor: Viewer,
  input: StaffFormInput,
  now: Date,
  confirmGrant = unconfirmed,
): Promise<number> {
  const granted = privilegedIn(input.roles);
  if (granted.length > 0) await confirmGrant(granted);
  try {
    const id = await withTransaction(db, now, async (work) => {
      const { tx } = work;
      const id = await repo.insertStaff(tx, columnsOf(input));
      await repo.replaceManagedDepartments(tx, id, managedOf(input));
      const created = (await repo.findStaff(tx, ALL, id))!;
      recordAudit(work, [
        {
          actorId: actor.id,
          action: 'staff.create',
          subjectType: 'staff',
          subjectId: id,
          details: { after: snapshot(created, managedOf(input)) },
        },
      ]);
      return id;
    });
    // Told after the commit, as for an update: a new hire's training assignments follow.
    staffChanged(db, id);
    return id;
  } catch (err) {
    rethrowDuplicate(err);
  }
}

export async function updateStaff(db: Database, actor: Viewer, id: number, input: StaffFormInput, now: Date, confirmGrant = unconfirmed) {
  const current = await repo.findStaff(db, ALL, id);
  if (!current) throw notFound();
  const granted = privilegedIn(input.roles, current.roles);
  if (granted.length > 0) await confirmGrant(granted);
  try {
    await withTransaction(db, now, async (work) => {
      const { tx } = work;
      const before = await repo.findStaff(tx, ALL, id);
      if (!before) throw notFound();
      // Roles removed since the check above (by another administrator, at that moment) would now be
      // granted without having been confirmed: the form is shown again to be sent once more.
      if (privilegedIn(input.roles, before.roles).some((r) => !granted.includes(r))) {
        throw new ValidationError({ roles: ['staff.validation.rolesChanged'] });
      }
      const managedBefore = await repo.managedDepartments(tx, id);
      await repo.updateStaff(tx, id, columnsOf(input), work.now);
      await repo.replaceManagedDepartments(tx, id, managedOf(input));
      const after = (await repo.findStaff(tx, ALL, id))!;
      const diff = auditDiff(snapshot(before, managedBefore), snapshot(after, managedOf(input)));
      if (Object.keys(diff.after).length === 0) return;
      recordAudit(work, [{ actorId: actor.id, action: 'staff.update', subjectType: 'staff', subjectId: id, details: diff }]);
    });
    staffChanged(db, id);
  } catch (err) {
    rethrowDuplicate(err);
  }
}

/** Staff are retired, never deleted: their training records must stay reportable. */
export async function setRetirement(db: Database, actor: Viewer, id: number, retiredOn: string | null, now: Date) {
  await withTransaction(db, now, async (work) => {
    const { tx } = work;
    const before = await repo.findStaff(tx, ALL, id);
    if (!before) throw notFound();
    if (before.retiredOn === retiredOn) return;
    await repo.updateStaff(tx, id, { retiredOn }, work.now);
    recordAudit(work, [
      {
        actorId: actor.id,
        action: retiredOn ? 'staff.retire' : 'staff.reinstate',
        subjectType: 'staff',
        subjectId: id,
        details: { before: { retiredOn: before.retiredOn }, after: { retiredOn } },
      },
    ]);
  });
  staffChanged(db, id);
}

export async function managedDepartmentsOf(db: Database, id: number) {
  return repo.managedDepartments(db, id);
}

export async function organisation(db: Database) {
  const [departments, jobCategories] = await Promise.all([repo.listDepartments(db), repo.listJobCategories(db)]);
  return { departments, jobCategories };
}

export async function organisationWithCounts(db: Database) {
  const [org, deptCounts, jobCounts] = await Promise.all([organisation(db), repo.departmentCounts(db), repo.jobCategoryCounts(db)]);
  return { ...org, deptCounts, jobCounts };
}

/** Creates or renames a department or job category; names stay unique. */
export async function saveNamed(
  db: Database,
  actor: Viewer,
  kind: repo.NamedKind,
  id: number | undefined,
  input: NamedItemInput,
  now: Date,
) {
  const values = { name: input.name, nameEn: kind === 'jobCategory' ? (input.nameEn ?? null) : undefined, sortOrder: input.sortOrder };
  try {
    await withTransaction(db, now, async (work) => {
      const { tx } = work;
      const before = id ? await repo.findNamed(tx, kind, id) : undefined;
      if (id && !before) throw notFound();
      const savedId = id ?? (await repo.insertNamed(tx, kind, values));
      if (id) await repo.updateNamed(tx, kind, id, values, work.now);
      recordAudit(work, [
        {
          actorId: actor.id,
          action: `${kind}.${id ? 'update' : 'create'}`,
          subjectType: kind,
          subjectId: savedId,
          details: { before: before ?? null, after: values },
        },
      ]);
    });
  } catch (err) {
    if (uniqueViolation(err)) throw new ValidationError({ name: ['validation.nameTaken'] });
    throw err;
  }
}

export const rosterSummary = (db: Database, scope: RosterScope, today: string) => repo.rosterSummary(db, scope, today);

/** Used by `mamoru demo`: gives a roster member roles (a manager their own department) through updateStaff's audited path. */
export async function setRolesOf(
  db: Database,
  actor: Viewer,
  account: { employeeNo: string; roles: StaffFormInput['roles']; managesOwnDepartment?: boolean },
  now: Date,
): Promise<number> {
  const id = await repo.findIdByEmployeeNo(db, account.employeeNo);
  if (!id) throw notFound();
  const record = (await repo.findStaff(db, ALL, id))!;
  const input: StaffFormInput = {
    employeeNo: record.employeeNo,
    name: record.name,
    nameKana: record.nameKana ?? undefined,
    email: record.email ?? undefined,
    departmentId: record.departmentId ?? undefined,
    jobCategoryId: record.jobCategoryId ?? undefined,
    roles: account.roles,
    managedDepartmentIds: account.managesOwnDepartment && record.departmentId ? [record.departmentId] : [],
    locale: record.locale === 'en' ? 'en' : 'ja',
    hiredOn: record.hiredOn ?? undefined,
    currentPassword: undefined,
  };
  await updateStaff(db, actor, id, input, now, grantedByCommandLine);
  return id;
}

// --- Writes for other features. Those that change roster data take the caller's unit of work:
// they run inside its transaction, and the caller writes their audit entry there. Only the staff
// repository touches the staff, manager, department and job category tables.

export type StaffColumns = Partial<repo.StaffInsert>;

/** auth: a new password hash (it also clears the login lock). */
export const setPasswordHash = (work: Work, id: number, passwordHash: string) => repo.setPasswordHash(work.tx, id, passwordHash, work.now);
export const grantRole = (work: Work, id: number, role: Viewer['roles'][number]) => repo.grantRole(work.tx, id, role);

/** auth: the first administrator, or one made by `mamoru create-admin`. */
export const insertAdmin = (work: Work, input: { employeeNo: string; name: string; email?: string | undefined; passwordHash: string }) =>
  repo.insertStaff(work.tx, {
    employeeNo: input.employeeNo,
    name: input.name,
    email: input.email ?? null,
    roles: ['staff', 'admin'],
    passwordHash: input.passwordHash,
  });

/** The roster import: many new rows, column updates and missing departments / job categories. */
export const insertStaffBatch = (work: Work, values: repo.StaffInsert[]) => repo.insertStaffBatch(work.tx, values);
export const updateStaffColumns = (work: Work, id: number, values: StaffColumns) => repo.updateStaff(work.tx, id, values, work.now);
export const ensureNamed = (work: Work, kind: repo.NamedKind, names: string[]) => repo.ensureNamed(work.tx, kind, names);

// Account state rather than roster data, and not audited: the login counters (written on every
// login attempt, outside any transaction) and the person's own display language.

/** auth: a failed login counts towards the lock; `lockUntil` applies once `lockThreshold` is reached. */
export const recordLoginFailure = (db: Database, id: number, lockThreshold: number, lockUntil: Date) =>
  repo.recordLoginFailure(db, id, lockThreshold, lockUntil);
export const recordLoginSuccess = (db: Database, id: number, at: Date) => repo.recordLoginSuccess(db, id, at);

export async function setLocale(db: Database, id: number, locale: 'ja' | 'en') {
  await repo.setLocale(db, id, locale);
  staffChanged(db, id);
}
