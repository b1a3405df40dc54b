/**
 * Launch capabilities: what lets one launch's content read its package's files and talk to its
 * player from the content origin. The session cookie grants nothing there (on one host name the
 * browser sends it to both ports), so every content request carries a token made for one staff
 * member's one SCO session: random, kept only as a hash, expiring with the session's lifetime or
 * the fiscal year's end, whichever comes first, and ended at Terminate, sign-out and a new password.
 */
import crypto from 'node:crypto';
import type { Viewer } from '../../auth/policies';
import { sessionViewer } from '../../auth/service';
import type { Database } from '../../db/client';
import { fiscalYearEndsAt } from '../../training/fiscal-year';
import * as repo from './repository';
import { onAccountSignedOut } from '../../auth/events';
import { jittered } from '../../lib/jitter';

export interface LaunchGrant {
  tokenHash: string;
  staffId: number;
  attemptId: number;
  scoId: number;
  courseVersionId: number;
  sessionNo: number;
  appOrigin: string;
  /** sha256 of the launch's commit key (null: a token made before keys, which commits nothing). */
  commitKeyHash: string | null;
  launchPath: string;
  launchQuery: string;
  expiresAt: Date;
}

export interface NewLaunch {
  staffId: number;
  attemptId: number;
  scoId: number;
  courseVersionId: number;
  sessionNo: number;
  fiscalYear: number;
  fiscalYearStartMonth: number;
  /** The player page's exact origin: the only one the content may exchange messages with. */
  appOrigin: string;
  lifetimeMs: number;
  /** The id of the login session the launch is made in (kept hashed): signing out there ends it. */
  loginSessionId?: string;
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const hashOf = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/** A launch's two secrets: the token (in its URLs: files, launch page) and the commit key (never in a URL). */
export interface LaunchSecrets {
  token: string;
  commitKey: string;
}

/** Makes a token and commit key for a session just opened (in the caller's transaction); only their hashes are stored. */
export async function issueLaunchToken(tx: Database, launch: NewLaunch, now: Date): Promise<LaunchSecrets> {
  const token = crypto.randomBytes(32).toString('base64url');
  const commitKey = crypto.randomBytes(32).toString('base64url');
  const expiresAt = new Date(
    Math.min(now.getTime() + launch.lifetimeMs, fiscalYearEndsAt(launch.fiscalYear, launch.fiscalYearStartMonth).getTime()),
  );
  await repo.insertLaunchToken(tx, {
    tokenHash: hashOf(token),
    staffId: launch.staffId,
    attemptId: launch.attemptId,
    scoId: launch.scoId,
    courseVersionId: launch.courseVersionId,
    sessionNo: launch.sessionNo,
    appOrigin: launch.appOrigin,
    commitKeyHash: hashOf(commitKey),
    loginSessionHash: launch.loginSessionId ? hashOf(launch.loginSessionId) : null,
    createdAt: now,
    expiresAt,
  });
  return { token, commitKey };
}

/** Whether `key` is the launch's commit key (compared in constant time). */
export function isCommitKeyOf(grant: LaunchGrant, key: unknown): boolean {
  if (typeof key !== 'string' || !grant.commitKeyHash) return false;
  const given = Buffer.from(hashOf(key));
  const stored = Buffer.from(grant.commitKeyHash);
  return given.length === stored.length && crypto.timingSafeEqual(given, stored);
}

// A launch page loads dozens of files and its content commits every few seconds: a grant is read
// from the database at most every few seconds per instance. A token ended here leaves this cache
// at once; one ended by another instance still works here for at most GRANT_TTL_MS. Each entry
// lives a jittered part of it: a class that launched together must not reload every grant in the
// same instant, queueing 64 reads in front of their commits (as the viewer cache found, jitter.ts).
const GRANT_TTL_MS = 5_000;
const GRANT_CACHE_MAX = 20_000;
const grantCaches = new WeakMap<Database, Map<string, { grant: LaunchGrant; until: number }>>();

function grantCacheOf(db: Database) {
  let cache = grantCaches.get(db);
  if (!cache) grantCaches.set(db, (cache = new Map()));
  return cache;
}

/** The launch a token opens, if it is live; undefined for anything else (malformed, unknown, ended, expired). */
export async function resolveLaunch(db: Database, token: string, now: Date): Promise<LaunchGrant | undefined> {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  const tokenHash = hashOf(token);
  const cache = grantCacheOf(db);
  const cached = cache.get(tokenHash);
  if (cached && now.getTime() <= cached.until && now < cached.grant.expiresAt) return cached.grant;
  const row = await repo.findLiveLaunch(db, tokenHash, now);
  if (!row) {
    cache.delete(tokenHash);
    return undefined;
  }
  const { token: t } = row;
  const grant: LaunchGrant = {
    tokenHash,
    staffId: t.staffId,
    attemptId: t.attemptId,
    scoId: t.scoId,
    courseVersionId: t.courseVersionId,
    sessionNo: t.sessionNo,
    appOrigin: t.appOrigin,
    commitKeyHash: t.commitKeyHash,
    launchPath: row.launchPath,
    launchQuery: row.launchQuery,
    expiresAt: t.expiresAt,
  };
  if (cache.size >= GRANT_CACHE_MAX) cache.clear();
  cache.set(tokenHash, { grant, until: now.getTime() + jittered(GRANT_TTL_MS) });
  return grant;
}

function forget(db: Database, hashes: string[]) {
  const cache = grantCacheOf(db);
  for (const h of hashes) cache.delete(h);
}

/** A SCO session ended (Terminate / LMSFinish): its content keeps nothing it could reuse. */
export async function endSessionLaunches(db: Database, attemptId: number, scoId: number, sessionNo: number, now: Date) {
  forget(db, await repo.revokeSessionTokens(db, attemptId, scoId, sessionNo, now));
}

/**
 * What a person has open ends: at a sign-out, the launches of that login session (and any made
 * before sessions were kept with them); at a new password, all of them.
 */
export async function endLaunchesOf(db: Database, staffId: number, now: Date, scope: { loginSessionId?: string } = {}) {
  const session = scope.loginSessionId ? hashOf(scope.loginSessionId) : undefined;
  forget(db, await repo.revokeStaffTokens(db, staffId, now, session));
}

const revocationFor = new WeakSet<Database>();

/**
 * Signing out, or a new password, ends the course launches the person had open. Subscribed once
 * per database in each process that can end sessions: the server (app.ts), and the command line,
 * whose password commands run in a process of their own.
 */
export function endLaunchesAtSignOut(db: Database): void {
  if (revocationFor.has(db)) return;
  revocationFor.add(db);
  onAccountSignedOut((staffId, now, scope) => endLaunchesOf(db, staffId, now, scope));
}

/** Drops tokens that ended more than a day ago. */
export const pruneLaunchTokens = (db: Database, now: Date) => repo.deleteDeadTokens(db, new Date(now.getTime() - 24 * 3600 * 1000));

/** A live launch and its learner, whose account is still active: what every request on a token acts for. */
export async function liveLaunch(db: Database, token: string, now: Date): Promise<{ grant: LaunchGrant; viewer: Viewer } | undefined> {
  const grant = await resolveLaunch(db, token, now);
  const viewer = grant && (await sessionViewer(db, grant.staffId, now));
  return grant && viewer ? { grant, viewer } : undefined;
}
