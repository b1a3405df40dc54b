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
/** The fields that changed between two snapshots of a record, before and after: an audit entry's details. */
export function auditDiff(before: Record<string, unknown>, after: Record<string, unknown>) {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key];
      a[key] = after[key];
    }
  }
  return { before: b, after: a };
}

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
  /** Entries known intact: all of them when ok, else those before the break. */
  entries: number;
  headHash: string;
  brokenAtSeq?: number;
  reason?: string;
}

/**
 * Recomputes every hash from `firstSeq` on, starting from the hash the entry before it must have;
 * reports the first entry that does not match. `entries` counts from the first entry of the chain.
 */
async function walkFrom(db: Database, firstSeq: number, prevHashBefore: string): Promise<ChainVerification> {
  let prevHash = prevHashBefore;
  let expectedSeq = firstSeq;
  for (;;) {
    const page = await repo.pageAfter(db, expectedSeq - 1, 5000);
    if (page.length === 0) break;
    for (const row of page) {
      const entries = expectedSeq - 1;
      if (row.seq !== expectedSeq) return { ok: false, entries, headHash: prevHash, brokenAtSeq: expectedSeq, reason: 'missing entry' };
      if (row.prevHash !== prevHash || entryHash(row) !== row.hash)
        return { ok: false, entries, headHash: prevHash, brokenAtSeq: row.seq, reason: 'hash mismatch' };
      prevHash = row.hash;
      expectedSeq += 1;
    }
  }
  return { ok: true, entries: expectedSeq - 1, headHash: prevHash };
}

/** Recomputes every hash from the first entry; reports the first entry that does not match. Writes nothing. */
export function verifyAuditChain(db: Database): Promise<ChainVerification> {
  return walkFrom(db, 1, GENESIS);
}

/**
 * What `mamoru verify-audit` and the page's "verify everything" run: the whole walk, recorded.
 * Intact: a full-walk checkpoint at the head. Broken: the checkpoints the break disproves go,
 * so the page finds the break itself from then on instead of trusting them.
 */
export async function verifyWholeChain(db: Database, now: Date): Promise<ChainVerification> {
  const result = await verifyAuditChain(db);
  await settle(db, result, now, true, 0);
  return result;
}

export interface CheckpointSummary {
  seq: number;
  verifiedAt: Date;
  fullWalk: boolean;
}

export interface PageVerification extends ChainVerification {
  /** The checkpoint this verification started from; none means it walked the whole chain. */
  from?: CheckpointSummary;
  /** Entries whose hashes this run recomputed (the checkpoint's own entry included). */
  checked: number;
  /** The latest run that recomputed every entry from the first (this one, when `from` is unset). */
  lastFullWalk?: CheckpointSummary;
}

/**
 * The audit page's verification: from the latest checkpoint forward, not the whole chain per
 * view. The checkpoint's own entry is recomputed and must still carry the hash it had, so a
 * chain rewritten consistently from any earlier entry (which changes every later hash) is found;
 * an entry before the checkpoint edited without rewriting the rest is found only by the whole walk,
 * which is why the page says from where it verified and when the whole walk last ran.
 */
export async function verifyForPage(db: Database, now: Date): Promise<PageVerification> {
  const checkpoint = await repo.latestCheckpoint(db);
  let result: ChainVerification;
  if (!checkpoint) {
    result = await verifyAuditChain(db);
  } else {
    const anchor = await repo.entryAt(db, checkpoint.seq);
    // No hash was verified by this run: the head shown is none rather than one taken on trust.
    const before = { entries: checkpoint.seq - 1, headHash: '', brokenAtSeq: checkpoint.seq };
    if (!anchor) result = { ok: false, ...before, reason: 'missing entry' };
    else if (anchor.hash !== checkpoint.hash || entryHash(anchor) !== anchor.hash)
      result = { ok: false, ...before, reason: 'hash mismatch' };
    else result = await walkFrom(db, checkpoint.seq + 1, checkpoint.hash);
  }
  await settle(db, result, now, !checkpoint, checkpoint?.seq ?? 0);
  const checked = (result.ok ? result.entries : result.brokenAtSeq!) - (checkpoint ? checkpoint.seq - 1 : 0);
  const lastFullWalk = await repo.latestFullWalk(db);
  return {
    ...result,
    checked,
    ...(checkpoint ? { from: summary(checkpoint) } : {}),
    ...(lastFullWalk ? { lastFullWalk: summary(lastFullWalk) } : {}),
  };
}

const summary = (c: repo.CheckpointRow): CheckpointSummary => ({ seq: c.seq, verifiedAt: c.verifiedAt, fullWalk: c.fullWalk });

/** Records what a verification established: a checkpoint when it reached further, or the break. */
async function settle(db: Database, result: ChainVerification, now: Date, fullWalk: boolean, checkpointSeq: number): Promise<void> {
  if (!result.ok) {
    await repo.deleteCheckpointsFrom(db, result.brokenAtSeq!);
    return;
  }
  // A full walk is worth recording even with nothing new: it is the "last full walk" people see.
  if (result.entries > checkpointSeq || (fullWalk && result.entries > 0)) {
    await repo.insertCheckpoint(db, { seq: result.entries, hash: result.headHash, entries: result.entries, fullWalk, verifiedAt: now });
  }
}

/** The latest entries about one record, for its page. */
export async function historyOf(db: Database, subjectType: string, subjectId: string | number, limit = 20) {
  return repo.listForSubject(db, subjectType, String(subjectId), limit);
}

export const recentEntries = (db: Database, limit: number) => repo.recent(db, limit);
