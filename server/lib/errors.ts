/**
 * Errors are values with an HTTP status, a stable machine code and a catalog key for the
 * message a person reads. One handler (lib/error-handler.ts) renders them.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly messageKey: string,
    readonly params: Record<string, string | number> = {},
    readonly details?: unknown,
  ) {
    super(`${code}: ${messageKey}`);
    this.name = 'AppError';
  }
}

export interface FieldErrors {
  [field: string]: string[];
}

/** A request that failed its schema: the form is shown again with these messages. */
export class ValidationError extends AppError {
  constructor(
    readonly fieldErrors: FieldErrors,
    readonly formErrors: string[] = [],
  ) {
    super(400, 'validation_failed', 'errors.validation', {}, fieldErrors);
  }
}

// A record the user may not see answers exactly like a missing one, so ids cannot be probed.
export const notFound = () => new AppError(404, 'not_found', 'errors.notFound');
export const conflict = (messageKey: string, params: Record<string, string | number> = {}) =>
  new AppError(409, 'conflict', messageKey, params);
export const unauthenticated = () => new AppError(401, 'unauthenticated', 'errors.loginRequired');
export const forbidden = () => new AppError(403, 'forbidden', 'errors.forbidden');

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/** True when the error (or anything it wraps) says the database cannot be reached right now. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 6; depth++) {
    const x = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof x.code === 'string' && UNAVAILABLE_CODES.has(x.code)) return true;
    if (
      typeof x.message === 'string' &&
      /Connection terminated|timeout exceeded when trying to connect|PGlite is closed|Client has encountered a connection error/i.test(
        x.message,
      )
    ) {
      return true;
    }
    e = x.cause;
  }
  return false;
}

/** The violated unique constraint's name, when `err` (or what it wraps) is a unique violation. */
export function uniqueViolation(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const x = e as { code?: unknown; constraint?: unknown; cause?: unknown };
    if (x.code === '23505') return typeof x.constraint === 'string' ? x.constraint : 'unknown';
    e = x.cause;
  }
  return undefined;
}
