import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { ValidationError, notFound, type FieldErrors } from './errors';

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

/** Schema messages are catalog keys (`validation.required`), translated when shown. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): Parsed<z.infer<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length ? issue.path.join('.') : '_form';
    (errors[field] ??= []).push(issue.message);
  }
  return { ok: false, errors };
}

/** For JSON endpoints and query strings: a failure answers 400 through the error handler. */
export function validate<S extends z.ZodType>(schema: S, source: 'body' | 'query' = 'body') {
  return (req: Request, res: Response, next: NextFunction) => {
    const parsed = parseWith(schema, req[source]);
    if (!parsed.ok) return next(new ValidationError(parsed.errors));
    res.locals[source === 'body' ? 'body' : 'query'] = parsed.data;
    next();
  };
}

/** Reads what `validate` stored, typed by the same schema. */
export function validated<S extends z.ZodType>(res: Response, _schema: S, source: 'body' | 'query' = 'body'): z.infer<S> {
  return res.locals[source === 'body' ? 'body' : 'query'] as z.infer<S>;
}

// Shared field shapes, so every form says the same thing about the same kind of value.
export const fields = {
  requiredText: (max: number) =>
    z.string().trim().min(1, 'validation.required').max(max, 'validation.tooLong'),
  optionalText: (max: number) =>
    z
      .string()
      .trim()
      .max(max, 'validation.tooLong')
      .optional()
      .transform((v) => (v ? v : undefined)),
  optionalEmail: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v.toLowerCase() : undefined))
    .pipe(z.email('validation.email').optional()),
  optionalDate: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .pipe(z.iso.date('validation.date').optional()),
  optionalId: z
    .union([z.string(), z.number()])
    .optional()
    .transform((v) => (v === '' || v === undefined ? undefined : Number(v)))
    .pipe(z.number().int('validation.invalid').positive('validation.invalid').optional()),
  idList: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter(Boolean).map(Number))
    .pipe(z.array(z.number().int().positive('validation.invalid'))),
  password: z.string().min(10, 'validation.passwordShort').max(200, 'validation.tooLong'),
};

const PositiveId = z.coerce.number().int().positive().max(2_147_483_647);

/** A numeric id from the path; anything else answers 404, exactly like an id that does not exist. */
export function idParam(params: Record<string, unknown>, name = 'id'): number {
  const parsed = PositiveId.safeParse(params[name]);
  if (!parsed.success) throw notFound();
  return parsed.data;
}
