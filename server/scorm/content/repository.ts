import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { launchTokens, scos } from '../../db/schema';

export type LaunchTokenRow = typeof launchTokens.$inferSelect;
export type NewLaunchToken = Omit<typeof launchTokens.$inferInsert, 'id' | 'revokedAt'>;

export async function insertLaunchToken(db: Database, values: NewLaunchToken): Promise<void> {
  await db.insert(launchTokens).values(values);
}

/** A live token by its hash, with the SCO it opens (its launch path lives there). */
export async function findLiveLaunch(db: Database, tokenHash: string, now: Date) {
  const [row] = await db
    .select({ token: launchTokens, launchPath: scos.launchPath, launchQuery: scos.launchQuery })
    .from(launchTokens)
    .innerJoin(scos, eq(scos.id, launchTokens.scoId))
    .where(and(eq(launchTokens.tokenHash, tokenHash), isNull(launchTokens.revokedAt), sql`${launchTokens.expiresAt} > ${now}`))
    .limit(1);
  return row;
}

/** Ends the tokens of one SCO session (its Terminate): returns the hashes ended. */
export async function revokeSessionTokens(db: Database, attemptId: number, scoId: number, sessionNo: number, now: Date) {
  const rows = await db
    .update(launchTokens)
    .set({ revokedAt: now })
    .where(
      and(
        eq(launchTokens.attemptId, attemptId),
        eq(launchTokens.scoId, scoId),
        eq(launchTokens.sessionNo, sessionNo),
        isNull(launchTokens.revokedAt),
      ),
    )
    .returning({ tokenHash: launchTokens.tokenHash });
  return rows.map((r) => r.tokenHash);
}

/** Ends every live token of one person (sign-out, a new password): returns the hashes ended. */
/** A person's live tokens; with `loginSessionHash`, only that login session's (and those kept without one). */
export async function revokeStaffTokens(db: Database, staffId: number, now: Date, loginSessionHash?: string) {
  const rows = await db
    .update(launchTokens)
    .set({ revokedAt: now })
    .where(
      and(
        eq(launchTokens.staffId, staffId),
        isNull(launchTokens.revokedAt),
        sql`${launchTokens.expiresAt} > ${now}`,
        loginSessionHash ? or(eq(launchTokens.loginSessionHash, loginSessionHash), isNull(launchTokens.loginSessionHash)) : undefined,
      ),
    )
    .returning({ tokenHash: launchTokens.tokenHash });
  return rows.map((r) => r.tokenHash);
}

/** Tokens past use for a day are only clutter: nothing refers to them. */
export async function deleteDeadTokens(db: Database, before: Date): Promise<void> {
  await db.delete(launchTokens).where(or(lt(launchTokens.expiresAt, before), lt(launchTokens.revokedAt, before)));
}
