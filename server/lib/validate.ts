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

/**
 * Re-renders a form with its field messages (status 400). A route that takes a form names one in
 * `validate(Schema, { form })`; the one error handler calls it for every ValidationError of that
 * request, the schema's and the service's alike (a duplicate e-mail, say), so no route catches.
 */
export type FormRenderer = (req: Request, res: Response, errors: FieldErrors) => unknown;

export interface ValidateOptions {
  /** Where the input is: the parsed body (default) or the query string. */
  source?: 'body' | 'query';
  form?: FormRenderer;
}

/**
 * The first step of every route that takes input: parses it with the route's zod schema and
 * stores the typed result for `input(res, Schema)`. A failure goes to the error handler as a
 * ValidationError: the form again (when the route has one), else JSON 400 or the error page.
 */
export function validate<S extends z.ZodType>(schema: S, opts: ValidateOptions = {}) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (opts.form) {
      const form = opts.form;
      const params = req.params;
      // The error handler runs outside this route, where Express has reset req.params: the form
      // (an edit form needs its record's id) is rendered with the route's own params again.
      const rerender: FormRenderer = (r, s, errors) => {
        r.params = params;
        return form(r, s, errors);
      };
      res.locals.rerenderForm = rerender;
    }
    const parsed = parseWith(schema, opts.source === 'query' ? req.query : (req.body ?? {}));
    if (!parsed.ok) return next(new ValidationError(parsed.errors));
    res.locals.input = parsed.data;
    next();
  };
}

/** What `validate` stored, typed by the same schema. */
export function input<S extends z.ZodType>(res: Response, _schema: S): z.infer<S> {
  return res.locals.input as z.infer<S>;
}

// Shared field shapes, so every form says the same thing about the same kind of value.
export const fields = {
  requiredText: (max: number) => z.string().trim().min(1, 'validation.required').max(max, 'validation.tooLong'),
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
};

const PositiveId = z.coerce.number().int().positive().max(2_147_483_647);

/** A numeric id from the path; anything else answers 404, exactly like an id that does not exist. */
export function idParam(params: Record<string, unknown>, name = 'id'): number {
  const parsed = PositiveId.safeParse(params[name]);
  if (!parsed.success) throw notFound();
  return parsed.data;
}
