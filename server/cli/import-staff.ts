// `mamoru import-staff <file.csv>`: the roster import for scripts and cron jobs. It goes through
// the same service as the upload screen (preview -> check -> apply in one transaction), so the
// command line cannot write anything the screen would have refused.
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../lib/errors';
import { translator, type Translate } from '../lib/i18n';
import type { RowError } from '../staff/import/parse';
import { applyImport, discardImport, loadPreview, previewImport, type ImportPreview } from '../staff/import/service';
import type { Command } from './commands';

const ENCODINGS = ['auto', 'utf-8', 'shift_jis'] as const;
type Encoding = (typeof ENCODINGS)[number];

/** Messages follow the operator's shell: English when LANG says so, Japanese otherwise. */
function cliTranslator(): Translate {
  return translator(process.env.LANG?.toLowerCase().startsWith('en') ? 'en' : 'ja');
}

export function formatRowError(e: RowError, t: Translate): string {
  const where = e.row === 0 ? 'file' : `row ${e.row}`;
  return `${where}${e.column ? `, column ${e.column}` : ''}: ${t(e.code, e.params)}`;
}

function printSummary(p: ImportPreview): void {
  const s = p.plan.summary;
  console.log(`File: ${p.filename} (${p.encoding}, ${p.totalRows} rows${p.retireMissing ? ', retire missing' : ''})`);
  console.log(`  create:    ${s.create}`);
  console.log(`  update:    ${s.update}`);
  console.log(`  retire:    ${s.retire}`);
  console.log(`  unchanged: ${s.unchanged}`);
  console.log(`  errors:    ${p.errors.length}`);
  if (p.plan.newDepartments.length) console.log(`New departments (${p.plan.newDepartments.length}): ${p.plan.newDepartments.join(', ')}`);
  if (p.plan.newJobCategories.length)
    console.log(`New job categories (${p.plan.newJobCategories.length}): ${p.plan.newJobCategories.join(', ')}`);
  if (p.ignoredColumns.length) console.log(`Ignored columns: ${p.ignoredColumns.join(', ')}`);
}

export const importStaffCommand: Command = {
  summary: 'Import the staff roster from a CSV file (same checks as the upload screen).',
  usage: '<file.csv> [--dry-run] [--encoding auto|utf-8|shift_jis] [--retire-missing]',
  options: { 'dry-run': { type: 'boolean' }, encoding: { type: 'string' }, 'retire-missing': { type: 'boolean' } },
  run: async ({ database, options, args }) => {
    const t = cliTranslator();
    const [file, ...extra] = args;
    if (!file || extra.length > 0) {
      console.error('Usage: import-staff <file.csv> [--dry-run] [--encoding auto|utf-8|shift_jis] [--retire-missing]');
      return 1;
    }
    const encoding = (typeof options.encoding === 'string' ? options.encoding : 'auto') as Encoding;
    if (!ENCODINGS.includes(encoding)) {
      console.error(`--encoding must be one of ${ENCODINGS.join(', ')}.`);
      return 1;
    }
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (err) {
      console.error(`Cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }
    if (bytes.length === 0) {
      console.error(`${file}: ${t('import.error.empty')}`);
      return 1;
    }

    const { db } = database;
    const id = await previewImport(
      db,
      null,
      { bytes, filename: path.basename(file) },
      { encoding, retireMissing: options['retire-missing'] === true },
    );
    const preview = await loadPreview(db, id, new Date());
    printSummary(preview);

    if (preview.errors.length > 0) {
      for (const e of preview.errors) console.error(formatRowError(e, t));
      await discardImport(db, null, id, new Date());
      console.error(t('import.preview.hasErrors'));
      return 1;
    }
    if (options['dry-run'] === true) {
      await discardImport(db, null, id, new Date());
      console.log('Dry run: nothing was written to the roster.');
      return 0;
    }
    try {
      const summary = await applyImport(db, null, id, new Date());
      console.log(t('import.applied', summary));
      return 0;
    } catch (err) {
      // Refused (the roster changed since the preview, a duplicate e-mail): nothing was written.
      if (err instanceof AppError) {
        console.error(t(err.messageKey, err.params));
        await discardImport(db, null, id, new Date()).catch(() => undefined);
        return 1;
      }
      throw err;
    }
  },
};
