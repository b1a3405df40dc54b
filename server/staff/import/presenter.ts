import type { Translate } from '../../lib/i18n';
import type { ImportPreview } from './service';
import { ROSTER_COLUMNS } from './columns';
import { retiresSomeone } from './plan';

const SHOWN_ACTIONS = 500;
const headerOf = (field: string) => ROSTER_COLUMNS.find((c) => c.key === field)?.headers[0] ?? field;

export function presentPreview(p: ImportPreview, t: Translate, show: string) {
  // The retirements shown are the ones counted: those of new rows created as retired too.
  const actions = p.plan.actions.filter((a) =>
    show === 'changes' ? a.kind !== 'unchanged' : show === 'retire' ? retiresSomeone(a) : a.kind === show,
  );
  return {
    id: p.id,
    status: p.status,
    fileLine: t('import.preview.file', { filename: p.filename, encoding: p.encoding, rows: p.totalRows }),
    retireMissing: p.retireMissing,
    counts: [
      { kind: 'create', label: t('import.preview.create'), n: p.plan.summary.create },
      { kind: 'update', label: t('import.preview.update'), n: p.plan.summary.update },
      { kind: 'retire', label: t('import.preview.retire'), n: p.plan.summary.retire },
      { kind: 'unchanged', label: t('import.preview.unchanged'), n: p.plan.summary.unchanged },
      { kind: 'errors', label: t('import.preview.errors'), n: p.errors.length },
    ],
    canApply: p.status === 'previewed' && p.errors.length === 0,
    errors: p.errors.map((e) => ({
      row: e.row === 0 ? '—' : String(e.row),
      column: e.column ?? '',
      message: t(e.code, e.params),
    })),
    newDepartments: p.plan.newDepartments.join('、'),
    newJobCategories: p.plan.newJobCategories.join('、'),
    ignoredColumns: p.ignoredColumns.join('、'),
    show,
    actions: actions.slice(0, SHOWN_ACTIONS).map((a) => ({
      row: a.row === null ? t('import.preview.missingFromFile') : String(a.row),
      employeeNo: a.employeeNo,
      name: a.name,
      kind: a.kind,
      kindLabel: t(`import.preview.${a.kind}`),
      changes: a.changes.map((c) => `${headerOf(c.field)}: ${c.from ?? '—'} → ${c.to ?? '—'}`).join(' / '),
    })),
    showing: actions.length > SHOWN_ACTIONS ? t('import.preview.showing', { shown: SHOWN_ACTIONS, total: actions.length }) : '',
  };
}
