/**
 * A limit per launch (its token) for the APIs content calls on the content origin: fixed 10 s
 * windows counted in a map (the commit is the hot path: a counter, not a rate-limit library's
 * store and headers), swept of ended windows once a minute. Per instance: the windows are in
 * memory, so N instances allow N times the limit, which is still far from a script's flood.
 */
import type { NextFunction, Request, Response } from 'express';
import type { AppError } from '../../lib/errors';
import { warnRefusal } from '../tracking/refusal-log';

export const LAUNCH_WINDOW_MS = 10_000;

export function perLaunchLimit(clock: () => Date, perWindow: number, refusal: () => AppError, what: string) {
  const windows = new Map<string, { start: number; count: number }>();
  let sweepAt = 0;
  return (req: Request, _res: Response, next: NextFunction) => {
    const now = clock().getTime();
    const key = String(req.params.token);
    let window = windows.get(key);
    if (!window || now - window.start >= LAUNCH_WINDOW_MS) windows.set(key, (window = { start: now, count: 0 }));
    if (now >= sweepAt) {
      sweepAt = now + 60_000;
      for (const [k, w] of windows) if (now - w.start >= LAUNCH_WINDOW_MS) windows.delete(k);
    }
    if (++window.count <= perWindow) return next();
    warnRefusal(req.log, clock(), { attemptId: `${what} by launch token` }, `${what} refused: too many from one launch`);
    next(refusal());
  };
}
