import { localDateTime } from '../../lib/dates';
import type { FieldErrors } from '../../lib/errors';
import type { MessageKey, Translate } from '../../lib/i18n';
import type { PackageProblem } from '../package';
import { problemParams } from '../package';
import type { CourseRow, VersionSummary } from './repository';
import type { ImportResult } from './service';
import type { Received } from './upload';

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
    return t('scorm.import.badField', {
      field: UPLOAD_FIELDS[name] ? t(UPLOAD_FIELDS[name]) : name,
      value: sent.length > 60 ? `${sent.slice(0, 57)}…` : sent,
    });
  });
}

/** An upload that did not become a version: the status of the upload page and what it says, one line per problem. */
export function presentUploadRefusal(
  outcome: Exclude<Received<unknown>, { ok: true }> | Exclude<ImportResult, { ok: true }>,
  body: Record<string, unknown>,
  t: Translate,
  maxMb: number,
): { status: number; problems: string[] } {
  switch (outcome.reason) {
    case 'tooLarge':
      return { status: 413, problems: [t('scorm.import.uploadTooLarge', { mb: maxMb })] };
    case 'noFile':
      return { status: 400, problems: [t('scorm.import.noFile')] };
    case 'badForm':
      return { status: 400, problems: presentFormProblems(outcome.errors, body, t) };
    case 'refused':
      return { status: 422, problems: presentProblems(outcome.problems, t) };
    // The same bytes as the latest version: said on the upload page, where the officer is.
    case 'same-as-latest':
      return { status: 409, problems: presentProblems(outcome.problems, t) };
  }
}

/** The course's own part of its officer page: settings and versions (the page adds the year's attempts). */
export function presentCourseAdmin(course: CourseRow, versions: VersionSummary[], t: Translate) {
  return {
    title: course.title,
    course: {
      id: course.id,
      title: course.title,
      slug: course.slug,
      attemptLimit: course.attemptLimit ?? '',
      builtin: course.origin === 'builtin',
    },
    versions: versions.map((v) => presentVersion(v, course, t)),
  };
}

export function presentAdminCourses(list: CourseRow[]) {
  return list.map((c) => ({
    id: c.id,
    title: c.title,
    slug: c.slug,
    origin: c.origin,
    archived: Boolean(c.archivedAt),
    href: `/admin/courses/${c.id}`,
  }));
}

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
    createdAt: localDateTime(v.createdAt),
    downloadHref: `/admin/courses/${course.id}/versions/${v.id}/package.zip`,
  };
}
