import { z } from 'zod';
import { ROLES } from '../db/schema';
import { PASSWORD_MAX_LENGTH } from '../auth/passwords';
import { fields } from '../lib/validate';

const StaffListFilters = z.object({
  q: z.string().trim().max(100).optional().default(''),
  department: fields.optionalId,
  jobCategory: fields.optionalId,
  role: z
    .enum(ROLES)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  status: z.enum(['active', 'retired', 'all']).default('active'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});
/** A list URL is never refused: one that does not parse shows the default list (active staff, page 1). */
export const StaffListQuerySchema = StaffListFilters.catch(() => StaffListFilters.parse({}));
export type StaffListQuery = z.infer<typeof StaffListQuerySchema>;

const roleList = z
  .union([z.enum(ROLES), z.array(z.enum(ROLES, 'validation.invalid'))])
  .optional()
  .transform((v) => {
    const roles = new Set(v === undefined ? [] : Array.isArray(v) ? v : [v]);
    roles.add('staff'); // everyone trains, whatever else they do
    return [...roles];
  });

/**
 * The acting user's own password, asked for by acts that hand out power (granting the officer or
 * admin role, a password link for such a person); empty means not given. Checked by auth, never stored.
 */
const actingPassword = z
  .string()
  .max(PASSWORD_MAX_LENGTH, 'validation.tooLong')
  .optional()
  .transform((v) => (v ? v : undefined));

export const StaffFormSchema = z.object({
  employeeNo: z
    .string()
    .transform((v) => v.normalize('NFKC').trim())
    .pipe(
      z
        .string()
        .min(1, 'validation.required')
        .max(32, 'validation.tooLong')
        .regex(/^[0-9A-Za-z_-]+$/, 'validation.employeeNo'),
    ),
  name: fields.requiredText(100),
  nameKana: fields.optionalText(100),
  email: fields.optionalEmail,
  departmentId: fields.optionalId,
  jobCategoryId: fields.optionalId,
  roles: roleList,
  managedDepartmentIds: fields.idList,
  locale: z.enum(['ja', 'en']).default('ja'),
  hiredOn: fields.optionalDate,
  currentPassword: actingPassword,
});
export type StaffFormInput = z.infer<typeof StaffFormSchema>;

/** Issuing a password link: the issuer's own password, which only a link for an officer or administrator needs. */
export const PasswordLinkSchema = z.object({ currentPassword: actingPassword });
export type PasswordLinkInput = z.infer<typeof PasswordLinkSchema>;

export const RetireSchema = z.object({
  retiredOn: z.iso.date('validation.date'),
});

export const NamedItemSchema = z.object({
  name: fields.requiredText(100),
  nameEn: fields.optionalText(100),
  sortOrder: z.coerce.number().int().min(0).max(100000).default(0),
});
export type NamedItemInput = z.infer<typeof NamedItemSchema>;
