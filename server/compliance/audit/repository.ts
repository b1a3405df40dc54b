import { asc, desc, eq, gt, gte, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { auditCheckpoints, auditLog, staff } from '../../db/schema';

export type AuditRow = typeof auditLog.$inferSelect;
export type CheckpointRow = typeof auditCheckpoints.$inferSelect;

// One key for the chain: appenders queue behind each other inside their own transactions.
const AUDIT_CHAIN_LOCK = 727_002;

export async function lockChainHead(tx: Database): Promise<{ seq: number; hash: string } | undefined> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
  const [head] = await tx.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
  return head;
}

export async function insertEntries(tx: Database, rows: AuditRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await tx.insert(auditLog).values(rows.slice(i, i + 500));
  }
}

export async function entryAt(db: Database, seq: number): Promise<AuditRow | undefined> {
  const [row] = await db.select().from(auditLog).where(eq(auditLog.seq, seq));
  return row;
}

export function pageAfter(db: Database, afterSeq: number, limit: number): Promise<AuditRow[]> {
  return db.select().from(auditLog).where(gt(auditLog.seq, afterSeq)).orderBy(asc(auditLog.seq)).limit(limit);
}

export function listForSubject(db: Database, subjectType: string, subjectId: string, limit = 50) {
  return db
    .select()
    .from(auditLog)
    .where(sql`${auditLog.subjectType} = ${subjectType} AND ${auditLog.subjectId} = ${subjectId}`)
    .orderBy(desc(auditLog.seq))
    .limit(limit);
}

export function recent(db: Database, limit: number) {
  return db
    .select({
      seq: auditLog.seq,
      at: auditLog.at,
      actorId: auditLog.actorId,
      actorName: staff.name,
      action: auditLog.action,
      subjectType: auditLog.subjectType,
      subjectId: auditLog.subjectId,
      details: auditLog.details,
    })
    .from(auditLog)
    .leftJoin(staff, eq(staff.id, auditLog.actorId))
    .orderBy(desc(auditLog.seq))
    .limit(limit);
}

/** The checkpoint furthest along the chain: verification starts there. */
export async function latestCheckpoint(db: Database): Promise<CheckpointRow | undefined> {
  const [row] = await db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.seq), desc(auditCheckpoints.id)).limit(1);
  return row;
}

/** The latest run that recomputed every entry from the first. */
export async function latestFullWalk(db: Database): Promise<CheckpointRow | undefined> {
  const [row] = await db
    .select()
    .from(auditCheckpoints)
    .where(eq(auditCheckpoints.fullWalk, true))
    .orderBy(desc(auditCheckpoints.verifiedAt), desc(auditCheckpoints.id))
    .limit(1);
  return row;
}

export async function insertCheckpoint(db: Database, row: Omit<CheckpointRow, 'id'>): Promise<void> {
  await db.insert(auditCheckpoints).values(row);
}

/** A break found at `seq` disproves every checkpoint that covers it. */
export async function deleteCheckpointsFrom(db: Database, seq: number): Promise<void> {
  await db.delete(auditCheckpoints).where(gte(auditCheckpoints.seq, seq));
}
