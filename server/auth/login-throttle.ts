import crypto from 'node:crypto';
import type { Database } from '../db/client';
import * as repo from './repository';
import type { FailurePolicy } from './repository';

// Growing delays instead of a lock. A lock per account let anyone shut out anyone (the
// administrator too) with five posts, and it answered differently for accounts that exist. Here
// failures are counted per identifier as typed (whether or not it names anyone) and per client
// address; past a few failures the key must wait 1 s, 2 s, 4 s … up to 15 min before its next
// try is even checked. Someone else's failures can hold an account back by that delay, never lock it.
// The counters are rows in the database, so every instance counts the same failures.

const WINDOW_MS = 15 * 60_000;

/** Per identifier: after five failures, the delays. */
export const IDENTIFIER_POLICY: FailurePolicy = { delayAfter: 5, windowMs: WINDOW_MS, firstDelayMs: 1000, maxDelayMs: 15 * 60_000 };
/**
 * Per address: a hospital's staff often share one outgoing address (NAT, a proxy), so one
 * person's typos must not hold back a ward; the address counts only a wide guessing run.
 */
export const ADDRESS_POLICY: FailurePolicy = { delayAfter: 30, windowMs: WINDOW_MS, firstDelayMs: 1000, maxDelayMs: 15 * 60_000 };

// Expired rows are swept at most this often per process, piggybacking on a counted failure.
const SWEEP_EVERY_MS = 10 * 60_000;
const lastSweep = new WeakMap<Database, number>();

export interface ThrottleKeys {
  identifier: string;
  address: string;
}

/**
 * The keys of one attempt: HMACs with the session secret, so the table never holds an identifier
 * or an address as typed, and nobody without the secret can tell from it who was tried. The
 * identifier is normalised as sign-in matches it loosely (width, case, spaces).
 */
export function throttleKeys(secret: string, identifier: string, address: string | undefined): ThrottleKeys {
  const mac = (kind: string, value: string) =>
    crypto.createHmac('sha256', secret).update(`login-throttle:${kind}:${value}`).digest('base64url');
  return {
    identifier: `id:${mac('id', identifier.normalize('NFKC').trim().toLowerCase())}`,
    address: `ip:${mac('ip', address ?? 'unknown')}`,
  };
}

/** Until when this attempt must wait (the later of its keys' delays), or undefined when it may be checked now. */
export async function waitUntil(db: Database, keys: ThrottleKeys, now: Date): Promise<Date | undefined> {
  const rows = await repo.throttlesOf(db, [keys.identifier, keys.address]);
  let until: Date | undefined;
  for (const row of rows) {
    if (row.blockedUntil && row.blockedUntil > now && (!until || row.blockedUntil > until)) until = row.blockedUntil;
  }
  return until;
}

/** A checked attempt failed: both keys count it (the same writes whether or not the identifier names anyone). */
export async function countFailure(db: Database, keys: ThrottleKeys, now: Date): Promise<void> {
  await Promise.all([
    repo.countFailure(db, keys.identifier, IDENTIFIER_POLICY, now),
    repo.countFailure(db, keys.address, ADDRESS_POLICY, now),
  ]);
  const last = lastSweep.get(db) ?? 0;
  if (now.getTime() - last >= SWEEP_EVERY_MS || now.getTime() < last) {
    lastSweep.set(db, now.getTime());
    await repo.deleteExpiredThrottles(db, now);
  }
}

/**
 * A correct password clears its identifier's count. The address keeps its count: otherwise one
 * valid account would let a guesser behind the same address reset it between guesses.
 */
export async function countSuccess(db: Database, keys: ThrottleKeys): Promise<void> {
  await repo.clearThrottle(db, keys.identifier);
}
