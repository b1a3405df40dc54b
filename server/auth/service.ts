import type { Database } from '../db/client';
import { withTransaction, type Work } from '../db/transaction';
import type { Role } from '../db/schema';
import { recordAudit } from '../compliance/audit/service';
import { localDate } from '../lib/dates';
import { AppError, ValidationError, conflict, uniqueViolation } from '../lib/errors';
import * as roster from '../staff/service';
import { hashPassword, hashToken, newToken, verifyPassword } from './passwords';
import type { Viewer } from './policies';
import { cachedViewer, rememberViewer } from './viewer-cache';
import * as repo from './repository';

// Auth reads the roster through its own repository (sign-in lookups) and writes it only through
// the staff service, inside its own transactions and with its own audit entries.

export const LOCK_AFTER_FAILURES = 5;
export const LOCK_MINUTES = 15;
const SETUP_LINK_HOURS = 24;
export const PASSWORD_LINK_HOURS = 72;

export type LoginResult =
  { ok: true; staffId: number } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'locked'; minutes: number };

/** Checks a login; counts failures per account and locks it for a while after too many. */
export async function authenticate(db: Database, identifier: string, password: string, now: Date): Promise<LoginResult> {
  const person = await repo.findByLogin(db, identifier.trim());
  const active = person && (!person.retiredOn || person.retiredOn > localDate(now));
  if (person?.lockedUntil && person.lockedUntil > now) {
    return { ok: false, reason: 'locked', minutes: Math.ceil((person.lockedUntil.getTime() - now.getTime()) / 60000) };
  }
  const valid = await verifyPassword(password, active ? person.passwordHash : null);
  if (!person || !active) return { ok: false, reason: 'invalid' };
  if (!valid) {
    await roster.recordLoginFailure(db, person.id, LOCK_AFTER_FAILURES, new Date(now.getTime() + LOCK_MINUTES * 60000));
    if (person.failedLogins + 1 >= LOCK_AFTER_FAILURES) return { ok: false, reason: 'locked', minutes: LOCK_MINUTES };
    return { ok: false, reason: 'invalid' };
  }
  await roster.recordLoginSuccess(db, person.id, now);
  return { ok: true, staffId: person.id };
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

export async function createFirstAdmin(db: Database, token: string, input: FirstAdminInput, now: Date): Promise<number> {
  const passwordHash = await hashPassword(input.password);
  return withTransaction(db, now, async (work) => {
    const { tx } = work;
    if (!(await repo.consumeToken(tx, hashToken(token), now))) throw invalidLink();
    if ((await repo.countAdmins(tx)) > 0) throw invalidLink();
    const id = await createAdminRow(work, input, passwordHash);
    recordAudit(work, [
      { actorId: id, action: 'account.setup-admin', subjectType: 'staff', subjectId: id, details: { employeeNo: input.employeeNo } },
    ]);
    return id;
  });
}

/** Used by `mamoru create-admin`: creates an administrator, or makes an existing staff member one. */
export async function createAdmin(db: Database, input: FirstAdminInput, now: Date): Promise<{ id: number; created: boolean }> {
  const passwordHash = await hashPassword(input.password);
  return withTransaction(db, now, async (work) => {
    const { tx } = work;
    const existing = await repo.findByLogin(tx, input.employeeNo);
    if (existing) {
      await roster.grantRole(work, existing.id, 'admin');
      await roster.setPasswordHash(work, existing.id, passwordHash);
      recordAudit(work, [
        { actorId: null, action: 'account.grant-admin', subjectType: 'staff', subjectId: existing.id, details: { via: 'cli' } },
      ]);
      return { id: existing.id, created: false };
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
    return { id, created: true };
  });
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

/** An administrator hands a staff member a link to set their own password (no e-mail needed). */
export async function issuePasswordLink(
  db: Database,
  actor: Viewer,
  staffId: number,
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
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
        details: { expiresAt: expiresAt.toISOString() },
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

export async function setPasswordWithLink(db: Database, token: string, password: string, now: Date): Promise<number> {
  const holder = await passwordLinkHolder(db, token, now);
  if (!holder) throw invalidLink();
  const passwordHash = await hashPassword(password);
  await withTransaction(db, now, async (work) => {
    const { tx } = work;
    if (!(await repo.consumeToken(tx, hashToken(token), now))) throw invalidLink();
    await roster.setPasswordHash(work, holder.id, passwordHash);
    recordAudit(work, [
      { actorId: holder.id, action: 'account.set-password', subjectType: 'staff', subjectId: holder.id, details: { via: 'link' } },
    ]);
  });
  return holder.id;
}

/** A wrong current password is a field error of the form; nothing changes then. */
export async function changePassword(db: Database, viewer: Viewer, current: string, next: string, now: Date): Promise<void> {
  const row = await repo.findActiveById(db, viewer.id, localDate(now));
  if (!row || !(await verifyPassword(current, row.passwordHash))) {
    throw new ValidationError({ currentPassword: ['account.password.currentWrong'] });
  }
  const passwordHash = await hashPassword(next);
  await withTransaction(db, now, async (work) => {
    await roster.setPasswordHash(work, viewer.id, passwordHash);
    recordAudit(work, [{ actorId: viewer.id, action: 'account.change-password', subjectType: 'staff', subjectId: viewer.id }]);
  });
}

/** Used by `mamoru demo`: a known password set from the command line, audited as the CLI's (no actor). */
export async function setPasswordFromCli(db: Database, staffId: number, password: string, now: Date): Promise<void> {
  const passwordHash = await hashPassword(password);
  await withTransaction(db, now, async (work) => {
    await roster.setPasswordHash(work, staffId, passwordHash);
    recordAudit(work, [
      { actorId: null, action: 'account.set-password', subjectType: 'staff', subjectId: staffId, details: { via: 'cli' } },
    ]);
  });
}

export async function changeLocale(db: Database, viewer: Viewer, locale: 'ja' | 'en') {
  await roster.setLocale(db, viewer.id, locale);
}
