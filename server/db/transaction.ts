import type { Database } from './client';

/**
 * One unit of work: the transaction and the one clock its writes are stamped with. The caller
 * owns both, so every row and every audit entry a change writes carries the same instant.
 * `beforeCommit` steps run last, just before COMMIT: the audit chain appends there, so the
 * chain's lock is held only for the append and the commit, never for the work before it.
 */
export interface Work {
  readonly tx: Database;
  readonly now: Date;
  beforeCommit(step: (tx: Database) => Promise<void>): void;
}

export function withTransaction<T>(db: Database, now: Date, fn: (work: Work) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const steps: ((tx: Database) => Promise<void>)[] = [];
    const result = await fn({ tx, now, beforeCommit: (step) => void steps.push(step) });
    for (const step of steps) await step(tx);
    return result;
  });
}
