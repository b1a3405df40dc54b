/**
 * Mail: every message goes through the outbox (kind `mail.send`), written in the same
 * transaction as the change that causes it, and is sent by the worker (handler.ts) with retries.
 */
import type { Viewer } from '../auth/policies';
import { recordAudit } from '../compliance/audit/service';
import type { Config } from '../config';
import type { Database } from '../db/client';
import type { MailStatus } from '../db/schema';
import { withTransaction, type Work } from '../db/transaction';
import { ValidationError, notFound } from '../lib/errors';
import { enqueue } from '../outbox/service';
import { mailComposer, type ComposeInput, type MailComposer } from './compose';
import { MAIL_JOB } from './job';
import * as repo from './repository';
import { describeSmtp } from './transport';

export { MAIL_JOB } from './job';
export { composerFor, mailComposer, type ComposeInput, type ComposedMail, type MailComposer } from './compose';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** What the message is about, for the mail log: 'reminder', 'invitation', 'question.answered', … */
  topic: string;
  /** The staff member it is for, when there is one. */
  staffId?: number | null;
}

/** Queues one message in the caller's unit of work; returns the outbox job id. */
export function queueMail(work: Work, message: MailMessage): Promise<number> {
  return enqueue(work, MAIL_JOB, { ...message, staffId: message.staffId ?? null });
}

/** Many messages in the caller's unit of work, a few statements in all; job ids in the same order. */
export function queueMails(work: Work, messages: MailMessage[]): Promise<number[]> {
  return repo.insertMailJobs(
    work.tx,
    messages.map((m) => JSON.parse(JSON.stringify({ ...m, staffId: m.staffId ?? null })) as Record<string, unknown>),
    work.now,
  );
}

export interface ComposedMailRequest extends ComposeInput {
  to: string;
  topic: string;
  staffId?: number | null;
}

/**
 * Renders (composer.compose) and queues one mail in the caller's unit of work. A reminder run
 * makes one composer (mailComposer) and calls this once per recipient.
 */
export function queueComposedMail(work: Work, composer: MailComposer, request: ComposedMailRequest): Promise<number> {
  const { to, topic, staffId, ...input } = request;
  const { subject, text } = composer.compose(input);
  return queueMail(work, { to, subject, text, topic, staffId: staffId ?? null });
}

export interface MailSettings {
  configured: boolean;
  /** The server without credentials. */
  server: string | undefined;
  from: string | undefined;
}

export function mailSettings(config: Config): MailSettings {
  return {
    configured: Boolean(config.smtp.url && config.smtp.from),
    server: config.smtp.url ? describeSmtp(config.smtp.url) : undefined,
    from: config.smtp.from,
  };
}

export const mailCounts = (db: Database) => repo.counts(db);

export const listMailLog = (db: Database, q: { status?: MailStatus; page: number; perPage: number }) =>
  repo.listLog(db, { status: q.status, limit: q.perPage, offset: (q.page - 1) * q.perPage });

/** A test message to any address, through the outbox like every mail; audited. */
export async function sendTestMail(db: Database, config: Config, actor: Viewer, to: string, now: Date): Promise<number> {
  // Shown at the form: queueing it would only add one more mail to a queue nothing drains.
  if (!mailSettings(config).configured) throw new ValidationError({ to: ['mail.test.notConfigured'] });
  const composer = await mailComposer(db, config);
  return withTransaction(db, now, async (work) => {
    const jobId = await queueComposedMail(work, composer, {
      to,
      topic: 'test',
      staffId: null,
      locale: actor.locale,
      subjectKey: 'mail.test.subject',
      bodyKey: 'mail.test.body',
      params: { sender: actor.name },
      linkPath: '/',
    });
    recordAudit(work, [{ actorId: actor.id, action: 'mail.test', subjectType: 'mail', subjectId: jobId, details: { to } }]);
    return jobId;
  });
}

/** Makes a failed (or given-up) mail due now; audited. Returns the recipient. */
export async function retryMailNow(db: Database, actor: Viewer, jobId: number, now: Date): Promise<string> {
  return withTransaction(db, now, async (work) => {
    const job = await repo.findRetryableJob(work.tx, jobId);
    if (!job) throw notFound();
    await repo.makeDueNow(work.tx, jobId, now);
    recordAudit(work, [
      {
        actorId: actor.id,
        action: 'mail.retry',
        subjectType: 'mail',
        subjectId: jobId,
        details: {
          to: job.log.recipient,
          subject: job.log.subject,
          topic: job.log.topic,
          attempts: job.attempts,
          wasGivenUp: job.deadAt !== null,
        },
      },
    ]);
    return job.log.recipient;
  });
}

/** After an SMTP outage: every failed or given-up mail due now, in one audited step. */
export async function retryAllFailedMail(db: Database, actor: Viewer, now: Date): Promise<number> {
  return withTransaction(db, now, async (work) => {
    const count = await repo.makeAllFailedDueNow(work.tx, now);
    if (count > 0) recordAudit(work, [{ actorId: actor.id, action: 'mail.retry-all', subjectType: 'mail', details: { count } }]);
    return count;
  });
}
