import { z } from 'zod';
import { fields } from '../lib/validate';
import { DEFAULT_FISCAL_YEAR_START_MONTH } from '../training/fiscal-year';

export const HospitalProfileSchema = z.object({
  name: fields.requiredText(200),
  // 医療機関コード: 10 digits. Full-width digits from a Japanese IME are accepted and normalised.
  institutionCode: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v.normalize('NFKC').replace(/[-\s]/g, '') : undefined))
    .pipe(
      z
        .string()
        .regex(/^\d{10}$/, 'hospital.validation.institutionCode')
        .optional(),
    ),
  // A blank field must not coerce to 0 beds: the bed count decides which requirements apply.
  licensedBeds: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce.number({ message: 'validation.number' }).int('validation.integer').min(0, 'validation.min0').max(9999, 'validation.tooLarge'),
  ),
  fiscalYearStartMonth: z.coerce
    .number()
    .int()
    .min(1, 'validation.invalid')
    .max(12, 'validation.invalid')
    .default(DEFAULT_FISCAL_YEAR_START_MONTH),
});
export type HospitalProfileInput = z.infer<typeof HospitalProfileSchema>;
