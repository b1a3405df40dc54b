// Diff of parsed roster rows against the stored roster: what an import would do, shown to the
// administrator before anything is written. Pure; the apply step executes the returned actions.
import type { RosterColumnKey } from './columns';
import type { RosterRow, RowError } from './parse';

export interface CurrentStaff {
  id: number;
  employeeNo: string;
  name: string;
  nameKana: string | null;
  email: string | null;
  department: string | null;
  jobCategory: string | null;
  hiredOn: string | null;
  retiredOn: string | null;
  locale: string;
}

export type ActionKind = 'create' | 'update' | 'retire' | 'unchanged';

export interface FieldChange {
  field: string;
  from: string | null;
  to: string | null;
}

export interface RowAction {
  /** null: staff missing from the file, retired by retireMissing. */
  row: number | null;
  employeeNo: string;
  name: string;
  staffId?: number;
  kind: ActionKind;
  changes: FieldChange[];
}

export interface RosterPlan {
  actions: RowAction[];
  newDepartments: string[];
  newJobCategories: string[];
  errors: RowError[];
  summary: { create: number; update: number; retire: number; unchanged: number; errors: number };
}

type Field = Exclude<RosterColumnKey, 'employeeNo'>;
const FIELDS: readonly Field[] = ['name', 'nameKana', 'email', 'department', 'jobCategory', 'hiredOn', 'retiredOn', 'locale'];

/**
 * Existing names plus the ones the file introduces. Matching ignores width, case and spacing
 * differences so "ＩＣＵ" in a file does not create a second "ICU" department.
 */
function catalogue(existing: readonly string[]): { resolve(name: string): string; added: string[] } {
  const key = (n: string): string => n.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
  const known = new Map(existing.map((n) => [key(n), n] as const));
  const added: string[] = [];
  return {
    resolve(name) {
      const k = key(name);
      const hit = known.get(k);
      if (hit !== undefined) return hit;
      known.set(k, name);
      added.push(name);
      return name;
    },
    added,
  };
}

/** Whether an action retires the person: a retirement of someone on the roster, or a new row created with a retirement date. */
export function retiresSomeone(a: RowAction): boolean {
  return a.kind === 'retire' || (a.kind === 'create' && a.changes.some((c) => c.field === 'retiredOn' && c.to !== null));
}

export function planRosterImport(
  rows: RosterRow[],
  current: { staff: CurrentStaff[]; departments: string[]; jobCategories: string[] },
  // protectedIds: staff a full sync must never retire (the administrator running it).
  opts: { retireMissing: boolean; today: string; protectedIds?: readonly number[] },
): RosterPlan {
  const byEmployeeNo = new Map(current.staff.map((s) => [s.employeeNo, s] as const));
  const byEmail = new Map<string, CurrentStaff>();
  for (const s of current.staff) if (s.email) byEmail.set(s.email.toLowerCase(), s);
  const departments = catalogue(current.departments);
  const jobCategories = catalogue(current.jobCategories);
  const actions: RowAction[] = [];
  const errors: RowError[] = [];
  // Everyone named in the file, even on rows that fail here, so retireMissing never retires them.
  const inFile = new Set<string>();

  for (const r of rows) {
    inFile.add(r.employeeNo);
    const existing = byEmployeeNo.get(r.employeeNo);
    const holder = r.email ? byEmail.get(r.email.toLowerCase()) : undefined;
    if (holder && holder !== existing) {
      errors.push({ row: r.row, code: 'import.error.emailTaken', params: { employeeNo: holder.employeeNo } });
      continue;
    }
    const wanted: Record<Field, string | null> = {
      name: r.name,
      nameKana: r.nameKana ?? null,
      email: r.email ?? null,
      department: r.department ? departments.resolve(r.department) : null,
      jobCategory: r.jobCategory ? jobCategories.resolve(r.jobCategory) : null,
      hiredOn: r.hiredOn ?? null,
      retiredOn: r.retiredOn ?? null,
      locale: r.locale ?? null,
    };
    const changes: FieldChange[] = [];
    for (const field of FIELDS) {
      const to = wanted[field];
      // An absent column leaves the stored value alone; an empty language cell means "not given".
      if (field !== 'name' && !r.present.has(field)) continue;
      if (field === 'locale' && to === null) continue;
      const from = existing ? existing[field] : null;
      if (from !== to && !(existing === undefined && to === null)) changes.push({ field, from, to });
    }
    const retires = changes.some((c) => c.field === 'retiredOn' && c.from === null && c.to !== null);
    const kind: ActionKind = !existing ? 'create' : retires ? 'retire' : changes.length > 0 ? 'update' : 'unchanged';
    actions.push({ row: r.row, employeeNo: r.employeeNo, name: r.name, ...(existing ? { staffId: existing.id } : {}), kind, changes });
  }

  if (opts.retireMissing) {
    for (const s of current.staff) {
      if (s.retiredOn !== null || inFile.has(s.employeeNo) || opts.protectedIds?.includes(s.id)) continue;
      actions.push({
        row: null,
        employeeNo: s.employeeNo,
        name: s.name,
        staffId: s.id,
        kind: 'retire',
        changes: [{ field: 'retiredOn', from: null, to: opts.today }],
      });
    }
  }

  const summary = { create: 0, update: 0, retire: 0, unchanged: 0, errors: errors.length };
  for (const a of actions) {
    summary[a.kind]++;
    // A row that creates someone already retired (an HR export of the year's leavers) is both.
    if (a.kind === 'create' && retiresSomeone(a)) summary.retire++;
  }
  return { actions, newDepartments: departments.added, newJobCategories: jobCategories.added, errors, summary };
}
