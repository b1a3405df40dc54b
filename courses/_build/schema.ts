/** The shapes of a course's source files (see the course source format agreed with the authors). */
import { z } from 'zod';

const Id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and hyphens');
export const Text = z.object({ ja: z.string().trim().min(1), en: z.string().trim().min(1) });
export type LocalText = z.infer<typeof Text>;

export const ReferenceSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, - _ .'),
  title: Text,
  publisher: z.union([z.string().trim().min(1), Text]),
  date: z.string().trim().min(1),
  note: Text.optional(),
  url: z.string().optional(),
});

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
  })
  .superRefine((q, ctx) => {
    const ids = q.choices.map((c) => c.id);
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: `question ${q.id}: choice ids repeat` });
    const correct = ids.filter((id) => id === q.answer).length;
    if (correct !== 1) ctx.addIssue({ code: 'custom', message: `question ${q.id}: answer "${q.answer}" must name exactly one choice` });
  });
export type Question = z.infer<typeof QuestionSchema>;

export const MIN_BANK = 15;
export const QuestionBankSchema = z.array(QuestionSchema).min(MIN_BANK, `at least ${MIN_BANK} questions`);

/** Zod issues as "path: message" lines, so an author sees where in the file to look. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}
