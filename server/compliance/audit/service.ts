import crypto from 'node:crypto';
import type { Database } from '../../db/client';
import type { Work } from '../../db/transaction';
import * as repo from './repository';

export interface AuditEvent {
  actorId: number | null;
  action: string;
  subjectType: string;
  subjectId?: string | number | null;
  details?: Record<string, unknown>;
}

const GENESIS = '0'.repeat(64);

/** JSON with keys sorted at every level: jsonb reorders keys, the hash must not care. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function entryHash(row: Omit<repo.AuditRow, 'hash'>): string {
  const body = canonical({
    seq: row.seq,
    at: row.at.toISOString(),
    actorId: row.actorId,
    action: row.action,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    details: row.details,
  });
  return crypto.createHash('sha256').update(row.prevHash).update('\n').update(body).digest('hex');
}

const pendingOf = new WeakMap<Work, AuditEvent[]>();

/**
 * Records events of a unit of work, stamped with its clock. They are appended to the hash chain
 * just before the work commits (Work.beforeCommit), so the change and its entries commit or roll
 * back together, and the chain's lock is held only for the append and the commit: an audited
 * write waits on another only for that long, never for the other's whole transaction.
 */
export function recordAudit(work: Work, events: AuditEvent[]): void {
  if (events.length === 0) return;
  let pending = pendingOf.get(work);
  if (!pending) {
    const queued: AuditEvent[] = [];
    pending = queued;
    pendingOf.set(work, queued);
    work.beforeCommit((tx) => appendToChain(tx, queued, work.now));
  }
  pending.push(...events);
}

async function appendToChain(tx: Database, events: AuditEvent[], at: Date): Promise<void> {
  if (events.length === 0) return;
  const head = await repo.lockChainHead(tx);
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS;
  const rows: repo.AuditRow[] = events.map((e) => {
    seq += 1;
    const row = {
      seq,
      at,
      actorId: e.actorId,
      action: e.action,
      subjectType: e.subjectType,
      subjectId: e.subjectId == null ? null : String(e.subjectId),
      // Round-trip through JSON so what is hashed is exactly what jsonb gives back.
      details: JSON.parse(JSON.stringify(e.details ?? {})) as unknown,
      prevHash,
    };
    const hash = entryHash(row);
    prevHash = hash;
    return { ...row, hash };
  });
  await repo.insertEntries(tx, rows);
}

export interface ChainVerification {
  ok: boolean;
  entries: number;
  headHash: string;
  brokenAtSeq?: number;
  reason?: string;
}

/** Recomputes every hash from the first entry; reports the first entry that does not match. */
export async function verifyAuditChain(db: Database): Promise<ChainVerification> {
  let prevHash = GENESIS;
  let expectedSeq = 1;
  let entries = 0;
  for (;;) {
    const page = await repo.pageAfter(db, expectedSeq - 1, 5000);
    if (page.length === 0) break;
    for (const row of page) {
      if (row.seq !== expectedSeq) {
        return { ok: false, entries, headHash: prevHash, brokenAtSeq: expectedSeq, reason: 'missing entry' };
      }
      if (row.prevHash !== prevHash || entryHash(row) !== row.hash) {
        return { ok: false, entries, headHash: prevHash, brokenAtSeq: row.seq, reason: 'hash mismatch' };
      }
      prevHash = row.hash;
      expectedSeq += 1;
      entries += 1;
    }
  }
  return { ok: true, entries, headHash: prevHash };
}

/** The latest entries about one record, for its page. */
export async function historyOf(db: Database, subjectType: string, subjectId: string | number, limit = 20) {
  return repo.listForSubject(db, subjectType, String(subjectId), limit);
}

export const recentEntries = (db: Database, limit: number) => repo.recent(db, limit);
