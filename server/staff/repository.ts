import { and, asc, eq, ilike, inArray, isNotNull, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import type { RosterScope } from '../auth/policies';
import type { Database } from '../db/client';
import { departments, jobCategories, managerDepartments, staff } from '../db/schema';
import type { StaffListQuery } from './schema';

export type StaffInsert = typeof staff.$inferInsert;
export const PAGE_SIZE = 50;

const staffColumns = {
  id: staff.id,
  employeeNo: staff.employeeNo,
  name: staff.name,
  nameKana: staff.nameKana,
  email: staff.email,
  departmentId: staff.departmentId,
  departmentName: departments.name,
  jobCategoryId: staff.jobCategoryId,
  jobCategoryName: jobCategories.name,
  jobCategoryNameEn: jobCategories.nameEn,
  roles: staff.roles,
  locale: staff.locale,
  hiredOn: staff.hiredOn,
  retiredOn: staff.retiredOn,
  hasPassword: sql<boolean>`${staff.passwordHash} IS NOT NULL`,
  lastLoginAt: staff.lastLoginAt,
};

/** The scope is part of every query: a manager's rows are filtered in SQL, never afterwards. */
function scopeCondition(scope: RosterScope): SQL | undefined {
  if (scope.all) return undefined;
  if (scope.departmentIds.length === 0) return sql`false`;
  return inArray(staff.departmentId, scope.departmentIds);
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function listConditions(scope: RosterScope, q: StaffListQuery, today: string): SQL | undefined {
  const conditions: (SQL | undefined)[] = [scopeCondition(scope)];
  if (q.q) {
    const term = `%${escapeLike(q.q)}%`;
    conditions.push(or(ilike(staff.employeeNo, term), ilike(staff.name, term), ilike(staff.nameKana, term), ilike(staff.email, term)));
  }
  if (q.department) conditions.push(eq(staff.departmentId, q.department));
  if (q.jobCategory) conditions.push(eq(staff.jobCategoryId, q.jobCategory));
  if (q.role) conditions.push(sql`${q.role} = ANY(${staff.roles})`);
  if (q.status === 'active') conditions.push(or(isNull(staff.retiredOn), sql`${staff.retiredOn} > ${today}`));
  if (q.status === 'retired') conditions.push(and(isNotNull(staff.retiredOn), lte(staff.retiredOn, today)));
  return and(...conditions);
}

export async function listStaff(db: Database, scope: RosterScope, q: StaffListQuery, today: string) {
  const where = listConditions(scope, q, today);
  const [rows, [count]] = await Promise.all([
    db
      .select(staffColumns)
      .from(staff)
      .leftJoin(departments, eq(departments.id, staff.departmentId))
      .leftJoin(jobCategories, eq(jobCategories.id, staff.jobCategoryId))
      .where(where)
      .orderBy(asc(staff.employeeNo))
      .limit(PAGE_SIZE)
      .offset((q.page - 1) * PAGE_SIZE),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(staff)
      .where(where),
  ]);
  return { rows, total: count?.n ?? 0 };
}

/** Every staff row in scope, for export; ordered like the list. */
export function allStaff(db: Database, scope: RosterScope) {
  return db
    .select(staffColumns)
    .from(staff)
    .leftJoin(departments, eq(departments.id, staff.departmentId))
    .leftJoin(jobCategories, eq(jobCategories.id, staff.jobCategoryId))
    .where(scopeCondition(scope))
    .orderBy(asc(staff.employeeNo));
}

export type StaffRecord = Awaited<ReturnType<typeof listStaff>>['rows'][number];

export async function findStaff(db: Database, scope: RosterScope, id: number): Promise<StaffRecord | undefined> {
  const [row] = await db
    .select(staffColumns)
    .from(staff)
    .leftJoin(departments, eq(departments.id, staff.departmentId))
    .leftJoin(jobCategories, eq(jobCategories.id, staff.jobCategoryId))
    .where(and(eq(staff.id, id), scopeCondition(scope)))
    .limit(1);
  return row;
}

export async function insertStaff(db: Database, values: StaffInsert): Promise<number> {
  const [row] = await db.insert(staff).values(values).returning({ id: staff.id });
  return row!.id;
}

/** Many rows at once (a roster import), in chunks that stay under the driver's parameter limit. */
export async function insertStaffBatch(db: Database, values: StaffInsert[]): Promise<{ id: number; employeeNo: string }[]> {
  const out: { id: number; employeeNo: string }[] = [];
  for (let i = 0; i < values.length; i += 1000) {
    out.push(
      ...(await db
        .insert(staff)
        .values(values.slice(i, i + 1000))
        .returning({ id: staff.id, employeeNo: staff.employeeNo })),
    );
  }
  return out;
}

export async function updateStaff(db: Database, id: number, values: Partial<StaffInsert>, now: Date) {
  await db
    .update(staff)
    .set({ ...values, updatedAt: now })
    .where(eq(staff.id, id));
}

// --- account columns, written for auth (login counters, password, language, roles) ---

export async function recordLoginFailure(db: Database, id: number, lockThreshold: number, lockUntil: Date) {
  await db
    .update(staff)
    .set({
      failedLogins: sql`${staff.failedLogins} + 1`,
      lockedUntil: sql`CASE WHEN ${staff.failedLogins} + 1 >= ${lockThreshold} THEN ${lockUntil.toISOString()}::timestamptz ELSE ${staff.lockedUntil} END`,
    })
    .where(eq(staff.id, id));
}

export async function recordLoginSuccess(db: Database, id: number, at: Date) {
  await db.update(staff).set({ failedLogins: 0, lockedUntil: null, lastLoginAt: at }).where(eq(staff.id, id));
}

export async function setPasswordHash(db: Database, id: number, passwordHash: string, now: Date) {
  await db.update(staff).set({ passwordHash, failedLogins: 0, lockedUntil: null, updatedAt: now }).where(eq(staff.id, id));
}

export async function setLocale(db: Database, id: number, locale: string) {
  await db.update(staff).set({ locale }).where(eq(staff.id, id));
}

export async function grantRole(db: Database, id: number, role: string) {
  await db
    .update(staff)
    .set({ roles: sql`(SELECT array_agg(DISTINCT r) FROM unnest(array_append(${staff.roles}, ${role})) r)` })
    .where(eq(staff.id, id));
}

export async function managedDepartments(db: Database, staffId: number): Promise<number[]> {
  const rows = await db
    .select({ id: managerDepartments.departmentId })
    .from(managerDepartments)
    .where(eq(managerDepartments.staffId, staffId));
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

export async function replaceManagedDepartments(db: Database, staffId: number, departmentIds: number[]) {
  await db.delete(managerDepartments).where(eq(managerDepartments.staffId, staffId));
  if (departmentIds.length) {
    await db.insert(managerDepartments).values(departmentIds.map((departmentId) => ({ staffId, departmentId })));
  }
}

// --- departments and job categories ---

export function listDepartments(db: Database) {
  return db.select().from(departments).orderBy(asc(departments.sortOrder), asc(departments.name));
}

export function listJobCategories(db: Database) {
  return db.select().from(jobCategories).orderBy(asc(jobCategories.sortOrder), asc(jobCategories.name));
}

export async function departmentCounts(db: Database): Promise<Map<number, number>> {
  const rows = await db
    .select({ id: staff.departmentId, n: sql<number>`count(*)::int` })
    .from(staff)
    .where(isNull(staff.retiredOn))
    .groupBy(staff.departmentId);
  return new Map(rows.filter((r) => r.id !== null).map((r) => [r.id!, r.n]));
}

export async function jobCategoryCounts(db: Database): Promise<Map<number, number>> {
  const rows = await db
    .select({ id: staff.jobCategoryId, n: sql<number>`count(*)::int` })
    .from(staff)
    .where(isNull(staff.retiredOn))
    .groupBy(staff.jobCategoryId);
  return new Map(rows.filter((r) => r.id !== null).map((r) => [r.id!, r.n]));
}

export const namedTables = { department: departments, jobCategory: jobCategories } as const;
export type NamedKind = keyof typeof namedTables;

export async function findNamed(db: Database, kind: NamedKind, id: number) {
  const table = namedTables[kind];
  const [row] = await db.select().from(table).where(eq(table.id, id)).limit(1);
  return row as { id: number; name: string; nameEn?: string | null; sortOrder: number } | undefined;
}

export async function insertNamed(db: Database, kind: NamedKind, values: { name: string; nameEn?: string | null; sortOrder: number }) {
  if (kind === 'department') {
    const [row] = await db.insert(departments).values({ name: values.name, sortOrder: values.sortOrder }).returning({ id: departments.id });
    return row!.id;
  }
  const [row] = await db.insert(jobCategories).values(values).returning({ id: jobCategories.id });
  return row!.id;
}

/** Creates the named departments / job categories that are missing; returns name -> id for all. */
export async function ensureNamed(db: Database, kind: NamedKind, names: string[]): Promise<Map<string, number>> {
  const table = namedTables[kind];
  if (names.length) {
    await db
      .insert(table)
      .values(names.map((name) => ({ name })))
      .onConflictDoNothing();
  }
  const rows = await db.select({ id: table.id, name: table.name }).from(table);
  return new Map(rows.map((r) => [r.name, r.id]));
}

export async function updateNamed(
  db: Database,
  kind: NamedKind,
  id: number,
  values: { name: string; nameEn?: string | null; sortOrder: number },
  now: Date,
) {
  if (kind === 'department') {
    await db.update(departments).set({ name: values.name, sortOrder: values.sortOrder, updatedAt: now }).where(eq(departments.id, id));
  } else {
    await db
      .update(jobCategories)
      .set({ ...values, updatedAt: now })
      .where(eq(jobCategories.id, id));
  }
}

export async function rosterSummary(db: Database, scope: RosterScope, today: string) {
  const [row] = await db
    .select({
      active: sql<number>`count(*) FILTER (WHERE ${staff.retiredOn} IS NULL OR ${staff.retiredOn} > ${today})::int`,
      activeWithPassword: sql<number>`count(*) FILTER (WHERE (${staff.retiredOn} IS NULL OR ${staff.retiredOn} > ${today}) AND ${staff.passwordHash} IS NOT NULL)::int`,
      retired: sql<number>`count(*) FILTER (WHERE ${staff.retiredOn} <= ${today})::int`,
    })
    .from(staff)
    .where(scopeCondition(scope));
  return row ?? { active: 0, activeWithPassword: 0, retired: 0 };
}

export async function findIdByEmployeeNo(db: Database, employeeNo: string): Promise<number | undefined> {
  const [row] = await db.select({ id: staff.id }).from(staff).where(eq(staff.employeeNo, employeeNo)).limit(1);
  return row?.id;
}
