import { and, desc, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { mailLog, outbox, staff, type MailStatus } from '../db/schema';
import { MAIL_JOB } from './job';

export type MailLogRow = typeof mailLog.$inferSelect;

/** What the log keeps of one mail: never its body. */
export interface MailLogEntry {
  jobId: number;
  messageId: string;
  recipient: string;
  subject: string;
  topic: string;
  staffId: number | null;
  queuedAt: Date;
}

export async function findLogByJob(db: Database, jobId: number): Promise<MailLogRow | undefined> {
  const [row] = await db.select().from(mailLog).where(eq(mailLog.jobId, jobId)).limit(1);
  return row;
}

/** Before the SMTP conversation: this attempt is under way (its outcome unknown until `markSent`). */
export async function markSending(db: Database, entry: MailLogEntry, attempt: number, at: Date): Promise<void> {
  await db
    .insert(mailLog)
    .values({ ...entry, status: 'sending', attempts: attempt, lastAttemptAt: at })
    .onConflictDoUpdate({
      target: mailLog.jobId,
      set: { status: 'sending', attempts: attempt, lastAttemptAt: at },
      // A mail once recorded as sent stays sent, whatever a later run writes.
      setWhere: ne(mailLog.status, 'sent'),
    });
}

export async function markSent(db: Database, jobId: number, sent: { attempt: number; at: Date; response: string }): Promise<void> {
  await db
    .update(mailLog)
    .set({ status: 'sent', attempts: sent.attempt, sentAt: sent.at, smtpResponse: sent.response, lastError: null })
    .where(eq(mailLog.jobId, jobId));
}

/** After a failed run (in the worker's claim transaction). Never turns a sent mail into a failed one. */
export async function markFailed(
  db: Database,
  entry: MailLogEntry,
  failure: { attempt: number; at: Date; error: string; status: Extract<MailStatus, 'failed' | 'dead'> },
): Promise<void> {
  await db
    .insert(mailLog)
    .values({ ...entry, status: failure.status, attempts: failure.attempt, lastAttemptAt: failure.at, lastError: failure.error })
    .onConflictDoUpdate({
      target: mailLog.jobId,
      set: { status: failure.status, attempts: failure.attempt, lastAttemptAt: failure.at, lastError: failure.error },
      setWhere: ne(mailLog.status, 'sent'),
    });
}

/** When the job was queued: part of its Message-ID, so ids never repeat after a database is rebuilt. */
export async function jobCreatedAt(db: Database, jobId: number): Promise<Date | undefined> {
  const [row] = await db.select({ createdAt: outbox.createdAt }).from(outbox).where(eq(outbox.id, jobId)).limit(1);
  return row?.createdAt;
}

/**
 * Once a mail is sent its body (a password link, perhaps) has no reason to stay in the outbox,
 * which backups copy for years: it is replaced by a note, the envelope kept.
 */
export async function dropSentBody(db: Database, jobId: number, loggedSubject: string): Promise<void> {
  const kept = JSON.stringify({ text: '(sent; body removed)', subject: loggedSubject });
  await db
    .update(outbox)
    .set({ payload: sql`${outbox.payload} || ${kept}::jsonb` })
    .where(and(eq(outbox.id, jobId), eq(outbox.kind, MAIL_JOB)));
}

export interface MailCounts {
  /** Waiting for their first attempt (or for SMTP to be configured). */
  queued: number;
  /** Failed at least once, will be tried again. */
  retrying: number;
  /** Failed for the last time: kept, not tried again unless someone retries them. */
  dead: number;
  sent: number;
}

export async function counts(db: Database): Promise<MailCounts> {
  const [pending] = await db
    .select({
      queued: sql<number>`count(*) FILTER (WHERE ${outbox.doneAt} IS NULL AND ${outbox.deadAt} IS NULL AND ${outbox.attempts} = 0)::int`,
      retrying: sql<number>`count(*) FILTER (WHERE ${outbox.doneAt} IS NULL AND ${outbox.deadAt} IS NULL AND ${outbox.attempts} > 0)::int`,
      dead: sql<number>`count(*) FILTER (WHERE ${outbox.deadAt} IS NOT NULL AND ${outbox.doneAt} IS NULL)::int`,
    })
    .from(outbox)
    .where(and(eq(outbox.kind, MAIL_JOB), isNull(outbox.doneAt)));
  const [sent] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(mailLog)
    .where(eq(mailLog.status, 'sent'));
  return { queued: pending?.queued ?? 0, retrying: pending?.retrying ?? 0, dead: pending?.dead ?? 0, sent: sent?.n ?? 0 };
}

export interface MailLogListRow extends MailLogRow {
  staffName: string | null;
  /** The outbox job's next run, when it is still pending. */
  retryAt: Date | null;
  /** Whether the job can be retried now (failed, not sent, not already due). */
  retryable: boolean;
}

export async function listLog(
  db: Database,
  opts: { status?: MailStatus; limit: number; offset: number },
): Promise<{ rows: MailLogListRow[]; total: number }> {
  const where = opts.status ? eq(mailLog.status, opts.status) : undefined;
  const rows = await db
    .select({
      log: mailLog,
      staffName: staff.name,
      runAfter: outbox.runAfter,
      doneAt: outbox.doneAt,
      deadAt: outbox.deadAt,
    })
    .from(mailLog)
    .leftJoin(staff, eq(staff.id, mailLog.staffId))
    .leftJoin(outbox, eq(outbox.id, mailLog.jobId))
    .where(where)
    .orderBy(desc(mailLog.lastAttemptAt), desc(mailLog.id))
    .limit(opts.limit)
    .offset(opts.offset);
  const [total] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(mailLog)
    .where(where);
  return {
    rows: rows.map((r) => ({
      ...r.log,
      staffName: r.staffName,
      retryAt: r.doneAt || r.deadAt ? null : r.runAfter,
      retryable: (r.log.status === 'failed' || r.log.status === 'dead') && r.doneAt === null && r.runAfter !== null,
    })),
    total: total?.n ?? 0,
  };
}

/** A pending or dead mail job, for "retry now". */
export async function findRetryableJob(db: Database, jobId: number) {
  const [row] = await db
    .select({ id: outbox.id, attempts: outbox.attempts, deadAt: outbox.deadAt, runAfter: outbox.runAfter, log: mailLog })
    .from(outbox)
    .innerJoin(mailLog, eq(mailLog.jobId, outbox.id))
    .where(and(eq(outbox.id, jobId), eq(outbox.kind, MAIL_JOB), isNull(outbox.doneAt), ne(mailLog.status, 'sent')))
    .for('update', { of: outbox })
    .limit(1);
  return row;
}

/**
 * Due now, and alive again if it was dead: it gets one more attempt (its attempt count stays, so
 * a dead job that fails again is dead again at once rather than getting the full series anew).
 */
export async function makeDueNow(db: Database, jobId: number, now: Date): Promise<void> {
  await db
    .update(outbox)
    .set({ runAfter: now, deadAt: null })
    .where(and(eq(outbox.id, jobId), eq(outbox.kind, MAIL_JOB), isNull(outbox.doneAt)));
}

/** Every failed or given-up mail due now (after an SMTP outage); returns how many. */
export async function makeAllFailedDueNow(db: Database, now: Date): Promise<number> {
  const rows = await db
    .update(outbox)
    .set({ runAfter: now, deadAt: null })
    .where(and(eq(outbox.kind, MAIL_JOB), isNull(outbox.doneAt), sql`(${outbox.deadAt} IS NOT NULL OR ${outbox.attempts} > 0)`))
    .returning({ id: outbox.id });
  return rows.length;
}

/**
 * Many mail jobs in one statement per chunk (a reminder run queues thousands): the same rows
 * `enqueue` writes, due at the unit of work's instant. The payloads travel as one jsonb
 * parameter; building a many-row VALUES list cost about 0.7 ms a row. Ids come back in the
 * order given: one sequence, rows taken in their array order.
 */
export async function insertMailJobs(db: Database, payloads: Record<string, unknown>[], now: Date): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < payloads.length; i += 5000) {
    const chunk = JSON.stringify(payloads.slice(i, i + 5000));
    const result = (await db.execute(sql`
      INSERT INTO ${outbox} (kind, payload, run_after, created_at)
      SELECT ${MAIL_JOB}, t.p, ${now}, ${now} FROM jsonb_array_elements(${chunk}::jsonb) WITH ORDINALITY AS t(p, n) ORDER BY t.n
      RETURNING id`)) as unknown as { rows: { id: number | string }[] };
    ids.push(...result.rows.map((r) => Number(r.id)).sort((a, b) => a - b));
  }
  return ids;
}
