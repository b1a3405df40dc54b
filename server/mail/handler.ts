/**
 * The outbox handler of `mail.send`: sends one queued mail over SMTP and keeps the mail log.
 *
 * Exactly-once, as far as SMTP allows. The worker runs `run` inside the transaction that holds
 * the job's row (FOR UPDATE SKIP LOCKED): while one worker sends a mail no other worker, in this
 * process or another instance, can take the same job. What the row lock cannot cover is the
 * moment after the SMTP server accepted the message and before that transaction commits: a
 * connection lost there leaves the job pending, and its retry would send the mail again. So:
 *  - on PostgreSQL the log's `sending` and `sent` marks are written through the pool (another
 *    connection) and commit at once, outside the claim; a retry that finds `sent` marks the job
 *    done without sending. Only a failure between the server's "250 OK" and that one-row write
 *    (milliseconds) can still send twice;
 *  - on PGlite (one connection, one process) the marks are written in the claim's transaction:
 *    a commit there fails only with the process itself;
 *  - every attempt of one job carries the same Message-ID, so a mail sent twice in that window is
 *    recognisably the same message (the log says the earlier outcome was unknown).
 * Failures are logged by `failed`, which the worker runs after undoing `run`'s writes, in the
 * same transaction that schedules the retry.
 * On PostgreSQL a mail in flight briefly needs a second pool connection for its marks: keep the
 * worker's concurrency below the pool size (main.ts runs one lane on a pool of ten).
 */
import { z } from 'zod';
import type { Config } from '../config';
import type { DatabaseHandle } from '../db/client';
import type { Work } from '../db/transaction';
import { getHospitalProfile } from '../hospital/service';
import { translator, DEFAULT_LOCALE } from '../lib/i18n';
import type { Logger } from '../lib/log';
import type { Job, JobKind } from '../outbox/worker';
import * as repo from './repository';
import type { MailTransport } from './transport';

const MailPayload = z.object({
  to: z.string().trim().min(1),
  subject: z.string(),
  text: z.string(),
  topic: z.string().min(1).catch('other'),
  staffId: z.number().int().nullable().catch(null),
});
type MailPayload = z.infer<typeof MailPayload>;

/** Links (password links among them) never reach the log, whatever a subject or an error contains. */
export function withoutLinks(text: string): string {
  return text.replace(/\b(?:https?|ftp):\/\/\S+/gi, '(link)');
}

/** `<mamoru.{job}.{queued-at}@{MAIL_FROM's domain}>`: the same on every attempt, never reused after a rebuild. */
export function messageIdFor(jobId: number, queuedAt: Date, from: string): string {
  const domain = from.split('@')[1] || 'mamoru.invalid';
  return `<mamoru.${jobId}.${queuedAt.getTime().toString(36)}@${domain}>`;
}

export interface MailJobDeps {
  config: Config;
  database: DatabaseHandle;
  log: Logger;
  transport: MailTransport;
}

export function mailJobKind(deps: MailJobDeps): JobKind {
  const { config, database, log, transport } = deps;
  const from = config.smtp.from;
  if (!from) throw new Error('mailJobKind needs MAIL_FROM');
  // Where the log's marks go: see the file comment.
  const marks = (work: Work) => (database.driver === 'postgres' ? database.db : work.tx);

  async function entryOf(
    job: Job,
    work: Work,
    message: Pick<MailPayload, 'to' | 'subject' | 'topic' | 'staffId'>,
  ): Promise<repo.MailLogEntry> {
    const queuedAt = (await repo.jobCreatedAt(work.tx, job.id)) ?? work.now;
    return {
      jobId: job.id,
      messageId: messageIdFor(job.id, queuedAt, from!),
      recipient: message.to,
      subject: withoutLinks(message.subject),
      topic: message.topic,
      staffId: message.staffId,
      queuedAt,
    };
  }

  return {
    async run(job, work) {
      const message = MailPayload.parse(job.payload);
      const entry = await entryOf(job, work, message);
      const earlier = await repo.findLogByJob(marks(work), job.id);
      if (earlier?.status === 'sent') {
        // Sent by an earlier run whose claim did not commit: done, not sent again.
        log.warn({ jobId: job.id, messageId: entry.messageId }, 'mail was already sent by an earlier attempt; not sending it again');
        await repo.dropSentBody(work.tx, job.id, entry.subject);
        return;
      }
      if (earlier?.status === 'sending') {
        log.warn(
          { jobId: job.id, messageId: entry.messageId, attempt: job.attempt },
          'an earlier attempt of this mail ended without an outcome; sending again with the same Message-ID',
        );
      }
      await repo.markSending(marks(work), entry, job.attempt, work.now);
      const profile = await getHospitalProfile(work.tx);
      const result = await transport.send({
        from: { name: profile?.name || translator(DEFAULT_LOCALE)('app.name'), address: from! },
        to: message.to,
        subject: message.subject,
        text: message.text,
        messageId: entry.messageId,
      });
      await repo.markSent(marks(work), job.id, {
        attempt: job.attempt,
        at: work.now,
        response: withoutLinks(result.response).slice(0, 500),
      });
      await repo.dropSentBody(work.tx, job.id, entry.subject);
      log.info({ jobId: job.id, messageId: entry.messageId, topic: message.topic, attempt: job.attempt }, 'mail sent');
    },

    async failed(job, failure, work) {
      // A payload that does not parse still gets a log line, so the page shows the broken job.
      const parsed = MailPayload.safeParse(job.payload);
      const message = parsed.success ? parsed.data : { to: '(invalid)', subject: '(invalid payload)', topic: 'other', staffId: null };
      const entry = await entryOf(job, work, message);
      await repo.markFailed(work.tx, entry, {
        attempt: job.attempt,
        at: work.now,
        error: withoutLinks(failure.error),
        status: failure.dead ? 'dead' : 'failed',
      });
    },
  };
}
