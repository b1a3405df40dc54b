import { and, eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { departments, jobCategories, rosterImports, staff } from '../../db/schema';
import type { CurrentStaff } from './plan';

// The import's own table (roster_imports) and a read of the roster to plan against. The roster's
// rows themselves are written through the staff service, which owns those tables.

export type RosterImportRow = typeof rosterImports.$inferSelect;

export async function insertImport(db: Database, values: typeof rosterImports.$inferInsert): Promise<number> {
  const [row] = await db.insert(rosterImports).values(values).returning({ id: rosterImports.id });
  return row!.id;
}

/** The row is locked for the rest of the transaction so two applies cannot both run. */
export async function findImportForUpdate(db: Database, id: number): Promise<RosterImportRow | undefined> {
  const [row] = await db.select().from(rosterImports).where(eq(rosterImports.id, id)).for('update').limit(1);
  return row;
}

export async function findImport(db: Database, id: number): Promise<RosterImportRow | undefined> {
  const [row] = await db.select().from(rosterImports).where(eq(rosterImports.id, id)).limit(1);
  return row;
}

export async function finishImport(db: Database, id: number, status: 'applied' | 'discarded', summary: unknown, at: Date) {
  await db
    .update(rosterImports)
    .set({ status, summary, appliedAt: status === 'applied' ? at : null })
    .where(and(eq(rosterImports.id, id), eq(rosterImports.status, 'previewed')));
}

export async function currentRoster(db: Database): Promise<{ staff: CurrentStaff[]; departments: string[]; jobCategories: string[] }> {
  // One after another: applyImport passes its transaction, and a transaction's single
  // connection cannot run queries concurrently (pg warns, and pg 9 will refuse).
  const people = await db
    .select({
      id: staff.id,
      employeeNo: staff.employeeNo,
      name: staff.name,
      nameKana: staff.nameKana,
      email: staff.email,
      department: departments.name,
      jobCategory: jobCategories.name,
      hiredOn: staff.hiredOn,
      retiredOn: staff.retiredOn,
      locale: staff.locale,
    })
    .from(staff)
    .leftJoin(departments, eq(departments.id, staff.departmentId))
    .leftJoin(jobCategories, eq(jobCategories.id, staff.jobCategoryId));
  const depts = await db.select({ id: departments.id, name: departments.name }).from(departments);
  const jobs = await db.select({ id: jobCategories.id, name: jobCategories.name }).from(jobCategories);
  return { staff: people, departments: depts.map((d) => d.name), jobCategories: jobs.map((j) => j.name) };
}
