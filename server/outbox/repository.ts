import { and, asc, eq, inArray, isNull, lte } from 'drizzle-orm';
import type { Database } from '../db/client';
import { outbox } from '../db/schema';

export type OutboxRow = typeof outbox.$inferSelect;

export async function insertJob(tx: Database, job: { kind: string; payload: unknown; runAfter: Date; createdAt: Date }): Promise<number> {
  const [row] = await tx.insert(outbox).values(job).returning({ id: outbox.id });
  return row!.id;
}

/**
 * Takes the next due job of one of `kinds` and locks its row until the transaction ends. SKIP
 * LOCKED passes over rows another worker holds, so concurrent workers (in this process or in
 * other instances) each take a different row and none waits on another's job. Only kinds this
 * worker can run are taken: during a rolling upgrade an older instance leaves a newer kind alone.
 */
export async function claimNextDue(tx: Database, kinds: string[], now: Date): Promise<OutboxRow | undefined> {
  const [row] = await tx
    .select()
    .from(outbox)
    .where(and(isNull(outbox.doneAt), isNull(outbox.deadAt), lte(outbox.runAfter, now), inArray(outbox.kind, kinds)))
    .orderBy(asc(outbox.runAfter), asc(outbox.id))
    .limit(1)
    .for('update', { skipLocked: true });
  return row;
}

export async function markDone(tx: Database, id: number, attempts: number, at: Date): Promise<void> {
  await tx.update(outbox).set({ attempts, doneAt: at }).where(eq(outbox.id, id));
}

export async function markFailed(
  tx: Database,
  id: number,
  failure: { attempts: number; lastError: string; runAfter: Date; deadAt: Date | null },
): Promise<void> {
  await tx.update(outbox).set(failure).where(eq(outbox.id, id));
}

export function findJob(db: Database, id: number): Promise<OutboxRow | undefined> {
  return db
    .select()
    .from(outbox)
    .where(eq(outbox.id, id))
    .then((rows) => rows[0]);
}
