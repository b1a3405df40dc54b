import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Role } from '../db/schema';
import { forbidden, unauthenticated } from '../lib/errors';

/** Who is signed in, as the request sees them. */
export interface Viewer {
  id: number;
  employeeNo: string;
  name: string;
  roles: Role[];
  locale: string;
  managedDepartmentIds: number[];
}

/**
 * Every route names one of these. `public` needs nobody; `signedIn` any active account;
 * the rest name the roles that may use it. Record-level scope (a manager's departments)
 * is applied in repositories through `rosterScope`, and record-level rules by `authorize`.
 */
export const POLICIES = {
  public: null,
  signedIn: [] as Role[],
  'roster:read': ['admin', 'officer', 'manager'] as Role[],
  'roster:write': ['admin'] as Role[],
  'hospital:read': ['admin', 'officer'] as Role[],
  'hospital:write': ['admin'] as Role[],
  'accounts:issue-link': ['admin'] as Role[],
  'audit:verify': ['admin', 'officer'] as Role[],
  'courses:take': [] as Role[],
  'courses:manage': ['admin', 'officer'] as Role[],
  'results:read': ['admin', 'officer'] as Role[],
  'attempts:mark-complete': ['officer'] as Role[],
  // Issue 13: the training year. Managers' views are scoped to their departments in repositories.
  'training:manage': ['officer'] as Role[],
  'training:read': ['admin', 'officer', 'manager'] as Role[],
  'questions:ask': [] as Role[],
  'questions:answer': ['officer', 'manager'] as Role[],
  'questions:manage': ['officer'] as Role[],
  'accounts:activate': ['admin', 'officer'] as Role[],
  'mail:manage': ['admin', 'officer'] as Role[],
} as const;

export type Policy = keyof typeof POLICIES;

/**
 * Roles whose holders change what others may do or see: granting one, or issuing a password link
 * for someone who holds one, asks for the actor's own password (auth/service.ts confirmActor).
 */
export const PRIVILEGED_ROLES: readonly Role[] = ['officer', 'admin'];

export function can(viewer: Viewer | undefined, policy: Policy): boolean {
  const roles = POLICIES[policy];
  if (roles === null) return true;
  if (!viewer) return false;
  return roles.length === 0 || roles.some((r) => viewer.roles.includes(r));
}

/**
 * Record-level rules, beside the role policies above: whether this viewer may do this to this
 * record. A record the viewer may not see answers 404 exactly like a missing one (the caller
 * throws notFound()), so ids cannot be probed. Repositories stay scoped by the owner they are
 * given; these rules say what a viewer may do with a record such a query found.
 */
export interface RecordActions {
  /** Read an attempt's record: its owner, or whoever reads results. */
  'attempt:view': { staffId: number };
  /** Play an attempt (the player, launching its SCOs, committing): only its owner, whatever their roles. */
  'attempt:play': { staffId: number };
}

export type RecordAction = keyof RecordActions;

const RECORD_RULES: { [A in RecordAction]: (viewer: Viewer, record: RecordActions[A]) => boolean } = {
  'attempt:view': (viewer, attempt) => attempt.staffId === viewer.id || can(viewer, 'results:read'),
  'attempt:play': (viewer, attempt) => attempt.staffId === viewer.id,
};

export function authorize<A extends RecordAction>(viewer: Viewer | undefined, action: A, record: RecordActions[A]): boolean {
  return viewer !== undefined && RECORD_RULES[action](viewer, record);
}

/** Which staff records a viewer may see: all of them, or only their managed departments. */
export type RosterScope = { all: true } | { all: false; departmentIds: number[] };

export function rosterScope(viewer: Viewer): RosterScope {
  if (viewer.roles.includes('admin') || viewer.roles.includes('officer')) return { all: true };
  return { all: false, departmentIds: viewer.managedDepartmentIds };
}

export const POLICY_MARK = Symbol('policy');
type MarkedHandler = RequestHandler & { [POLICY_MARK]?: Policy };

/**
 * The first handler of every route. Tests walk the router table and fail on any route whose
 * stack has no handler carrying POLICY_MARK.
 */
export function allow(policy: Policy): RequestHandler {
  const handler: MarkedHandler = (req: Request, _res: Response, next: NextFunction) => {
    if (can(req.user, policy)) return next();
    if (!req.user) return next(unauthenticated());
    // A page the role may not use says so (403); a record it may not see answers 404 in its repository.
    return next(forbidden());
  };
  handler[POLICY_MARK] = policy;
  return handler;
}

export function policyOf(handler: unknown): Policy | undefined {
  return (handler as MarkedHandler | undefined)?.[POLICY_MARK];
}
