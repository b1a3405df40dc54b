import type { Request } from 'express';

export function flash(req: Request, kind: 'success' | 'error' | 'info', message: string) {
  (req.session.flash ??= []).push({ kind, message });
}

/** Only same-site paths: a returnTo must never send someone to another host. */
export function safeReturnPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return fallback;
  return value;
}
