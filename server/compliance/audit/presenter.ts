import type { Translate } from '../../lib/i18n';
import { localDateTime } from '../../lib/dates';
import type { PageVerification } from './service';

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

const show = (v: unknown) =>
  v === null || v === undefined || v === '' ? '—' : Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v);

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

/**
 * What the page says about the chain: exactly what this view verified, where it started, and when
 * every entry was last recomputed, so it never reads as more than was checked.
 */
export function presentVerification(v: PageVerification, t: Translate) {
  let status: string;
  if (!v.ok) status = t('audit.broken', { seq: v.brokenAtSeq ?? '', reason: v.reason ?? '' });
  else if (!v.from) status = t('audit.intact', { entries: v.entries });
  else status = t('audit.intactSince', { from: v.from.seq, to: v.entries, count: v.checked });
  const scope: string[] = [];
  if (v.from) scope.push(t('audit.fromCheckpoint', { seq: v.from.seq, at: localDateTime(v.from.verifiedAt) }));
  scope.push(
    v.lastFullWalk
      ? t('audit.lastFullWalk', { seq: v.lastFullWalk.seq, at: localDateTime(v.lastFullWalk.verifiedAt) })
      : t('audit.noFullWalk'),
  );
  return { ok: v.ok, status, scope, headHash: v.headHash };
}
