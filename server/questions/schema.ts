import { z } from 'zod';
import { fields } from '../lib/validate';
import { ANSWER_MAX, BODY_MAX, SUBJECT_MAX } from './limits';

/** Long text typed in a textarea: line ends kept (as \n), surrounding blank space trimmed. */
const longText = (max: number, tooLong: string) =>
  z
    .string('validation.required')
    .transform((v) => v.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().min(1, 'validation.required').max(max, tooLong));

/** Asking: a course (or none: the training in general), a subject and the question itself. */
export const AskSchema = z.object({
  courseId: fields.optionalId,
  // One line: control characters (a forged line break) would otherwise reach the mail's subject.
  subject: z
    .string('validation.required')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
    .transform((v) => v.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim())
    .pipe(z.string().min(1, 'validation.required').max(SUBJECT_MAX, 'questions.validation.subjectTooLong')),
  body: longText(BODY_MAX, 'questions.validation.bodyTooLong'),
});
export type AskInput = z.infer<typeof AskSchema>;

/** `?course=` on the form: a course id or slug (our courses' 「質問する」 names their slug). Never refused. */
export const AskFormQuerySchema = z.object({ course: z.string().trim().max(200).optional() }).catch(() => ({ course: undefined }));

/** An answer, or a correction of an earlier answer of the same question (never an edit of it). */
export const AnswerSchema = z.object({
  body: longText(ANSWER_MAX, 'questions.validation.answerTooLong'),
  correctsAnswerId: fields.optionalId,
});
export type AnswerInput = z.infer<typeof AnswerSchema>;

const QUESTION_STATUSES = ['open', 'answered', 'all'] as const;
export type QuestionStatusFilter = (typeof QUESTION_STATUSES)[number];

const ListFilters = z.object({
  status: z.enum(QUESTION_STATUSES).default('open'),
  course: z
    .union([z.literal('general'), fields.optionalId])
    .optional()
    .catch(undefined),
  year: z.coerce.number().int().min(2000).max(2200).optional().catch(undefined),
});
/** The officer's list: filters live in the URL; one that does not parse shows the default (open, this year). */
export const QuestionListQuerySchema = ListFilters.catch(() => ListFilters.parse({}));
export type QuestionListQuery = z.infer<typeof QuestionListQuerySchema>;

export const ExportQuerySchema = z.object({ year: z.coerce.number().int().min(2000).max(2200).optional().catch(undefined) });

/** The officer's setting: whether department heads may answer their own staff's questions. */
export const SettingsSchema = z.object({
  // A checkbox: present (its value) when ticked, absent when not.
  managersMayAnswer: z
    .enum(['1', 'on'], 'validation.invalid')
    .optional()
    .transform((v) => v !== undefined),
});
export type SettingsInput = z.infer<typeof SettingsSchema>;
