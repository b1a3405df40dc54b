import { z } from 'zod';

export const ImportUploadSchema = z.object({
  encoding: z.enum(['auto', 'utf-8', 'shift_jis']).default('auto'),
  retireMissing: z
    .union([z.literal('on'), z.literal('1'), z.literal('true'), z.literal('')])
    .optional()
    .transform((v) => v !== undefined && v !== ''),
});
export type ImportUploadInput = z.infer<typeof ImportUploadSchema>;

export const PreviewQuerySchema = z.object({
  show: z.enum(['changes', 'create', 'update', 'retire', 'unchanged']).default('changes'),
});
