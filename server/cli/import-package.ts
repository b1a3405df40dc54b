import fs from 'node:fs';
import { translator } from '../lib/i18n';
import { problemParams } from '../scorm/package';
import { findCourseBySlugOrNull, importPackage } from '../scorm/courses/service';
import type { Command } from './commands';

export const importPackageCommand: Command = {
  summary: 'Check a SCORM zip and store it as a new course, or a new version of --course <slug>.',
  usage: '<file.zip> [--course <slug>] [--keep-current]  (new attempts use the new version unless --keep-current)',
  options: { course: { type: 'string' }, 'keep-current': { type: 'boolean' } },
  run: async ({ database, options, args }) => {
    const t = translator(process.env.LANG?.startsWith('en') ? 'en' : 'ja');
    const file = args[0];
    if (!file) {
      console.error('Give the zip file: import-package <file.zip>');
      return 1;
    }
    // Imported from the file itself, piece by piece: a package of hundreds of megabytes is never read into memory whole.
    try {
      fs.accessSync(file, fs.constants.R_OK);
      if (!fs.statSync(file).isFile()) throw new Error('not a file');
    } catch (err) {
      console.error(`Cannot read ${file}: ${(err as Error).message}`);
      return 1;
    }
    const slug = typeof options.course === 'string' ? options.course : undefined;
    const existing = slug ? await findCourseBySlugOrNull(database.db, slug) : undefined;
    const result = await importPackage(database.db, null, file, new Date(), {
      ...(existing ? { courseId: existing.id } : slug ? { slug } : {}),
      makeCurrent: options['keep-current'] !== true,
    });
    if (!result.ok && result.reason === 'same-as-latest') {
      console.error(`${file}: ${t('scorm.course.sameAsLatest', { versionNo: result.versionNo })}`);
      return 1;
    }
    if (!result.ok) {
      console.error(`${file}: ${t('scorm.import.refused')}`);
      for (const p of result.problems) console.error(`  - ${t(p.code, problemParams(p))}`);
      return 1;
    }
    console.log(
      `${result.created ? 'Created course' : 'Added version'} ${result.versionNo} (course id ${result.courseId}, version id ${result.versionId}).`,
    );
    for (const w of result.warnings) console.log(`  warning: ${t(w.code, problemParams(w))}`);
    return 0;
  },
};
