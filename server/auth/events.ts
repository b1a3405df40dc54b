import type { Logger } from '../lib/log';

/**
 * Told when a person's sessions end: at their logout, and when their password is set (through a
 * link) or changed (then every other session of theirs has just been ended). What others keep on
 * behalf of a signed-in person (course launch capabilities, say) subscribes here and revokes it,
 * so auth needs no import of them. `now` is the app's clock at the moment the sessions ended.
 */
export type AccountSignedOutListener = (staffId: number, now: Date, scope: SignOutScope) => Promise<void> | void;

/** Which of the person's sessions ended: one login session (a sign-out), or all of them (no id: a new password). */
export interface SignOutScope {
  loginSessionId?: string;
}

const listeners = new Set<AccountSignedOutListener>();

/** Subscribes; returns the function that unsubscribes (tests use it). */
export function onAccountSignedOut(listener: AccountSignedOutListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Calls every listener and waits for all of them. A listener that fails does not stop the others
 * nor the sign-out itself (the person's sessions are already gone, and refusing the logout would
 * not bring them back); its failure is logged as an error with the person's id, never dropped.
 */
export async function accountSignedOut(staffId: number, now: Date, log: Logger, scope: SignOutScope = {}): Promise<void> {
  const results = await Promise.allSettled([...listeners].map(async (listener) => listener(staffId, now, scope)));
  for (const result of results) {
    if (result.status === 'rejected') log.error({ err: result.reason as unknown, staffId }, 'account signed-out listener failed');
  }
}
