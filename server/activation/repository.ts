import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import { activationInvitations, departments, jobCategories, oneTimeTokens, staff } from '../db/schema';

// Activation is for everyone on the roster (its policy is the officer's and the administrator's),
// so queries here are scoped by the department asked for, or the whole roster.

export type InvitationChannel = 'mail' | 'slip';

export interface RosterSelection {
  /** Undefined: the whole roster. */
  departmentId?: number | undefined;
  /** YYYY-MM-DD in Japan: who counts as still employed. */
  today: string;
  now: Date;
}

const activeOn = (day: string) => or(isNull(staff.retiredOn), gt(staff.retiredOn, day));

function selectionCondition(sel: RosterSelection): SQL | undefined {
  return and(activeOn(sel.today), sel.departmentId ? eq(staff.departmentId, sel.departmentId) : undefined);
}

const hasPassword = sql<boolean>`${staff.passwordHash} IS NOT NULL`;

/** Each staff member's newest invitation (issuing revokes the older ones, so it is the only one that can be live). */
function latestInvitations(db: Database) {
  return db
    .selectDistinctOn([activationInvitations.staffId], {
      staffId: activationInvitations.staffId,
      channel: activationInvitations.channel,
      issuedAt: activationInvitations.issuedAt,
      expiresAt: activationInvitations.expiresAt,
      revokedAt: activationInvitations.revokedAt,
      openedAt: activationInvitations.openedAt,
    })
    .from(activationInvitations)
    .orderBy(activationInvitations.staffId, desc(activationInvitations.issuedAt), desc(activationInvitations.id))
    .as('latest');
}

export type ActivationStatusFilter = 'all' | 'pending' | 'activated';

/** The roster of the selection with whether each person has activated, and their newest invitation. */
export async function activationRoster(db: Database, sel: RosterSelection, status: ActivationStatusFilter, limit: number) {
  const latest = latestInvitations(db);
  const statusCondition =
    status === 'pending' ? isNull(staff.passwordHash) : status === 'activated' ? isNotNull(staff.passwordHash) : undefined;
  return db
    .select({
      id: staff.id,
      employeeNo: staff.employeeNo,
      name: staff.name,
      hasEmail: sql<boolean>`${staff.email} IS NOT NULL`,
      departmentName: departments.name,
      jobCategoryName: jobCategories.name,
      jobCategoryNameEn: jobCategories.nameEn,
      roles: staff.roles,
      hasPassword,
      lastLoginAt: staff.lastLoginAt,
      channel: latest.channel,
      issuedAt: latest.issuedAt,
      expiresAt: latest.expiresAt,
      revokedAt: latest.revokedAt,
      openedAt: latest.openedAt,
    })
    .from(staff)
    .leftJoin(departments, eq(departments.id, staff.departmentId))
    .leftJoin(jobCategories, eq(jobCategories.id, staff.jobCategoryId))
    .leftJoin(latest, eq(latest.staffId, staff.id))
    .where(and(selectionCondition(sel), statusCondition))
    .orderBy(asc(departments.sortOrder), asc(departments.name), asc(staff.employeeNo))
    .limit(limit);
}

/** The selection's totals: everyone, activated, signed in at least once, waiting with a live invitation, and privileged staff still waiting. */
export async function activationCounts(db: Database, sel: RosterSelection) {
  const latest = latestInvitations(db);
  const now = sel.now.toISOString();
  const live = sql`${latest.revokedAt} IS NULL AND ${latest.expiresAt} > ${now}::timestamptz`;
  const [row] = await db
    .select({
      total: sql<number>`count(*)::int`,
      activated: sql<number>`count(*) FILTER (WHERE ${staff.passwordHash} IS NOT NULL)::int`,
      signedIn: sql<number>`count(*) FILTER (WHERE ${staff.lastLoginAt} IS NOT NULL)::int`,
      invited: sql<number>`count(*) FILTER (WHERE ${staff.passwordHash} IS NULL AND ${live})::int`,
      pendingWithEmail: sql<number>`count(*) FILTER (WHERE ${staff.passwordHash} IS NULL AND ${staff.email} IS NOT NULL)::int`,
      privilegedPending: sql<number>`count(*) FILTER (WHERE ${staff.passwordHash} IS NULL AND ${staff.roles} && ARRAY['officer','admin']::text[])::int`,
    })
    .from(staff)
    .leftJoin(latest, eq(latest.staffId, staff.id))
    .where(selectionCondition(sel));
  return row ?? { total: 0, activated: 0, signedIn: 0, invited: 0, pendingWithEmail: 0, privilegedPending: 0 };
}

/** Who an issue would invite: still employed, no password yet; with `onlyNotInvited`, no live invitation either. */
export async function pendingStaff(db: Database, sel: RosterSelection, onlyNotInvited: boolean) {
  const latest = latestInvitations(db);
  const live = sql`${latest.revokedAt} IS NULL AND ${latest.expiresAt} > ${sel.now.toISOString()}::timestamptz`;
  return db
    .select({
      id: staff.id,
      employeeNo: staff.employeeNo,
      name: staff.name,
      email: staff.email,
      locale: staff.locale,
      roles: staff.roles,
      departmentName: departments.name,
    })
    .from(staff)
    .leftJoin(departments, eq(departments.id, staff.departmentId))
    .leftJoin(latest, eq(latest.staffId, staff.id))
    .where(and(selectionCondition(sel), isNull(staff.passwordHash), onlyNotInvited ? sql`NOT coalesce(${live}, false)` : undefined))
    .orderBy(asc(departments.sortOrder), asc(departments.name), asc(staff.employeeNo));
}

export type PendingStaff = Awaited<ReturnType<typeof pendingStaff>>[number];

// Large rosters go in slices: one statement's parameters stay well under PostgreSQL's limit.
const SLICE = 1000;
function slices<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += SLICE) out.push(items.slice(i, i + SLICE));
  return out;
}

/** Ends the live invitations of these staff (a newer one replaces them). */
export async function revokeInvitations(db: Database, staffIds: readonly number[], now: Date) {
  for (const ids of slices(staffIds)) {
    await db
      .update(activationInvitations)
      .set({ revokedAt: now })
      .where(and(inArray(activationInvitations.staffId, ids), isNull(activationInvitations.revokedAt)));
  }
}

export async function insertInvitations(db: Database, rows: (typeof activationInvitations.$inferInsert)[]) {
  for (const part of slices(rows)) await db.insert(activationInvitations).values(part);
}

// Password links are auth's one_time_tokens rows, the same ones auth's issuePasswordLink writes one
// at a time; a roster of a thousand is written here in a few statements instead of thousands.

/** Ends these staff's unused password links: only the newest invitation may set a password. */
export async function revokePasswordLinks(db: Database, staffIds: readonly number[], now: Date) {
  for (const ids of slices(staffIds)) {
    await db
      .update(oneTimeTokens)
      .set({ usedAt: now })
      .where(and(eq(oneTimeTokens.purpose, 'set-password'), isNull(oneTimeTokens.usedAt), inArray(oneTimeTokens.staffId, ids)));
  }
}

export async function insertPasswordLinks(
  db: Database,
  rows: { tokenHash: string; staffId: number; issuedBy: number | null; expiresAt: Date }[],
) {
  for (const part of slices(rows)) {
    await db.insert(oneTimeTokens).values(part.map((r) => ({ ...r, purpose: 'set-password' as const })));
  }
}

/** A slip's invitation by its code's hash, with what decides whether it may still be used. */
export async function findSlipByCode(db: Database, codeHash: string) {
  const [row] = await db
    .select({
      id: activationInvitations.id,
      staffId: activationInvitations.staffId,
      issuedBy: activationInvitations.issuedBy,
      expiresAt: activationInvitations.expiresAt,
      revokedAt: activationInvitations.revokedAt,
      hasPassword,
      retiredOn: staff.retiredOn,
    })
    .from(activationInvitations)
    .innerJoin(staff, eq(staff.id, activationInvitations.staffId))
    .where(and(eq(activationInvitations.codeHash, codeHash), eq(activationInvitations.channel, 'slip')))
    .limit(1);
  return row;
}

export async function markOpened(db: Database, id: number, now: Date) {
  await db.update(activationInvitations).set({ openedAt: now }).where(eq(activationInvitations.id, id));
}
