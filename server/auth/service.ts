import type { Database } from '../db/client';
import { withTransaction, type Work } from '../db/transaction';
import type { Role } from '../db/schema';
import { recordAudit } from '../compliance/audit/service';
import { localDate } from '../lib/dates';
import { AppError, ValidationError, conflict, uniqueViolation } from '../lib/errors';
import * as roster from '../staff/service';
import { createLogger, type Logger } from '../lib/log';
import { accountSignedOut } from './events';
import * as throttle from './login-throttle';
import { throttleKeys } from './login-throttle';
import { hashPassword, hashToken, newToken, verifyPassword } from './passwords';
import { PRIVILEGED_ROLES, type Viewer } from './policies';
import { forgetSessions } from './session-store';
import { cachedViewer, rememberViewer } from './viewer-cache';
import * as repo from './repository';

// Auth reads the roster through its own repository (sign-in lookups) and writes it only through
// the staff service, inside its own transactions and with its own audit entries.

const SETUP_LINK_HOURS = 24;
export const PASSWORD_LINK_HOURS = 72;

// A hash of a random password nobody knows, with the same parameters as a real one: an identifier
// that names no usable account is checked against it, so the answer takes as long as for one that does.
const NO_ACCOUNT_HASH = 'scrypt$32768$8$1$fqUE2rK9DpFHGj4xjHXa/w==$FaPf+o5P6H1ujx9TM3OjaADMNSV+QPbXraylVCy/vOM=';

export type LoginResult = { ok: true; staffId: number } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'wait'; seconds: number };

export interface LoginAttempt {
  identifier: string;
  password: string;
  /** The client's address as the app sees it (req.ip). */
  address: string | undefined;
  /** The session secret: the throttle's keys are HMACs with it. */
  secret: string;
}

/**
 * Checks a login. An attempt whose identifier or address is in a delay (login-throttle.ts) is
 * refused before anything is checked, a correct password too; otherwise the password is checked
 * (against a stand-in hash when the identifier names no usable account) and a failure counted.
 * Nothing in the answer or its timing depends on whether the identifier names anyone.
 */
export async function authenticate(db: Database, attempt: LoginAttempt, now: Date): Promise<LoginResult> {
  const keys = throttleKeys(attempt.secret, attempt.identifier, attempt.address);
  const until = await throttle.waitUntil(db, keys, now);
  if (until) return { ok: false, reason: 'wait', seconds: Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000)) };
  const person = await repo.findByLogin(db, attempt.identifier.trim());
  const usable = person && (!person.retiredOn || person.retiredOn > localDate(now)) && person.passwordHash ? person : undefined;
  const valid = await verifyPassword(attempt.password, usable?.passwordHash ?? NO_ACCOUNT_HASH);
  if (!usable || !valid) {
    await throttle.countFailure(db, keys, now);
    return { ok: false, reason: 'invalid' };
  }
  await throttle.countSuccess(db, keys);
  await roster.recordLoginSuccess(db, usable.id, now);
  return { ok: true, staffId: usable.id };
}

/**
 * After a person's password was set or changed: their other sessions were deleted in that
 * transaction; drop them from this process's session cache (other instances' caches let them go
 * within 5 s, see session-store.ts) and tell those who keep things for signed-in people.
 */
async function sessionsEnded(db: Database, staffId: number, ended: string[], now: Date, log: Logger): Promise<void> {
  forgetSessions(db, ended);
  await accountSignedOut(staffId, now, log);
}

/** Where a password change comes from: the session to keep (the one making it, if any) and the request's log. */
export interface SessionContext {
  keepSid?: string | undefined;
  log: Logger;
}

/** A signed-in person's act that needs their password again, and what to throttle it by. */
export interface ActingUser {
  viewer: Viewer;
  /** The password typed into the form (undefined when the field was left out). */
  password: string | undefined;
  address: string | undefined;
  secret: string;
}

/**
 * Asks for the actor's own password before an act that hands out power over others (a password
 * link for an officer or administrator, granting those roles), so a session left open, or a script
 * running in it, cannot do it alone. A wrong or missing password changes nothing, is audited and
 * comes back as a field error of the form; wrong ones count in the login throttle under the
 * actor's employee number, so the form cannot be used to guess it.
 */
export async function confirmActor(
  db: Database,
  acting: ActingUser,
  now: Date,
  attempted: { action: string; subjectId: number | null; details?: Record<string, unknown> },
): Promise<void> {
  const keys = throttleKeys(acting.secret, acting.viewer.employeeNo, acting.address);
  const until = acting.password ? await throttle.waitUntil(db, keys, now) : undefined;
  let ok = false;
  if (acting.password && !until) {
    const row = await repo.findActiveById(db, acting.viewer.id, localDate(now));
    ok = await verifyPassword(acting.password, row?.passwordHash ?? NO_ACCOUNT_HASH);
    if (!ok) await throttle.countFailure(db, keys, now);
  }
  if (ok) return;
  const reason = !acting.password ? 'missing' : until ? 'throttled' : 'wrong';
  await withTransaction(db, now, async (work) => {
    recordAudit(work, [
      {
        actorId: acting.viewer.id,
        action: 'account.reauth-refused',
        subjectType: 'staff',
        subjectId: attempted.subjectId,
        details: { attempted: attempted.action, reason, ...attempted.details },
      },
    ]);
  });
  throw new ValidationError({
    currentPassword: [reason === 'missing' ? 'auth.reauth.required' : reason === 'throttled' ? 'auth.reauth.wait' : 'auth.reauth.wrong'],
  });
}

export async function loadViewer(db: Database, id: number, now: Date): Promise<Viewer | undefined> {
  const row = await repo.findActiveById(db, id, localDate(now));
  if (!row) return undefined;
  const roles = row.roles as Role[];
  return {
    id: row.id,
    employeeNo: row.employeeNo,
    name: row.name,
    roles,
    locale: row.locale,
    managedDepartmentIds: roles.includes('manager') ? await repo.managedDepartmentIds(db, row.id) : [],
  };
}

/** The signed-in person behind a session, from the few-second viewer cache when it is there. */
export async function sessionViewer(db: Database, id: number, now: Date): Promise<Viewer | undefined> {
  const cached = cachedViewer(db, id);
  if (cached) return cached;
  const viewer = await loadViewer(db, id, now);
  if (viewer) rememberViewer(db, viewer);
  return viewer;
}

/** On a fresh install (no administrator with a password) a one-time setup link is issued. */
export async function issueSetupLinkIfNeeded(db: Database, now: Date): Promise<string | undefined> {
  if ((await repo.countAdmins(db)) > 0) return undefined;
  const { token, tokenHash } = newToken();
  await repo.revokeTokens(db, 'setup-admin', null, now);
  await repo.insertToken(db, {
    tokenHash,
    purpose: 'setup-admin',
    expiresAt: new Date(now.getTime() + SETUP_LINK_HOURS * 3600_000),
  });
  return token;
}

export async function isSetupTokenUsable(db: Database, token: string, now: Date): Promise<boolean> {
  return Boolean(await repo.findUsableToken(db, hashToken(token), 'setup-admin', now));
}

export interface FirstAdminInput {
  employeeNo: string;
  name: string;
  email?: string | undefined;
  password: string;
}

/**
 * The setup link makes a new person, who has no sessions yet; it still ends "the others" like every
 * password set, so the rule has no exception to remember.
 */
export async function createFirstAdmin(
  db: Database,
  token: string,
  input: FirstAdminInput,
  now: Date,
  from: SessionContext,
): Promise<number> {
  const passwordHash = await hashPassword(input.password);
  const { id, ended } = await withTransaction(db, now, async (work) => {
    const { tx } = work;
    if (!(await repo.consumeToken(tx, hashToken(token), now))) throw invalidLink();
    if ((await repo.countAdmins(tx)) > 0) throw invalidLink();
    const id = await createAdminRow(work, input, passwordHash);
    recordAudit(work, [
      { actorId: id, action: 'account.setup-admin', subjectType: 'staff', subjectId: id, details: { employeeNo: input.employeeNo } },
    ]);
    return { id, ended: await repo.deleteSessionsOf(tx, id, from.keepSid) };
  });
  await sessionsEnded(db, id, ended, now, from.log);
  return id;
}

/** Used by `mamoru create-admin`: creates an administrator, or makes an existing staff member one. */
export async function createAdmin(
  db: Database,
  input: FirstAdminInput,
  now: Date,
  log: Logger = cliLog(),
): Promise<{ id: number; created: boolean }> {
  const passwordHash = await hashPassword(input.password);
  const result = await withTransaction(db, now, async (work) => {
    const { tx } = work;
    const existing = await repo.findByLogin(tx, input.employeeNo);
    if (existing) {
      await roster.grantRole(work, existing.id, 'admin');
      await roster.setPasswordHash(work, existing.id, passwordHash);
      recordAudit(work, [
        { actorId: null, action: 'account.grant-admin', subjectType: 'staff', subjectId: existing.id, details: { via: 'cli' } },
      ]);
      return { id: existing.id, created: false, ended: await repo.deleteSessionsOf(tx, existing.id) };
    }
    const id = await createAdminRow(work, input, passwordHash);
    recordAudit(work, [
      {
        actorId: null,
        action: 'account.create-admin',
        subjectType: 'staff',
        subjectId: id,
        details: { via: 'cli', employeeNo: input.employeeNo },
      },
    ]);
    return { id, created: true, ended: [] as string[] };
  });
  // The command runs in its own process: the server's caches let the ended sessions go within 5 s.
  if (!result.created) await sessionsEnded(db, result.id, result.ended, now, log);
  return { id: result.id, created: result.created };
}

async function createAdminRow(work: Work, input: FirstAdminInput, passwordHash: string): Promise<number> {
  try {
    return await roster.insertAdmin(work, { ...input, passwordHash });
  } catch (err) {
    if (uniqueViolation(err)) throw conflict('auth.setup.duplicate');
    throw err;
  }
}

const invalidLink = () => new AppError(410, 'link_invalid', 'auth.link.invalid');

/**
 * An administrator hands a staff member a link to set their own password (no e-mail needed). A
 * link for an officer or administrator is a way into their powers, so it asks for the issuing
 * administrator's password (confirmActor); a plain staff member's does not.
 */
export async function issuePasswordLink(
  db: Database,
  acting: ActingUser,
  staffId: number,
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const actor = acting.viewer;
  const roles = (await repo.rolesOf(db, staffId)) ?? [];
  const privileged = roles.filter((r) => PRIVILEGED_ROLES.includes(r));
  if (privileged.length > 0) {
    await confirmActor(db, acting, now, { action: 'account.issue-password-link', subjectId: staffId, details: { roles: privileged } });
  }
  const { token, tokenHash } = newToken();
  const expiresAt = new Date(now.getTime() + PASSWORD_LINK_HOURS * 3600_000);
  await withTransaction(db, now, async (work) => {
    const { tx } = work;
    await repo.revokeTokens(tx, 'set-password', staffId, now);
    await repo.insertToken(tx, { tokenHash, purpose: 'set-password', staffId, issuedBy: actor.id, expiresAt });
    recordAudit(work, [
      {
        actorId: actor.id,
        action: 'account.issue-password-link',
        subjectType: 'staff',
        subjectId: staffId,
        details: { expiresAt: expiresAt.toISOString(), ...(privileged.length > 0 ? { confirmedWithPassword: true } : {}) },
      },
    ]);
  });
  return { token, expiresAt };
}

export async function passwordLinkHolder(db: Database, token: string, now: Date) {
  const row = await repo.findUsableToken(db, hashToken(token), 'set-password', now);
  if (!row?.staffId) return undefined;
  return repo.findActiveById(db, row.staffId, localDate(now));
}

/**
 * Whoever held the old password (or a session opened with it) is out: every session of the
 * holder ends except the one the link is used in, if that one is theirs (`from.keepSid`).
 */
export async function setPasswordWithLink(db: Database, token: string, password: string, now: Date, from: SessionContext): Promise<number> {
  const holder = await passwordLinkHolder(db, token, now);
  if (!holder) throw invalidLink();
  const passwordHash = await hashPassword(password);
  const ended = await withTransaction(db, now, async (work) => {
    const { tx } = work;
    if (!(await repo.consumeToken(tx, hashToken(token), now))) throw invalidLink();
    await roster.setPasswordHash(work, holder.id, passwordHash);
    recordAudit(work, [
      { actorId: holder.id, action: 'account.set-password', subjectType: 'staff', subjectId: holder.id, details: { via: 'link' } },
    ]);
    return repo.deleteSessionsOf(tx, holder.id, from.keepSid);
  });
  await sessionsEnded(db, holder.id, ended, now, from.log);
  return holder.id;
}

/**
 * The person who has just set their password through a link is signed in with it (no second
 * login): their viewer, with the sign-in recorded like a login's; undefined if they cannot sign in.
 */
export async function signInAfterPasswordSet(db: Database, staffId: number, now: Date): Promise<Viewer | undefined> {
  const viewer = await loadViewer(db, staffId, now);
  if (viewer) await roster.recordLoginSuccess(db, staffId, now);
  return viewer;
}

/** A wrong current password is a field error of the form; nothing changes then. The person's other sessions end. */
export async function changePassword(
  db: Database,
  viewer: Viewer,
  current: string,
  next: string,
  now: Date,
  from: SessionContext,
): Promise<void> {
  const row = await repo.findActiveById(db, viewer.id, localDate(now));
  if (!row || !(await verifyPassword(current, row.passwordHash))) {
    throw new ValidationError({ currentPassword: ['account.password.currentWrong'] });
  }
  const passwordHash = await hashPassword(next);
  const ended = await withTransaction(db, now, async (work) => {
    await roster.setPasswordHash(work, viewer.id, passwordHash);
    recordAudit(work, [{ actorId: viewer.id, action: 'account.change-password', subjectType: 'staff', subjectId: viewer.id }]);
    return repo.deleteSessionsOf(work.tx, viewer.id, from.keepSid);
  });
  await sessionsEnded(db, viewer.id, ended, now, from.log);
}

/** Used by `mamoru demo`: a known password set from the command line, audited as the CLI's (no actor); all the person's sessions end. */
export async function setPasswordFromCli(
  db: Database,
  staffId: number,
  password: string,
  now: Date,
  log: Logger = cliLog(),
): Promise<void> {
  const passwordHash = await hashPassword(password);
  const ended = await withTransaction(db, now, async (work) => {
    await roster.setPasswordHash(work, staffId, passwordHash);
    recordAudit(work, [
      { actorId: null, action: 'account.set-password', subjectType: 'staff', subjectId: staffId, details: { via: 'cli' } },
    ]);
    return repo.deleteSessionsOf(work.tx, staffId);
  });
  await sessionsEnded(db, staffId, ended, now, log);
}

// The commands pass no logger; a failing signed-out listener is still written out (errors only).
const cliLog = () => createLogger('error');

export async function changeLocale(db: Database, viewer: Viewer, locale: 'ja' | 'en') {
  await roster.setLocale(db, viewer.id, locale);
}
