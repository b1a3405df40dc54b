import { MAIL_STATUSES, type MailStatus } from '../db/schema';
import { localDateTime } from '../lib/dates';
import type { MessageKey, Translate } from '../lib/i18n';
import type { MailLogListRow } from './repository';
import { MAIL_LOG_PAGE_SIZE, type MailLogQuery } from './schema';

// Spelled out, not built from the status: a new status is a compile error here, not a raw key on the page.
const STATUS_LABELS: Record<MailStatus, MessageKey> = {
  sending: 'mail.status.sending',
  sent: 'mail.status.sent',
  failed: 'mail.status.failed',
  dead: 'mail.status.dead',
};

/** The status filter's options. */
export const presentStatusOptions = (t: Translate) => MAIL_STATUSES.map((s) => ({ value: s, label: t(STATUS_LABELS[s]) }));

/** A topic in words; a topic this page has no words for is shown as its code. */
function topicLabel(topic: string, t: Translate): string {
  const key = `mail.topic.${topic}`;
  const label = t(key);
  return label === key ? topic : label;
}

export function presentMailLogRow(r: MailLogListRow, t: Translate) {
  return {
    jobId: r.jobId,
    lastAttemptAt: localDateTime(r.lastAttemptAt),
    recipient: r.recipient,
    staffName: r.staffName,
    staffId: r.staffId,
    subject: r.subject,
    topic: topicLabel(r.topic, t),
    status: r.status,
    statusLabel: t(STATUS_LABELS[r.status]),
    attempts: r.attempts,
    lastError: r.status === 'sent' ? null : r.lastError,
    retryAt: r.status === 'failed' && r.retryAt ? t('mail.log.retryAt', { at: localDateTime(r.retryAt) }) : null,
    sentAt: r.sentAt ? localDateTime(r.sentAt) : null,
    retryable: r.retryable,
  };
}

export function presentMailPagination(q: MailLogQuery, total: number) {
  const pages = Math.max(1, Math.ceil(total / MAIL_LOG_PAGE_SIZE));
  const link = (page: number) => {
    const params = new URLSearchParams();
    if (q.status) params.set('status', q.status);
    if (page > 1) params.set('page', String(page));
    const s = params.toString();
    return `/admin/mail${s ? `?${s}` : ''}`;
  };
  return {
    total,
    page: q.page,
    pages,
    from: total === 0 ? 0 : (q.page - 1) * MAIL_LOG_PAGE_SIZE + 1,
    to: Math.min(total, q.page * MAIL_LOG_PAGE_SIZE),
    prev: q.page > 1 ? link(q.page - 1) : undefined,
    next: q.page < pages ? link(q.page + 1) : undefined,
  };
}
