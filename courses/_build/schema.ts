/** The shapes of a course's source files (see the course source format agreed with the authors). */
import { z } from 'zod';

const Id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and hyphens');
export const Text = z.object({ ja: z.string().trim().min(1), en: z.string().trim().min(1) });
export type LocalText = z.infer<typeof Text>;

/** A calendar date written YYYY-MM-DD that exists (not 2026-02-30). */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a date written YYYY-MM-DD', abort: true })
  .refine((s) => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number];
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  }, 'not a real calendar date');

export const ReferenceSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, - _ .'),
  title: Text,
  publisher: z.union([z.string().trim().min(1), Text]),
  /** When the source was issued, as precisely as it is known ("2024", "2024-03-28"). */
  date: z.string().trim().min(1),
  /** When an author last checked the source itself: a learner (and an inspector) sees how current the citation is. */
  checked: IsoDate,
  /**
   * Its details are not confirmed from a primary text (e.g. only secondary reports of a revision):
   * the references page says so, and no question may cite it (see loadCourse).
   */
  unconfirmed: z.boolean().optional(),
  note: Text.optional(),
  url: z.string().optional(),
});
export type Reference = z.infer<typeof ReferenceSchema>;

export const CourseSchema = z.object({
  slug: Id,
  version: z.string().trim().min(1),
  title: Text,
  description: Text,
  audience: Text,
  minutes: z.number().int().min(1).max(120),
  pages: z.array(z.object({ id: Id, title: Text })).min(1),
  test: z.object({ draw: z.number().int().min(8, 'test.draw must be at least 8'), passPercent: z.number().int().min(1).max(100) }),
  references: z.array(ReferenceSchema).min(1),
});
export type CourseMeta = z.infer<typeof CourseSchema>;

export const QuestionSchema = z
  .object({
    id: Id,
    topic: z.string().optional(),
    prompt: Text,
    choices: z
      .array(z.object({ id: z.string().regex(/^[a-z0-9]+$/), text: Text }))
      .min(3)
      .max(4),
    answer: z.string(),
    explanation: Text,
    /** Reference ids (course.json) the right answer rests on; checked against the references in loadCourse. */
    sources: z.array(z.string().min(1)).min(1, 'cite at least one reference the answer rests on'),
  })
  .superRefine((q, ctx) => {
    const ids = q.choices.map((c) => c.id);
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: `question ${q.id}: choice ids repeat` });
    const correct = ids.filter((id) => id === q.answer).length;
    if (correct !== 1) ctx.addIssue({ code: 'custom', message: `question ${q.id}: answer "${q.answer}" must name exactly one choice` });
    const dup = q.sources.find((s, i, all) => all.indexOf(s) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['sources'], message: `question ${q.id}: source "${dup}" is cited twice` });
  });
export type Question = z.infer<typeof QuestionSchema>;

export const MIN_BANK = 15;
export const QuestionBankSchema = z.array(QuestionSchema).min(MIN_BANK, `at least ${MIN_BANK} questions`);

/** Zod issues as "path: message" lines, so an author sees where in the file to look. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}
