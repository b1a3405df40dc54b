import { z } from 'zod';
import { MAIL_STATUSES } from '../db/schema';

export const MAIL_LOG_PAGE_SIZE = 50;

const MailLogFilters = z.object({
  status: z
    .enum(MAIL_STATUSES)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});
/** A log URL is never refused: one that does not parse shows the latest mail. */
export const MailLogQuerySchema = MailLogFilters.catch(() => MailLogFilters.parse({}));
export type MailLogQuery = z.infer<typeof MailLogQuerySchema>;

export const TestMailSchema = z.object({
  to: z
    .string()
    .trim()
    .min(1, 'validation.required')
    .max(254, 'validation.tooLong')
    .pipe(z.email('validation.email'))
    .transform((v) => v.toLowerCase()),
});
