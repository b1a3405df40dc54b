import { localDateTime } from '../../lib/dates';
import type { FieldErrors } from '../../lib/errors';
import type { MessageKey, Translate } from '../../lib/i18n';
import type { PackageProblem } from '../package';
import { problemParams } from '../package';
import type { CourseRow, VersionSummary } from './repository';

export const STANDARD_LABELS: Record<string, string> = {
  '1.2': 'SCORM 1.2',
  '2004-2nd': 'SCORM 2004 2nd Edition',
  '2004-3rd': 'SCORM 2004 3rd Edition',
  '2004-4th': 'SCORM 2004 4th Edition',
};

export function presentProblems(problems: PackageProblem[], t: Translate) {
  return problems.map((p) => {
    const params = problemParams(p);
    return [t(p.code, params), p.hint ? t(p.hint, params) : ''].filter(Boolean).join(' ');
  });
}

/** The upload form's fields, as the officer knows them (the raw name too: API clients send it). */
const UPLOAD_FIELDS: Record<string, MessageKey> = {
  courseId: 'scorm.import.field.courseId',
  completionRule: 'scorm.import.field.completionRule',
  makeCurrent: 'scorm.import.field.makeCurrent',
};

/** One line per refused upload-form field, naming it and the value sent (shortened). */
export function presentFormProblems(errors: FieldErrors, body: Record<string, unknown>, t: Translate) {
  return Object.keys(errors).map((field) => {
    const name = field.split('.')[0]!;
    const sent = JSON.stringify(body[name] ?? '');
    return t('scorm.import.badField', { field: UPLOAD_FIELDS[name] ? t(UPLOAD_FIELDS[name]) : name, value: sent.length > 60 ? `${sent.slice(0, 57)}…` : sent });
  });
}

export const formatSeconds = (s: number | null | undefined) => {
  if (s === null || s === undefined) return '—';
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
};

export const formatScore = (scaled: number | null | undefined) => (scaled === null || scaled === undefined ? '—' : `${Math.round(scaled * 100)}%`);
export const formatAt = localDateTime;

export function presentVersion(v: VersionSummary, course: CourseRow, t: Translate) {
  return {
    id: v.id,
    versionNo: v.versionNo,
    standard: STANDARD_LABELS[v.standard] ?? v.standard,
    title: v.title,
    sha256: v.sha256,
    size: `${(v.sizeBytes / 1048576).toFixed(1)} MB`,
    completionRule: t(`scorm.rule.${v.completionRule}`),
    current: course.currentVersionId === v.id,
    warnings: presentProblems(v.warnings as PackageProblem[], t),
    createdAt: formatAt(v.createdAt),
    downloadHref: `/admin/courses/${course.id}/versions/${v.id}/package.zip`,
  };
}
