import { PRIVILEGED_ROLES } from '../auth/policies';
import { newToken } from '../auth/passwords';
import { confirmActor, type ActingUser } from '../auth/service';
import { recordAudit, type AuditEvent } from '../compliance/audit/service';
import type { Database } from '../db/client';
import { withTransaction } from '../db/transaction';
import { getHospitalProfile } from '../hospital/service';
import { localDate } from '../lib/dates';
import { ValidationError, notFound } from '../lib/errors';
import { queueMail } from '../mail/service';
import { organisation } from '../staff/service';
import { hashCode, newActivationCode } from './codes';
import { invitationMail } from './invitation';
import * as repo from './repository';
import type { ActivationQuery, IssueInput } from './schema';

/** How long the password link a slip's code opens works: long enough to type a password, no longer. */
export const OPENED_LINK_MINUTES = 60;
/** The most one issue may invite: the print page of that many slips is already 600 sheets. */
export const MAX_PER_ISSUE = 5000;
/** Rows the list shows at once; a department narrows it. */
export const LIST_LIMIT = 2000;

export interface ActivationEnv {
  /** The session secret: slips' codes are stored as HMACs with it. */
  secret: string;
  /** The app's address, for the links. */
  baseUrl: string;
}

const selection = (departmentId: number | undefined, now: Date): repo.RosterSelection => ({ departmentId, today: localDate(now), now });

async function departmentOf(db: Database, departmentId: number | undefined): Promise<{ id: number; name: string } | undefined> {
  if (!departmentId) return undefined;
  const found = (await organisation(db)).departments.find((d) => d.id === departmentId);
  if (!found) throw notFound();
  return { id: found.id, name: found.name };
}

/** The activation page: the selection's totals and its people with their state. */
export async function activationOverview(db: Database, q: ActivationQuery, now: Date) {
  const sel = selection(q.department, now);
  const [org, counts, rows] = await Promise.all([
    organisation(db),
    repo.activationCounts(db, sel),
    repo.activationRoster(db, sel, q.status, LIST_LIMIT + 1),
  ]);
  const department = q.department ? org.departments.find((d) => d.id === q.department) : undefined;
  if (q.department && !department) throw notFound();
  return { departments: org.departments, department, counts, rows: rows.slice(0, LIST_LIMIT), truncated: rows.length > LIST_LIMIT };
}

export interface IssuedSlip {
  staffId: number;
  employeeNo: string;
  name: string;
  department: string | null;
  locale: string;
  /** Shown once, on the page that prints it; never stored, logged or audited. */
  code: string;
  expiresAt: Date;
}

export interface IssueResult {
  department: string | null;
  mailed: number;
  slips: IssuedSlip[];
  expiresAt: Date;
  hospitalName: string;
}

/**
 * Invites everyone in the selection who has no password yet: an e-mail with a password link for
 * those with an address (unless slips for all were asked for), a printable slip with an activation
 * code for the others. An invitation replaces the person's earlier ones and their unused password
 * links. Inviting an officer or administrator asks for the issuer's own password, as a single
 * password link does. One audit entry for the issue (who, which department, how many) and one per
 * person; neither holds a link or a code.
 */
export async function issueInvitations(
  db: Database,
  acting: ActingUser,
  input: IssueInput,
  now: Date,
  env: ActivationEnv,
): Promise<IssueResult> {
  const department = await departmentOf(db, input.departmentId);
  const targets = await repo.pendingStaff(db, selection(input.departmentId, now), input.include === 'notInvited');
  if (targets.length > MAX_PER_ISSUE) throw new ValidationError({ departmentId: ['activation.issue.tooMany'] });
  const privileged = targets.filter((p) => p.roles.some((r) => (PRIVILEGED_ROLES as readonly string[]).includes(r)));
  const expiresAt = new Date(now.getTime() + input.validDays * 86_400_000);
  const hospitalName = (await getHospitalProfile(db))?.name ?? '';
  const result: IssueResult = { department: department?.name ?? null, mailed: 0, slips: [], expiresAt, hospitalName };
  if (targets.length === 0) return result;
  if (privileged.length > 0) {
    await confirmActor(db, acting, now, {
      action: 'activation.issue',
      subjectId: null,
      details: { privileged: privileged.map((p) => p.employeeNo), department: department?.name ?? null },
    });
  }

  const actorId = acting.viewer.id;
  await withTransaction(db, now, async (work) => {
    const { tx } = work;
    const ids = targets.map((p) => p.id);
    await repo.revokeInvitations(tx, ids, now);
    await repo.revokePasswordLinks(tx, ids, now);
    const links: { tokenHash: string; staffId: number; issuedBy: number; expiresAt: Date }[] = [];
    const invitations: Parameters<typeof repo.insertInvitations>[1] = [];
    const events: AuditEvent[] = [];
    for (const person of targets) {
      const byMail = input.delivery === 'auto' && person.email !== null;
      if (byMail) {
        const { token, tokenHash } = newToken();
        links.push({ tokenHash, staffId: person.id, issuedBy: actorId, expiresAt });
        invitations.push({ staffId: person.id, channel: 'mail', issuedBy: actorId, issuedAt: now, expiresAt });
        const mail = invitationMail({
          locale: person.locale,
          name: person.name,
          employeeNo: person.employeeNo,
          hospitalName,
          link: `${env.baseUrl}/password/${token}`,
          expiresAt,
        });
        await queueMail(work, { to: person.email!, ...mail, topic: 'invitation', staffId: person.id });
        result.mailed++;
      } else {
        const code = newActivationCode();
        invitations.push({
          staffId: person.id,
          channel: 'slip',
          codeHash: hashCode(env.secret, code),
          issuedBy: actorId,
          issuedAt: now,
          expiresAt,
        });
        result.slips.push({
          staffId: person.id,
          employeeNo: person.employeeNo,
          name: person.name,
          department: person.departmentName,
          locale: person.locale,
          code,
          expiresAt,
        });
      }
      events.push({
        actorId,
        action: 'account.activation-issued',
        subjectType: 'staff',
        subjectId: person.id,
        details: { channel: byMail ? 'mail' : 'slip', expiresAt: expiresAt.toISOString() },
      });
    }
    await repo.insertPasswordLinks(tx, links);
    await repo.insertInvitations(tx, invitations);
    recordAudit(work, [
      {
        actorId,
        action: 'activation.issue',
        subjectType: department ? 'department' : 'roster',
        subjectId: department?.id ?? null,
        details: {
          department: department?.name ?? 'all',
          invited: targets.length,
          mailed: result.mailed,
          slips: result.slips.length,
          validDays: input.validDays,
          expiresAt: expiresAt.toISOString(),
          replacingEarlier: input.include === 'all',
          ...(privileged.length > 0 ? { confirmedWithPassword: true } : {}),
        },
      },
      ...events,
    ]);
  });
  return result;
}

/**
 * A slip's code, typed or scanned: while it works (not expired, not replaced, the person still
 * employed and still without a password) it opens a fresh one-time password link of
 * OPENED_LINK_MINUTES, replacing any earlier unused one, and gives its token; else undefined. The
 * code is not used up by opening it (a person may close the page and try again from the slip);
 * it ends when the password is set, since it sets only a first one.
 */
export async function openSlipCode(db: Database, code: string, now: Date, env: ActivationEnv): Promise<string | undefined> {
  const slip = await repo.findSlipByCode(db, hashCode(env.secret, code));
  if (!slip || slip.revokedAt || slip.expiresAt <= now || slip.hasPassword) return undefined;
  if (slip.retiredOn && slip.retiredOn <= localDate(now)) return undefined;
  const { token, tokenHash } = newToken();
  const expiresAt = new Date(Math.min(slip.expiresAt.getTime(), now.getTime() + OPENED_LINK_MINUTES * 60_000));
  await withTransaction(db, now, async (work) => {
    await repo.revokePasswordLinks(work.tx, [slip.staffId], now);
    await repo.insertPasswordLinks(work.tx, [{ tokenHash, staffId: slip.staffId, issuedBy: slip.issuedBy, expiresAt }]);
    await repo.markOpened(work.tx, slip.id, now);
    recordAudit(work, [
      {
        actorId: null,
        action: 'account.activation-opened',
        subjectType: 'staff',
        subjectId: slip.staffId,
        details: { channel: 'slip', invitation: slip.id, linkExpiresAt: expiresAt.toISOString() },
      },
    ]);
  });
  return token;
}
