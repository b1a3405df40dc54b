import type { Database } from '../db/client';
import type { Work } from '../db/transaction';
import * as repo from './repository';

export type { OutboxRow } from './repository';

/** A job's payload: stored as jsonb, so plain JSON data only. */
export type JobPayload = Record<string, unknown>;

/**
 * Queues a job in the caller's unit of work: it is written by the same transaction as the change
 * that causes it, so it exists if and only if that change commits. It runs once the worker sees
 * it due (`runAfter`, by default the work's own instant).
 */
export function enqueue(work: Work, kind: string, payload: JobPayload, opts: { runAfter?: Date } = {}): Promise<number> {
  // Round-trip through JSON so the handler later sees exactly what jsonb kept (no Dates, no undefined).
  const stored = JSON.parse(JSON.stringify(payload)) as JobPayload;
  return repo.insertJob(work.tx, { kind, payload: stored, runAfter: opts.runAfter ?? work.now, createdAt: work.now });
}

/** One job's row, for tests and for a later page of dead jobs. */
export const findJob = (db: Database, id: number) => repo.findJob(db, id);
