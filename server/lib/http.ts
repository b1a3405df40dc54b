import type { NextFunction, Request, Response } from 'express';

type AsyncHandler = (req: Request, res: Response, next: NextFunction) => Promise<unknown>;

/** Express 5 forwards rejected promises itself; this only gives handlers one typed shape. */
export const handler = (fn: AsyncHandler) => fn;

export function flash(req: Request, kind: 'success' | 'error' | 'info', message: string) {
  (req.session.flash ??= []).push({ kind, message });
}

/** Only same-site paths: a returnTo must never send someone to another host. */
export function safeReturnPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return fallback;
  return value;
}
