import type { Config } from '../config';
import type { DatabaseHandle } from '../db/client';
import type { Logger } from '../lib/log';
import { mailJobKind } from '../mail/handler';
import { MAIL_JOB } from '../mail/job';
import { createMailTransport, type MailTransport } from '../mail/transport';
import type { JobHandlers } from './worker';

export interface HandlerDeps {
  config: Config;
  database: DatabaseHandle;
  log: Logger;
  /** Tests pass their own; by default the SMTP transport of SMTP_URL. */
  mailTransport?: MailTransport;
}

/**
 * The job kinds this app runs, each with its handler: the one place a feature registers the
 * work it queues with `enqueue(work, kind, payload)`. A kind queued with no handler here waits
 * (no worker takes it): that is how mail behaves while SMTP_URL is unset, so nothing queued
 * before the mail server is configured is lost, and the mail page counts it as waiting.
 */
export function jobHandlers(deps: HandlerDeps): JobHandlers {
  const handlers: Record<string, JobHandlers[string]> = {};
  const transport = deps.mailTransport ?? createMailTransport(deps.config);
  if (transport) {
    handlers[MAIL_JOB] = mailJobKind({ ...deps, log: deps.log.child({ component: 'mail' }), transport });
  } else {
    deps.log.warn('mail is not configured (SMTP_URL, MAIL_FROM): mail waits in the outbox until it is');
  }
  return handlers;
}
