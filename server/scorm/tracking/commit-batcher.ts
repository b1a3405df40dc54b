import type { Database } from '../../db/client';
import { isDatabaseUnavailable } from '../../lib/errors';
import * as repo from './repository';

interface Pending {
  write: repo.CommitWrite;
  resolve: (written: repo.WrittenCommit | undefined) => void;
  reject: (err: unknown) => void;
}

/** Commits of one batch statement: enough to amortise a statement, small enough to stay quick. */
const MAX_BATCH = 64;
/** Statements in flight at once: one being executed while the next is being sent and parsed. */
const MAX_IN_FLIGHT = 2;
/** PostgreSQL's deadlock_detected; possible only when several app instances share a database. */
const DEADLOCK = '40P01';

/**
 * Group commit for SCORM commits. Every learner's content commits every few seconds; one
 * statement and one transaction per commit would make PostgreSQL's per-statement and
 * per-transaction cost (parse, plan, WAL flush) the limit. Commits that arrive while a statement
 * is running wait for it and then go together as one statement: nothing is delayed when the
 * server is quiet, and under load each statement carries many commits. A commit is answered only
 * once its statement has committed, so an acknowledged commit is as durable as before.
 *
 * Two commits of the same attempt never share a statement, nor run in two statements at once:
 * each waits for the one before, so their sequence check sees the other's result. A statement
 * that fails is tried again commit by commit, so one learner's bad commit fails only itself.
 */
export class CommitBatcher {
  private queue: Pending[] = [];
  private inFlight = 0;
  private readonly busyAttempts = new Set<number>();

  constructor(
    private readonly db: Database,
    /** The batch statement; tests pass one that counts its calls. */
    private readonly writeBatch = repo.writeCommits,
  ) {}

  write(write: repo.CommitWrite): Promise<repo.WrittenCommit | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const batch: Pending[] = [];
      const waiting: Pending[] = [];
      for (const pending of this.queue) {
        const attemptId = pending.write.attemptId;
        if (batch.length < MAX_BATCH && !this.busyAttempts.has(attemptId)) {
          this.busyAttempts.add(attemptId);
          batch.push(pending);
        } else {
          waiting.push(pending);
        }
      }
      if (batch.length === 0) return;
      this.queue = waiting;
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        for (const pending of batch) this.busyAttempts.delete(pending.write.attemptId);
        this.pump();
      });
    }
  }

  private async run(batch: Pending[]): Promise<void> {
    try {
      const results = await this.statement(batch.map((p) => p.write));
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (err) {
      // One commit the database refuses (a value it cannot store, a constraint) fails the whole
      // statement, and with it every other learner's commit in the batch. So each is tried again
      // alone: the bad one fails by itself, the others are stored and acknowledged. Not when the
      // database cannot be reached: each alone would only fail the same way, slower.
      if (batch.length === 1 || isDatabaseUnavailable(err)) {
        for (const p of batch) p.reject(err);
        return;
      }
      await Promise.all(
        batch.map(async (p) => {
          try {
            const [result] = await this.statement([p.write]);
            p.resolve(result);
          } catch (alone) {
            p.reject(alone);
          }
        }),
      );
    }
  }

  /** One batch statement, tried once more after a deadlock (possible only between app instances). */
  private async statement(writes: repo.CommitWrite[]): Promise<(repo.WrittenCommit | undefined)[]> {
    try {
      return await this.writeBatch(this.db, writes);
    } catch (err) {
      if ((err as { code?: string }).code !== DEADLOCK) throw err;
      return await this.writeBatch(this.db, writes);
    }
  }
}

// One batcher per database handle: statements must go to the database the commit belongs to.
const batchers = new WeakMap<Database, CommitBatcher>();

export function commitBatcherOf(db: Database): CommitBatcher {
  let batcher = batchers.get(db);
  if (!batcher) {
    batcher = new CommitBatcher(db);
    batchers.set(db, batcher);
  }
  return batcher;
}
