import type { Logger } from '../../lib/log';

/** At most one line per attempt per this long; the next line says how many were left out. */
const WINDOW_MS = 60_000;
/** Past this many attempts remembered, the oldest windows are forgotten (a line too many, never a leak). */
const MAX_TRACKED = 10_000;

const windows = new Map<string, { since: number; suppressed: number }>();

/**
 * One warn line for a refused commit, throttled per attempt: content that keeps sending a commit
 * the server refuses (every few seconds, for as long as the learner stays) must not fill the
 * log, and a learner who sends them on purpose must not either. The first refusal of a minute
 * is written; the rest are counted and the count goes on the next line written.
 */
export function warnRefusal(log: Logger, now: Date, fields: { attemptId: number | string } & Record<string, unknown>, msg: string): void {
  const at = now.getTime();
  const key = String(fields.attemptId);
  const open = windows.get(key);
  if (open && at >= open.since && at - open.since < WINDOW_MS) {
    open.suppressed++;
    return;
  }
  if (windows.size >= MAX_TRACKED) windows.delete(windows.keys().next().value!);
  windows.delete(key);
  windows.set(key, { since: at, suppressed: 0 });
  log.warn({ ...fields, ...(open?.suppressed ? { suppressedBefore: open.suppressed } : {}) }, msg);
}
