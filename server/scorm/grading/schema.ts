import { z } from 'zod';

export const PageIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/);

export const SubmitTestSchema = z.object({
  answers: z
    .array(z.object({ questionId: z.string().min(1).max(100), choice: z.string().min(1).max(20) }))
    .min(1)
    .max(100),
});
