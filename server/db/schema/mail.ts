import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { staff } from './core';

export const MAIL_STATUSES = ['sending', 'sent', 'failed', 'dead'] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

/**
 * One row per mail the worker has tried to send (one outbox job of kind `mail.send`): to whom,
 * what about, and what happened. Never the body: a body may carry a password link, and this log
 * is read by officers and kept for years. `sending` is written before the SMTP conversation and
 * `sent` right after it (on PostgreSQL on a connection of its own, so it survives a claim that
 * fails to commit): a retry that finds `sent` does not send again.
 */
export const mailLog = pgTable(
  'mail_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    // The outbox job; no foreign key, so a later sweep of old outbox rows keeps the log.
    jobId: bigint('job_id', { mode: 'number' }).notNull(),
    messageId: text('message_id').notNull(),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    topic: text('topic').notNull(),
    staffId: integer('staff_id').references(() => staff.id),
    status: text('status').$type<MailStatus>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    // The SMTP server's last reply to an accepted message ("250 2.0.0 Ok: queued as …").
    smtpResponse: text('smtp_response'),
    queuedAt: timestamp('queued_at', { withTimezone: true }).notNull(),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('mail_log_job_key').on(t.jobId),
    // The log page: latest first.
    index('mail_log_recent_idx').on(t.lastAttemptAt, t.id),
    index('mail_log_staff_idx').on(t.staffId),
    index('mail_log_unsent_idx')
      .on(t.status)
      .where(sql`${t.status} <> 'sent'`),
  ],
);
