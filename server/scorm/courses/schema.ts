import { z } from 'zod';
import { COMPLETION_RULES } from '../../db/schema';
import { fields } from '../../lib/validate';

export const UploadSchema = z.object({
  courseId: fields.optionalId,
  completionRule: z
    .enum(COMPLETION_RULES)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  // A checkbox sends "on" or nothing; API clients may say true/false. Anything else is refused, not read as "no".
  makeCurrent: z
    .enum(['on', 'true', '1', 'off', 'false', '0', ''])
    .optional()
    .transform((v) => v === 'on' || v === 'true' || v === '1'),
});

export const CourseSettingsSchema = z.object({
  title: fields.requiredText(200),
  attemptLimit: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? Number(v) : null))
    .pipe(z.number().int('validation.integer').min(1, 'validation.invalid').max(100, 'validation.tooLarge').nullable()),
});

export const SetVersionSchema = z.object({ versionId: z.coerce.number().int().positive() });
