import type { RosterColumnKey } from '../../server/staff/import/columns';
import type { RosterRow } from '../../server/staff/import/parse';
import { planRosterImport, type CurrentStaff } from '../../server/staff/import/plan';

const ALL: ReadonlySet<RosterColumnKey> = new Set<RosterColumnKey>([
  'employeeNo',
  'name',
  'nameKana',
  'email',
  'department',
  'jobCategory',
  'hiredOn',
  'retiredOn',
  'locale',
]);
const TODAY = '2026-04-01';

const staff = (id: number, employeeNo: string, over: Partial<CurrentStaff> = {}): CurrentStaff => ({
  id,
  employeeNo,
  name: `Staff ${employeeNo}`,
  nameKana: null,
  email: null,
  department: '看護部',
  jobCategory: '看護師',
  hiredOn: '2020-04-01',
  retiredOn: null,
  locale: 'ja',
  ...over,
});
const row = (n: number, employeeNo: string, over: Partial<RosterRow> = {}): RosterRow => ({
  row: n,
  employeeNo,
  name: `Staff ${employeeNo}`,
  department: '看護部',
  jobCategory: '看護師',
  hiredOn: '2020-04-01',
  present: ALL,
  ...over,
});
const current = (list: CurrentStaff[]) => ({ staff: list, departments: ['看護部', 'ICU'], jobCategories: ['看護師'] });
const plan = (rows: RosterRow[], list: CurrentStaff[], retireMissing = false) =>
  planRosterImport(rows, current(list), { retireMissing, today: TODAY });

describe('planRosterImport', () => {
  it('creates new staff with the fields they bring', () => {
    const p = plan([row(2, 'N1', { email: 'n1@example.jp', retiredOn: '2026-03-31', locale: 'en' })], []);
    expect(p.actions).toEqual([
      {
        row: 2,
        employeeNo: 'N1',
        name: 'Staff N1',
        kind: 'create',
        changes: [
          { field: 'name', from: null, to: 'Staff N1' },
          { field: 'email', from: null, to: 'n1@example.jp' },
          { field: 'department', from: null, to: '看護部' },
          { field: 'jobCategory', from: null, to: '看護師' },
          { field: 'hiredOn', from: null, to: '2020-04-01' },
          { field: 'retiredOn', from: null, to: '2026-03-31' },
          { field: 'locale', from: null, to: 'en' },
        ],
      },
    ]);
  });

  it('marks identical rows unchanged and lists changed fields of updates', () => {
    const p = plan(
      [row(2, 'A'), row(3, 'B', { name: '新しい名前', nameKana: 'あたらしい', department: undefined })],
      [staff(1, 'A'), staff(2, 'B')],
    );
    expect(p.actions).toEqual([
      { row: 2, employeeNo: 'A', name: 'Staff A', staffId: 1, kind: 'unchanged', changes: [] },
      {
        row: 3,
        employeeNo: 'B',
        name: '新しい名前',
        staffId: 2,
        kind: 'update',
        changes: [
          { field: 'name', from: 'Staff B', to: '新しい名前' },
          { field: 'nameKana', from: null, to: 'あたらしい' },
          { field: 'department', from: '看護部', to: null },
        ],
      },
    ]);
  });

  it('leaves fields of absent columns alone, and an empty language as it was', () => {
    const present = new Set<RosterColumnKey>(['employeeNo', 'name', 'locale']);
    const p = plan(
      [row(2, 'A', { department: undefined, jobCategory: undefined, hiredOn: undefined, present })],
      [staff(1, 'A', { email: 'a@example.jp', locale: 'en' })],
    );
    expect(p.actions[0]).toMatchObject({ kind: 'unchanged', changes: [] });
  });

  it('retires when a retirement date appears, updates when it changes or clears', () => {
    const p = plan(
      [row(2, 'A', { retiredOn: '2026-03-31' }), row(3, 'B', { retiredOn: '2026-05-31' }), row(4, 'C')],
      [staff(1, 'A'), staff(2, 'B', { retiredOn: '2026-03-31' }), staff(3, 'C', { retiredOn: '2025-03-31' })],
    );
    expect(p.actions.map((a) => [a.employeeNo, a.kind, a.changes])).toEqual([
      ['A', 'retire', [{ field: 'retiredOn', from: null, to: '2026-03-31' }]],
      ['B', 'update', [{ field: 'retiredOn', from: '2026-03-31', to: '2026-05-31' }]],
      ['C', 'update', [{ field: 'retiredOn', from: '2025-03-31', to: null }]],
    ]);
  });

  it('retires active staff missing from the file only when asked', () => {
    const list = [staff(1, 'A'), staff(2, 'B'), staff(3, 'C', { retiredOn: '2025-03-31' })];
    expect(plan([row(2, 'A')], list).actions).toHaveLength(1);
    const p = plan([row(2, 'A')], list, true);
    expect(p.actions[1]).toEqual({
      row: null,
      employeeNo: 'B',
      name: 'Staff B',
      staffId: 2,
      kind: 'retire',
      changes: [{ field: 'retiredOn', from: null, to: TODAY }],
    });
    expect(p.actions).toHaveLength(2);
  });

  it('rejects an email held by someone else, case-insensitively, without retiring anyone named', () => {
    const list = [staff(1, 'A', { email: 'Taken@Example.jp' }), staff(2, 'B')];
    const p = plan([row(2, 'A', { email: 'taken@example.jp' }), row(3, 'B', { email: 'taken@example.jp' })], list, true);
    expect(p.errors).toEqual([{ row: 3, code: 'import.error.emailTaken', params: { employeeNo: 'A' } }]);
    expect(p.actions.map((a) => [a.employeeNo, a.kind])).toEqual([['A', 'update']]);
    expect(p.summary.errors).toBe(1);
  });

  it('lists new departments and job categories once, in first-seen order', () => {
    const p = plan(
      [
        row(2, 'N1', { department: '薬剤部', jobCategory: '薬剤師' }),
        row(3, 'N2', { department: 'ＩＣＵ', jobCategory: '臨床工学技士' }),
        row(4, 'N3', { department: '薬剤部', jobCategory: '薬剤師' }),
        row(5, 'N4', { department: '放射線部' }),
      ],
      [],
    );
    expect(p.newDepartments).toEqual(['薬剤部', '放射線部']);
    expect(p.newJobCategories).toEqual(['薬剤師', '臨床工学技士']);
    // Width variants resolve to the stored spelling instead of creating a duplicate.
    expect(p.actions[1]?.changes).toContainEqual({ field: 'department', from: null, to: 'ICU' });
  });

  it('counts each kind in the summary', () => {
    const p = plan(
      [row(2, 'A'), row(3, 'B', { name: 'x' }), row(4, 'C', { retiredOn: TODAY }), row(5, 'N'), row(6, 'E', { email: 'a@x.jp' })],
      [staff(1, 'A'), staff(2, 'B'), staff(3, 'C'), staff(4, 'D', { email: 'a@x.jp' }), staff(5, 'F')],
      true,
    );
    expect(p.summary).toEqual({ create: 1, update: 1, retire: 3, unchanged: 1, errors: 1 });
  });

  it('plans 100k rows against 10k staff', () => {
    const list = Array.from({ length: 10_000 }, (_, i) => staff(i + 1, `S${i}`, { email: `s${i}@example.jp` }));
    const rows = Array.from({ length: 100_000 }, (_, i) => row(i + 2, `S${i}`, { email: `s${i}@example.jp` }));
    const p = plan(rows, list, true);
    expect(p.summary).toEqual({ create: 90_000, update: 0, retire: 0, unchanged: 10_000, errors: 0 });
  });
});

describe('retireMissing protection', () => {
  it('never retires a protected staff member (the administrator running the sync)', () => {
    const list = [staff(1, 'A1'), staff(2, 'A2'), staff(3, 'A3')];
    const p = planRosterImport([row(2, 'A1')], current(list), { retireMissing: true, today: TODAY, protectedIds: [3] });
    expect(p.actions.filter((a) => a.kind === 'retire').map((a) => a.employeeNo)).toEqual(['A2']);
  });
});
