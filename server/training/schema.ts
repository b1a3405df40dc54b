import { z } from 'zod';
import { EXEMPTION_KINDS, REQUIREMENT_KINDS, ROLES } from '../db/schema';
import { fields } from '../lib/validate';
import { ASSIGNMENT_STATUSES } from './repository';

export const PlanFormSchema = z.object({
  fiscalYear: z.coerce
    .number('validation.invalid')
    .int('validation.invalid')
    .min(2000, 'validation.invalid')
    .max(2100, 'validation.invalid'),
  title: fields.requiredText(100),
});
export type PlanFormInput = z.infer<typeof PlanFormSchema>;

export const PlanTitleSchema = z.object({ title: fields.requiredText(100) });

/** Employee numbers typed one per line or separated by commas / spaces. */
const employeeNos = z
  .string()
  .optional()
  .transform((v) => [
    ...new Set(
      (v ?? '')
        .normalize('NFKC')
        .split(/[\s,、]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ])
  .pipe(z.array(z.string().max(32, 'validation.tooLong')).max(5000, 'validation.tooLong'));

const checkbox = z
  .union([z.literal('on'), z.literal('true'), z.literal('1'), z.literal(''), z.boolean()])
  .optional()
  .transform((v) => v === true || v === 'on' || v === 'true' || v === '1');

const managedRoles = ROLES.filter((r) => r !== 'staff') as [string, ...string[]];

export const RequirementFormSchema = z.object({
  kind: z.enum(REQUIREMENT_KINDS, 'validation.invalid'),
  courseId: fields.optionalId,
  title: fields.optionalText(100),
  dueOn: z.iso.date('validation.date'),
  joinDays: z.coerce.number('validation.invalid').int('validation.invalid').min(0, 'validation.invalid').max(366, 'validation.invalid'),
  audienceAll: checkbox,
  departmentIds: fields.idList,
  jobCategoryIds: fields.idList,
  roles: z
    .union([z.enum(managedRoles), z.array(z.enum(managedRoles, 'validation.invalid'))])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
  staffNos: employeeNos,
  excludedStaffNos: employeeNos,
  testConfirmed: checkbox,
});
export type RequirementFormInput = z.infer<typeof RequirementFormSchema>;

export const ExemptionSchema = z.object({
  kind: z.enum(EXEMPTION_KINDS, 'validation.invalid'),
  reason: fields.requiredText(500),
});

const AssignmentFilters = z.object({
  requirement: fields.optionalId,
  status: z
    .enum(ASSIGNMENT_STATUSES)
    .optional()
    .or(z.literal('').transform(() => undefined)),
});
/** A list URL is never refused: one that does not parse shows the whole list. */
export const AssignmentListQuerySchema = AssignmentFilters.catch(() => AssignmentFilters.parse({}));
