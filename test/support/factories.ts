import crypto from 'node:crypto';
import { hashPassword } from '../../server/auth/passwords';
import type { Database } from '../../server/db/client';
import { departments, jobCategories, managerDepartments, staff, type Role } from '../../server/db/schema';

let seq = 0;
const next = () => `${Date.now().toString(36)}${(++seq).toString(36)}${crypto.randomBytes(2).toString('hex')}`;

export async function makeDepartment(db: Database, name = `部署-${next()}`) {
  const [row] = await db.insert(departments).values({ name }).returning();
  return row!;
}

export async function makeJobCategory(db: Database, name = `職種-${next()}`) {
  const [row] = await db.insert(jobCategories).values({ name }).returning();
  return row!;
}

// Hashing is slow on purpose; tests share one hash per distinct password.
const hashes = new Map<string, Promise<string>>();
const hashOf = (password: string) => {
  if (!hashes.has(password)) hashes.set(password, hashPassword(password));
  return hashes.get(password)!;
};

export const DEFAULT_PASSWORD = 'correct-horse-battery';

export interface StaffOverrides {
  employeeNo?: string;
  name?: string;
  email?: string | null;
  roles?: Role[];
  password?: string | null;
  departmentId?: number | null;
  jobCategoryId?: number | null;
  retiredOn?: string | null;
  manages?: number[];
}

/** A staff member with their own department and job category unless given. */
export async function makeStaff(db: Database, o: StaffOverrides = {}) {
  const departmentId = o.departmentId === undefined ? (await makeDepartment(db)).id : o.departmentId;
  const jobCategoryId = o.jobCategoryId === undefined ? (await makeJobCategory(db)).id : o.jobCategoryId;
  const password = o.password === undefined ? DEFAULT_PASSWORD : o.password;
  const id = next();
  const [row] = await db
    .insert(staff)
    .values({
      employeeNo: o.employeeNo ?? `E${id}`,
      name: o.name ?? `職員 ${id}`,
      email: o.email === undefined ? `${id}@hospital.example.jp` : o.email,
      roles: o.roles ?? ['staff'],
      passwordHash: password === null ? null : await hashOf(password),
      departmentId,
      jobCategoryId,
      retiredOn: o.retiredOn ?? null,
    })
    .returning();
  if (o.manages?.length) {
    await db.insert(managerDepartments).values(o.manages.map((d) => ({ staffId: row!.id, departmentId: d })));
  }
  return { ...row!, password: password ?? '' };
}

export const makeAdmin = (db: Database, o: StaffOverrides = {}) => makeStaff(db, { roles: ['staff', 'admin'], ...o });
export const makeOfficer = (db: Database, o: StaffOverrides = {}) => makeStaff(db, { roles: ['staff', 'officer'], ...o });
