import { z } from 'zod';

/** The upload's options; a form that does not parse imports with the defaults (detect, retire nobody). */
export const ImportUploadSchema = z
  .object({
    encoding: z.enum(['auto', 'utf-8', 'shift_jis']).default('auto'),
    retireMissing: z
      .union([z.literal('on'), z.literal('1'), z.literal('true'), z.literal('')])
      .optional()
      .transform((v) => v !== undefined && v !== ''),
  })
  .catch({ encoding: 'auto', retireMissing: false });
export type ImportUploadInput = z.infer<typeof ImportUploadSchema>;

/** Which actions the preview lists; anything unknown lists the changes. */
export const PreviewQuerySchema = z
  .object({
    show: z.enum(['changes', 'create', 'update', 'retire', 'unchanged']).default('changes'),
  })
  .catch({ show: 'changes' });
