import { z } from 'zod';
import { PASSWORD_MAX_LENGTH } from '../auth/passwords';
import { fields } from '../lib/validate';

/** How long an invitation works unless the issuer chooses otherwise: a roll-out takes weeks, not the 72 hours of a single password link. */
export const DEFAULT_VALID_DAYS = 14;
export const MAX_VALID_DAYS = 60;

const ActivationFilters = z.object({
  department: fields.optionalId,
  status: z.enum(['all', 'pending', 'activated']).default('all'),
});
/** A list URL is never refused: one that does not parse shows the whole roster. */
export const ActivationQuerySchema = ActivationFilters.catch(() => ActivationFilters.parse({}));
export type ActivationQuery = z.infer<typeof ActivationQuerySchema>;

export const IssueSchema = z.object({
  departmentId: fields.optionalId,
  // notInvited: only those with no live invitation (slips already handed out keep working);
  // all: everyone not yet activated, replacing their earlier invitations.
  include: z.enum(['notInvited', 'all'], 'validation.invalid').default('notInvited'),
  // auto: e-mail to those with an address, slips for the others; slips: slips for everyone.
  delivery: z.enum(['auto', 'slips'], 'validation.invalid').default('auto'),
  validDays: z.coerce
    .number('validation.integer')
    .int('validation.integer')
    .min(1, 'validation.invalid')
    .max(MAX_VALID_DAYS, 'validation.tooLarge')
    .default(DEFAULT_VALID_DAYS),
  // The issuer's own password: needed only when the selection holds an officer or administrator.
  currentPassword: z
    .string()
    .max(PASSWORD_MAX_LENGTH, 'validation.tooLong')
    .optional()
    .transform((v) => (v ? v : undefined)),
});
export type IssueInput = z.infer<typeof IssueSchema>;

/** A code typed into the form (or read from the slip's address); its shape is checked by codes.ts. */
export const CodeQuerySchema = z.object({ code: z.string().max(64).optional() }).catch({ code: undefined });
