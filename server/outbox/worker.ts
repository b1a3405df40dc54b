import type { Database } from '../db/client';
import { withTransaction, type Work } from '../db/transaction';
import { systemClock, type Clock } from '../lib/dates';
import type { Logger } from '../lib/log';
import * as repo from './repository';
import type { JobPayload } from './service';

export interface Job {
  id: number;
  kind: string;
  payload: JobPayload;
  /** This run's number: 1 the first time. */
  attempt: number;
}

/**
 * Runs one job. It runs inside the transaction that holds the job's row (in a savepoint), so the
 * database writes it makes through `work` commit together with the job being marked done, and a
 * throw undoes them and schedules a retry. Anything outside the database (a mail) may happen again
 * if the process dies before the commit: handlers must tolerate running twice.
 */
export type JobHandler = (job: Job, work: Work) => Promise<void>;

/** What the worker decided about a run that threw. */
export interface JobFailure {
  /** The error as stored in the job's last_error. */
  error: string;
  /** True when this was the last allowed attempt: the job is dead. */
  dead: boolean;
  /** When it runs again; null when dead. */
  retryAt: Date | null;
}

/**
 * A kind whose failures must leave a record of their own (the mail log): `failed` runs after a
 * throwing `run`, in the claim's transaction, after the savepoint with `run`'s writes was undone,
 * so what it writes commits together with the job's new attempt count and retry time.
 */
export interface JobKind {
  run: JobHandler;
  failed?: (job: Job, failure: JobFailure, work: Work) => Promise<void>;
}
export type JobHandlers = Readonly<Record<string, JobHandler | JobKind>>;

export interface RetryPolicy {
  /** Delay after the first failure; each further failure doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** After this many failed runs the job is dead: kept with its last error, never run again. */
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 10_000, maxDelayMs: 3_600_000, maxAttempts: 10 };

/** Exponential backoff: base, 2 x base, 4 x base, … never more than the cap. */
export function retryDelayMs(failedAttempts: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
}

export interface WorkerOptions {
  handlers: JobHandlers;
  log: Logger;
  clock?: Clock;
  /** Pause between looks when nothing was due. */
  pollMs?: number;
  /** Jobs this worker runs at the same time (each in its own transaction). */
  concurrency?: number;
  retry?: RetryPolicy;
}

export interface Worker {
  /** Starts the loop: drain what is due, wait pollMs, again. */
  start(): void;
  /** Ends the loop; resolves once the jobs in flight have finished (and committed). */
  stop(): Promise<void>;
  /** Runs every job due now, then resolves with how many ran. The loop calls it; so can tests. */
  drain(): Promise<number>;
}

const MAX_ERROR_LENGTH = 2000;

function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

/** The outbox worker of one app process. Several processes may each run one on one database. */
export function createWorker(db: Database, opts: WorkerOptions): Worker {
  const clock = opts.clock ?? systemClock;
  const pollMs = opts.pollMs ?? 1000;
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const retry = opts.retry ?? DEFAULT_RETRY;
  const kinds = Object.keys(opts.handlers);
  const log = opts.log;

  let stopping = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  /** Takes, runs and settles one due job; false when none was due. */
  async function runOne(): Promise<boolean> {
    const now = clock();
    return withTransaction(db, now, async (work) => {
      const row = await repo.claimNextDue(work.tx, kinds, now);
      if (!row) return false;
      const job: Job = { id: row.id, kind: row.kind, payload: row.payload as JobPayload, attempt: row.attempts + 1 };
      const entry = opts.handlers[row.kind]!;
      const kind: JobKind = typeof entry === 'function' ? { run: entry } : entry;
      try {
        // A savepoint: a throwing handler's writes are undone, the failure below is still recorded.
        await withTransaction(work.tx, now, (inner) => kind.run(job, inner));
      } catch (err) {
        const dead = job.attempt >= retry.maxAttempts;
        const runAfter = dead ? row.runAfter : new Date(now.getTime() + retryDelayMs(job.attempt, retry));
        const lastError = describeError(err);
        await repo.markFailed(work.tx, row.id, {
          attempts: job.attempt,
          lastError,
          runAfter,
          deadAt: dead ? now : null,
        });
        if (kind.failed) {
          const failed = kind.failed;
          try {
            // Its own savepoint: a failing record of the failure must not undo the retry schedule
            // (the job would be taken again at once, attempt uncounted, in a tight loop).
            await withTransaction(work.tx, now, (inner) => failed(job, { error: lastError, dead, retryAt: dead ? null : runAfter }, inner));
          } catch (hookErr) {
            log.error({ jobId: row.id, kind: row.kind, err: hookErr }, 'outbox job failed and recording its failure failed too');
          }
        }
        if (dead)
          log.error({ jobId: row.id, kind: row.kind, attempts: job.attempt, err }, 'outbox job failed for the last time; it is dead');
        else
          log.warn(
            { jobId: row.id, kind: row.kind, attempt: job.attempt, retryAt: runAfter.toISOString(), err },
            'outbox job failed; will retry',
          );
        return true;
      }
      await repo.markDone(work.tx, row.id, job.attempt, now);
      log.debug({ jobId: row.id, kind: row.kind, attempt: job.attempt }, 'outbox job done');
      return true;
    });
  }

  async function drain(): Promise<number> {
    if (kinds.length === 0) return 0;
    let ran = 0;
    const lane = async () => {
      // Checked between jobs, so a stop waits for the job in flight and takes no new one.
      while (!stopping && (await runOne())) ran += 1;
    };
    // Settled, not all: a lane that failed must not let stop() resolve while another still runs.
    const lanes = await Promise.allSettled(Array.from({ length: concurrency }, lane));
    const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failed) throw failed.reason;
    return ran;
  }

  async function run(): Promise<void> {
    while (!stopping) {
      try {
        await drain();
      } catch (err) {
        // The database being away is not the worker's to fix: log, wait, look again.
        log.warn({ err }, 'outbox worker could not drain; trying again after the poll interval');
      }
      if (stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  return {
    start() {
      if (loop) return;
      stopping = false;
      log.debug({ kinds, pollMs, concurrency }, 'outbox worker started');
      loop = run();
    },
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      loop = undefined;
    },
    drain,
  };
}
