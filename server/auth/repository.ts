import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { managerDepartments, oneTimeTokens, sessions, staff } from '../db/schema';

// Reads of the roster for signing in; every write to `staff` goes through the staff service
// (server/staff/service.ts), which owns the table. Sessions and one-time tokens are auth's own.

export type StaffRow = typeof staff.$inferSelect;

/** Staff who may sign in today: not retired, or retiring later. */
const activeOn = (day: string) => or(isNull(staff.retiredOn), gt(staff.retiredOn, day));

export async function findByLogin(db: Database, identifier: string): Promise<StaffRow | undefined> {
  const [row] = await db
    .select()
    .from(staff)
    .where(or(eq(staff.employeeNo, identifier), eq(sql`lower(${staff.email})`, identifier.toLowerCase())))
    .limit(1);
  return row;
}

export async function findActiveById(db: Database, id: number, today: string): Promise<StaffRow | undefined> {
  const [row] = await db
    .select()
    .from(staff)
    .where(and(eq(staff.id, id), activeOn(today)))
    .limit(1);
  return row;
}

export async function managedDepartmentIds(db: Database, staffId: number): Promise<number[]> {
  const rows = await db
    .select({ id: managerDepartments.departmentId })
    .from(managerDepartments)
    .where(eq(managerDepartments.staffId, staffId));
  return rows.map((r) => r.id);
}

export async function countAdmins(db: Database): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(staff)
    .where(sql`'admin' = ANY(${staff.roles}) AND ${staff.passwordHash} IS NOT NULL`);
  return row?.n ?? 0;
}

// --- one-time tokens ---

export async function insertToken(db: Database, row: typeof oneTimeTokens.$inferInsert) {
  await db.insert(oneTimeTokens).values(row);
}

export async function findUsableToken(db: Database, tokenHash: string, purpose: 'setup-admin' | 'set-password', now: Date) {
  const [row] = await db
    .select()
    .from(oneTimeTokens)
    .where(
      and(
        eq(oneTimeTokens.tokenHash, tokenHash),
        eq(oneTimeTokens.purpose, purpose),
        isNull(oneTimeTokens.usedAt),
        gt(oneTimeTokens.expiresAt, now),
      ),
    )
    .limit(1);
  return row;
}

/** Marks a token used; false when another request used it first. */
export async function consumeToken(db: Database, tokenHash: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(oneTimeTokens)
    .set({ usedAt: now })
    .where(and(eq(oneTimeTokens.tokenHash, tokenHash), isNull(oneTimeTokens.usedAt), gt(oneTimeTokens.expiresAt, now)))
    .returning({ tokenHash: oneTimeTokens.tokenHash });
  return rows.length === 1;
}

export async function revokeTokens(db: Database, purpose: 'setup-admin' | 'set-password', staffId: number | null, now: Date) {
  await db
    .update(oneTimeTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(oneTimeTokens.purpose, purpose),
        isNull(oneTimeTokens.usedAt),
        staffId === null ? isNull(oneTimeTokens.staffId) : eq(oneTimeTokens.staffId, staffId),
      ),
    );
}

// --- sessions ---

export async function getSession(db: Database, sid: string, now: Date) {
  const [row] = await db
    .select({ sess: sessions.sess })
    .from(sessions)
    .where(and(eq(sessions.sid, sid), gt(sessions.expiresAt, now)))
    .limit(1);
  return row?.sess;
}

export async function upsertSession(db: Database, sid: string, sess: unknown, expiresAt: Date) {
  await db.insert(sessions).values({ sid, sess, expiresAt }).onConflictDoUpdate({ target: sessions.sid, set: { sess, expiresAt } });
}

export async function touchSession(db: Database, sid: string, expiresAt: Date) {
  await db.update(sessions).set({ expiresAt }).where(eq(sessions.sid, sid));
}

export async function deleteSession(db: Database, sid: string) {
  await db.delete(sessions).where(eq(sessions.sid, sid));
}

export async function deleteExpiredSessions(db: Database, now: Date) {
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
}
