/**
 * The SMTP side of mail: one nodemailer transport built from SMTP_URL. Nothing else in the app
 * talks SMTP; the outbox handler (handler.ts) is its only caller.
 */
import nodemailer from 'nodemailer';
import type { Config } from '../config';

/** One message as the handler hands it over: already rendered, addressed and numbered. */
export interface OutgoingMail {
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
  /** `<…@domain>`, the same on every attempt for one outbox job. */
  messageId: string;
}

export interface SendResult {
  /** The SMTP server's reply to the accepted message. */
  response: string;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<SendResult>;
  /** The server, for pages and logs: scheme, host and port, never the user or password. */
  readonly describe: string;
}

/**
 * Time limits on each step of the SMTP conversation. The send runs while the worker holds its
 * outbox row (and a database connection): a silent server must fail the attempt in seconds, not
 * in nodemailer's default 10 minutes, so the retry with backoff takes over.
 */
const TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 };

/** SMTP_URL without its credentials. */
export function describeSmtp(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid SMTP_URL)';
  }
}

/** The transport for SMTP_URL; undefined when mail is not configured (mail then waits in the outbox). */
export function createMailTransport(config: Config): MailTransport | undefined {
  const { url } = config.smtp;
  if (!url) return undefined;
  // A new connection per message (no pool): a server that went away and came back is simply
  // reached again next time, and nothing stays open between reminder runs.
  const transporter = nodemailer.createTransport({ url, ...TIMEOUTS });
  return {
    describe: describeSmtp(url),
    async send(mail) {
      const info = await transporter.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        messageId: mail.messageId,
        // UTF-8 throughout: nodemailer encodes the subject and the display name as RFC 2047
        // encoded-words and picks quoted-printable or base64 for the body, which every current
        // Japanese mail client reads (ISO-2022-JP is no longer needed for them).
        textEncoding: 'base64',
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
      return { response: String(info.response ?? '') };
    },
  };
}
