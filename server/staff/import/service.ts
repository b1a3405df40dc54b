import type { Viewer } from '../../auth/policies';
import { recordAudit, type AuditEvent } from '../../compliance/audit/service';
import type { Database } from '../../db/client';
import { withTransaction } from '../../db/transaction';
import { localDate } from '../../lib/dates';
import { conflict, notFound, uniqueViolation } from '../../lib/errors';
import * as roster from '../service';
import type { RosterColumnKey } from './columns';
import { parseRosterCsv, type RosterRow, type RowError } from './parse';
import { planRosterImport, type FieldChange, type RosterPlan } from './plan';
import * as repo from './repository';

export interface ImportOptions {
  encoding: 'auto' | 'utf-8' | 'shift_jis';
  retireMissing: boolean;
}

/** How parsed rows are kept between preview and apply (jsonb has no Set). */
interface StoredRows {
  present: RosterColumnKey[];
  items: Omit<RosterRow, 'present'>[];
  totalRows: number;
  ignoredColumns: string[];
}

/** Parses and stores an uploaded file; nothing in the roster changes until it is applied. */
export async function previewImport(
  db: Database,
  actor: Viewer | null,
  file: { bytes: Buffer; filename: string },
  opts: ImportOptions,
): Promise<number> {
  const parsed = parseRosterCsv(file.bytes, { encoding: opts.encoding });
  const present = parsed.rows[0] ? [...parsed.rows[0].present] : [];
  const stored: StoredRows = {
    present,
    items: parsed.rows.map(({ present: _present, ...rest }) => rest),
    totalRows: parsed.totalRows,
    ignoredColumns: parsed.ignoredColumns,
  };
  return repo.insertImport(db, {
    uploadedBy: actor?.id ?? null,
    filename: file.filename.slice(0, 200),
    encoding: parsed.encoding,
    retireMissing: opts.retireMissing,
    rows: stored,
    errors: parsed.errors,
  });
}

function restoreRows(stored: StoredRows): RosterRow[] {
  const present = new Set(stored.present);
  return stored.items.map((item) => ({ ...item, present }));
}

export interface ImportPreview {
  id: number;
  filename: string;
  encoding: string;
  status: 'previewed' | 'applied' | 'discarded';
  retireMissing: boolean;
  totalRows: number;
  ignoredColumns: string[];
  errors: RowError[];
  plan: RosterPlan;
  summary: unknown;
}

/** The stored file, planned against the roster as it is now (it may have changed since upload). */
export async function loadPreview(db: Database, id: number, now: Date): Promise<ImportPreview> {
  const record = await repo.findImport(db, id);
  if (!record) throw notFound();
  const stored = record.rows as StoredRows;
  const plan = planRosterImport(restoreRows(stored), await repo.currentRoster(db), {
    retireMissing: record.retireMissing,
    today: localDate(now),
    protectedIds: record.uploadedBy ? [record.uploadedBy] : [],
  });
  const errors = [...(record.errors as RowError[]), ...plan.errors].sort((a, b) => a.row - b.row);
  return {
    id: record.id,
    filename: record.filename,
    encoding: record.encoding,
    status: record.status,
    retireMissing: record.retireMissing,
    totalRows: stored.totalRows,
    ignoredColumns: stored.ignoredColumns,
    errors,
    plan,
    summary: record.summary,
  };
}

function columnsFrom(changes: FieldChange[], deptIds: Map<string, number>, jobIds: Map<string, number>): roster.StaffColumns {
  const out: roster.StaffColumns = {};
  for (const c of changes) {
    switch (c.field) {
      case 'department':
        out.departmentId = c.to === null ? null : (deptIds.get(c.to) ?? null);
        break;
      case 'jobCategory':
        out.jobCategoryId = c.to === null ? null : (jobIds.get(c.to) ?? null);
        break;
      case 'name':
        out.name = c.to ?? '';
        break;
      case 'locale':
        out.locale = c.to ?? 'ja';
        break;
      case 'nameKana':
      case 'email':
      case 'hiredOn':
      case 'retiredOn':
        out[c.field] = c.to;
        break;
    }
  }
  return out;
}

const changeMaps = (changes: FieldChange[]) => ({
  before: Object.fromEntries(changes.map((c) => [c.field, c.from])),
  after: Object.fromEntries(changes.map((c) => [c.field, c.to])),
});

/**
 * Applies a previewed file in one transaction: re-plans against the roster of this moment,
 * refuses if anything is wrong, and writes every change with its audit entry — or nothing.
 */
export async function applyImport(db: Database, actor: Viewer | null, id: number, now: Date): Promise<RosterPlan['summary']> {
  try {
    const summary = await withTransaction(db, now, async (work) => {
      const { tx } = work;
      const record = await repo.findImportForUpdate(tx, id);
      if (!record) throw notFound();
      if (record.status !== 'previewed') throw conflict('import.alreadyApplied');
      if ((record.errors as RowError[]).length > 0) throw conflict('import.hasErrors');
      const plan = planRosterImport(restoreRows(record.rows as StoredRows), await repo.currentRoster(tx), {
        retireMissing: record.retireMissing,
        today: localDate(now),
        protectedIds: record.uploadedBy ? [record.uploadedBy] : [],
      });
      if (plan.errors.length > 0) throw conflict('import.hasErrors');

      const deptIds = await roster.ensureNamed(work, 'department', plan.newDepartments);
      const jobIds = await roster.ensureNamed(work, 'jobCategory', plan.newJobCategories);
      const events: AuditEvent[] = [
        ...plan.newDepartments.map((name) => ({
          actorId: actor?.id ?? null,
          action: 'department.create',
          subjectType: 'department',
          subjectId: deptIds.get(name),
          details: { after: { name }, importId: id },
        })),
        ...plan.newJobCategories.map((name) => ({
          actorId: actor?.id ?? null,
          action: 'jobCategory.create',
          subjectType: 'jobCategory',
          subjectId: jobIds.get(name),
          details: { after: { name }, importId: id },
        })),
      ];

      const creates = plan.actions.filter((a) => a.kind === 'create');
      const created = await roster.insertStaffBatch(
        work,
        creates.map((a) => ({ employeeNo: a.employeeNo, name: a.name, ...columnsFrom(a.changes, deptIds, jobIds) })),
      );
      const createdIds = new Map(created.map((c) => [c.employeeNo, c.id]));
      for (const a of creates) {
        events.push({
          actorId: actor?.id ?? null,
          action: 'staff.create',
          subjectType: 'staff',
          subjectId: createdIds.get(a.employeeNo),
          details: { after: changeMaps(a.changes).after, importId: id, row: a.row },
        });
      }

      for (const a of plan.actions) {
        if ((a.kind !== 'update' && a.kind !== 'retire') || !a.staffId) continue;
        await roster.updateStaffColumns(work, a.staffId, columnsFrom(a.changes, deptIds, jobIds));
        events.push({
          actorId: actor?.id ?? null,
          action: a.kind === 'retire' ? 'staff.retire' : 'staff.update',
          subjectType: 'staff',
          subjectId: a.staffId,
          details: { ...changeMaps(a.changes), importId: id, row: a.row },
        });
      }

      recordAudit(work, [
        ...events,
        {
          actorId: actor?.id ?? null,
          action: 'roster.import',
          subjectType: 'rosterImport',
          subjectId: id,
          details: { filename: record.filename, summary: plan.summary },
        },
      ]);
      await repo.finishImport(tx, id, 'applied', plan.summary, now);
      return plan.summary;
    });
    roster.staffChanged(db, 'all');
    return summary;
  } catch (err) {
    // Two rows swapping e-mail addresses, or a concurrent edit: refuse rather than half-apply.
    if (uniqueViolation(err)) throw conflict('import.conflict');
    throw err;
  }
}

export async function discardImport(db: Database, actor: Viewer | null, id: number, now: Date) {
  await withTransaction(db, now, async (work) => {
    const { tx } = work;
    const record = await repo.findImportForUpdate(tx, id);
    if (!record) throw notFound();
    if (record.status !== 'previewed') throw conflict('import.alreadyApplied');
    await repo.finishImport(tx, id, 'discarded', null, now);
    recordAudit(work, [
      {
        actorId: actor?.id ?? null,
        action: 'roster.import-discard',
        subjectType: 'rosterImport',
        subjectId: id,
        details: { filename: record.filename },
      },
    ]);
  });
}
