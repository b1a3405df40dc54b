/** The outbox kind of every mail; its own module so the repository and the service share it without a cycle. */
export const MAIL_JOB = 'mail.send';
