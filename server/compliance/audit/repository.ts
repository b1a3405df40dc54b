import { asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { auditLog, staff } from '../../db/schema';

export type AuditRow = typeof auditLog.$inferSelect;

// One key for the chain: appenders queue behind each other inside their own transactions.
const AUDIT_CHAIN_LOCK = 727_002;

export async function lockChainHead(tx: Database): Promise<{ seq: number; hash: string } | undefined> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
  const [head] = await tx
    .select({ seq: auditLog.seq, hash: auditLog.hash })
    .from(auditLog)
    .orderBy(desc(auditLog.seq))
    .limit(1);
  return head;
}

export async function insertEntries(tx: Database, rows: AuditRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await tx.insert(auditLog).values(rows.slice(i, i + 500));
  }
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
