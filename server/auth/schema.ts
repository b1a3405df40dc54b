import { z } from 'zod';
import { fields } from '../lib/validate';
import { NewPasswordField, PASSWORD_MAX_LENGTH } from './passwords';

export const LoginSchema = z.object({
  identifier: z.string().trim().min(1, 'validation.required').max(254, 'validation.tooLong'),
  password: z.string().min(1, 'validation.required').max(PASSWORD_MAX_LENGTH, 'validation.tooLong'),
});
export type LoginInput = z.infer<typeof LoginSchema>;

const newPassword = { password: NewPasswordField, passwordConfirm: z.string() };
const confirmed = (v: { password: string; passwordConfirm: string }) => v.password === v.passwordConfirm;
const mismatch = { path: ['passwordConfirm'], message: 'validation.passwordMismatch' };

export const SetupAdminSchema = z
  .object({
    employeeNo: fields.requiredText(32).regex(/^[0-9A-Za-z_-]+$/, 'validation.employeeNo'),
    name: fields.requiredText(100),
    email: fields.optionalEmail,
    ...newPassword,
  })
  .refine(confirmed, mismatch);
export type SetupAdminInput = z.infer<typeof SetupAdminSchema>;

export const SetPasswordSchema = z.object(newPassword).refine(confirmed, mismatch);

export const ChangePasswordSchema = z
  .object({ currentPassword: z.string().min(1, 'validation.required'), ...newPassword })
  .refine(confirmed, mismatch);

/** Never refused: anything unexpected switches to Japanese and returns to the home page. */
export const LocaleSchema = z
  .object({
    locale: z.enum(['ja', 'en']),
    returnTo: z.string().optional(),
  })
  .catch({ locale: 'ja' });
