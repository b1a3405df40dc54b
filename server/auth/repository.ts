import { and, eq, gt, inArray, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import { loginThrottles, managerDepartments, oneTimeTokens, sessions, staff, type Role } from '../db/schema';

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

/** The roles of a staff member, retired or not (undefined when there is no such row). */
export async function rolesOf(db: Database, id: number): Promise<Role[] | undefined> {
  const [row] = await db.select({ roles: staff.roles }).from(staff).where(eq(staff.id, id)).limit(1);
  return row?.roles as Role[] | undefined;
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

/**
 * Ends a person's sessions (all of them, or all but `exceptSid`): the rows go, so the next request
 * on any of them finds no session. Returns the ended ids, for the store's read cache.
 */
export async function deleteSessionsOf(db: Database, staffId: number, exceptSid?: string): Promise<string[]> {
  const ofPerson = sql`(${sessions.sess} -> 'passport' ->> 'user') = ${String(staffId)}`;
  const rows = await db
    .delete(sessions)
    .where(exceptSid ? and(ofPerson, ne(sessions.sid, exceptSid)) : ofPerson)
    .returning({ sid: sessions.sid });
  return rows.map((r) => r.sid);
}

// --- login throttles ---

export type ThrottleRow = typeof loginThrottles.$inferSelect;

export async function throttlesOf(db: Database, keys: string[]): Promise<ThrottleRow[]> {
  return db.select().from(loginThrottles).where(inArray(loginThrottles.key, keys));
}

export interface FailurePolicy {
  /** After this many failures the key waits before its next try is checked. */
  delayAfter: number;
  /** A key's failures are forgotten once it has been quiet this long after its last delay. */
  windowMs: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

/**
 * Counts one failure for a key in one statement, so instances counting at once never lose one.
 * A key quiet for `windowMs` (after its last delay) starts again from one; from its `delayAfter`th
 * failure on, the key waits firstDelayMs, doubling with each further failure, up to maxDelayMs.
 */
export async function countFailure(db: Database, key: string, policy: FailurePolicy, now: Date): Promise<void> {
  const at = sql`${now.toISOString()}::timestamptz`;
  const window = sql`(${policy.windowMs}::float8 * interval '1 millisecond')`;
  const after = sql`${policy.delayAfter}::int`;
  // Forgotten once quiet for a window after its last delay ended (not after its last failure: a
  // delay as long as the window would otherwise reset the count each time it ran out).
  const failures = sql`(CASE WHEN coalesce(${loginThrottles.blockedUntil}, ${loginThrottles.lastFailureAt}) + ${window} <= ${at} THEN 1 ELSE ${loginThrottles.failures} + 1 END)`;
  // The exponent stops at 30: the delay has long reached its cap by then, and power() stays finite.
  const delayMs = (n: SQL) =>
    sql`least(${policy.firstDelayMs}::float8 * power(2::float8, least(greatest(${n} - ${after}, 0), 30)), ${policy.maxDelayMs}::float8)`;
  const blockedUntil = (n: SQL) => sql`(CASE WHEN ${n} >= ${after} THEN ${at} + ${delayMs(n)} * interval '1 millisecond' ELSE NULL END)`;
  // The row matters until the count would be forgotten; past that it is swept.
  const expiresAt = (n: SQL) => sql`(coalesce(${blockedUntil(n)}, ${at}) + ${window})`;
  const first = sql`1`;
  await db
    .insert(loginThrottles)
    .values({ key, failures: 1, lastFailureAt: now, blockedUntil: blockedUntil(first), expiresAt: expiresAt(first) })
    .onConflictDoUpdate({
      target: loginThrottles.key,
      set: { failures, lastFailureAt: now, blockedUntil: blockedUntil(failures), expiresAt: expiresAt(failures) },
    });
}

export async function clearThrottle(db: Database, key: string) {
  await db.delete(loginThrottles).where(eq(loginThrottles.key, key));
}

export async function deleteExpiredThrottles(db: Database, now: Date) {
  await db.delete(loginThrottles).where(lt(loginThrottles.expiresAt, now));
}
