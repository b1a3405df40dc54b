import type { Translate } from '../../lib/i18n';
import { localDateTime } from '../../lib/dates';

export interface AuditEntryLike {
  seq?: number;
  at: Date;
  action: string;
  subjectType: string;
  subjectId: string | null;
  details: unknown;
  actorName?: string | null;
  actorId?: number | null;
}

const show = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Field labels: the roster's fields by their form labels; anything else by its own name. */
function fieldLabel(field: string, t: Translate): string {
  const key = `staff.field.${field === 'department' ? 'department' : field === 'jobCategory' ? 'jobCategory' : field}`;
  const label = t(key);
  return label === key ? field : label;
}

/** "氏名: 山田 → 山田 花子" lines from before/after details; other details as short text. */
export function describeDetails(details: unknown, t: Translate): string[] {
  const d = (details ?? {}) as Record<string, unknown>;
  const before = (d.before && typeof d.before === 'object' ? d.before : {}) as Record<string, unknown>;
  const after = (d.after && typeof d.after === 'object' ? d.after : {}) as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const lines = fields.map((f) => `${fieldLabel(f, t)}: ${show(before[f])} → ${show(after[f])}`);
  for (const [k, v] of Object.entries(d)) {
    if (k !== 'before' && k !== 'after') lines.push(`${k}: ${show(v)}`);
  }
  return lines;
}

export function presentAuditEntry(e: AuditEntryLike, t: Translate) {
  const key = `audit.action.${e.action}`;
  const label = t(key);
  return {
    seq: e.seq,
    at: localDateTime(e.at),
    action: label === key ? e.action : label,
    code: e.action,
    actor: e.actorName ?? (e.actorId ? `#${e.actorId}` : t('audit.system')),
    subject: `${e.subjectType}${e.subjectId ? ` #${e.subjectId}` : ''}`,
    details: describeDetails(e.details, t),
  };
}
