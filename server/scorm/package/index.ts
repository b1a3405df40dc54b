/**
 * The pure core of SCORM package import: bytes in, a verdict out. No database, no HTTP:
 * inspect the zip's directory -> read imsmanifest.xml -> parse -> check it against the zip.
 */
import { createHash } from 'node:crypto';
import { readEntry } from './extract';
import { inspectZip, type ZipEntryInfo, type ZipLimits } from './inspect';
import { parseManifest } from './manifest';
import type { ManifestModel } from './model';
import { PackageError, type PackageProblem, packageProblem, toMb } from './problems';
import { validateManifest } from './validate';

export { extractAll, readEntry } from './extract';
export { DEFAULT_ZIP_LIMITS, inspectZip, type ZipEntryInfo, type ZipInspection, type ZipLimits } from './inspect';
export { parseManifest, type ManifestResult } from './manifest';
export type { Item, ManifestModel, Organization, Resource, Sco, ScormStandard } from './model';
export { PackageError, type PackageProblem, problemParams } from './problems';
export { validateManifest } from './validate';

export const MANIFEST_NAME = 'imsmanifest.xml';
/** Far above any real manifest (a course with thousands of files has a manifest under 2 MB). */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export type PackageAnalysis =
  | { ok: true; model: ManifestModel; warnings: PackageProblem[]; sha256: string; entries: ZipEntryInfo[] }
  | { ok: false; problems: PackageProblem[] };

/** Where a misplaced manifest is, if the zip has one just one folder down (a common mistake:
 *  zipping the folder instead of its contents), or at the root in another letter case. */
function misplacedManifest(entries: ZipEntryInfo[]): string | undefined {
  return entries.find((e) => !e.isDirectory && /^([^/]+\/)?imsmanifest\.xml$/i.test(e.name))?.name;
}

export async function analysePackage(bytes: Buffer, limits: Partial<ZipLimits> = {}): Promise<PackageAnalysis> {
  const inspection = await inspectZip(bytes, limits);
  if (!inspection.ok) return inspection;
  const { entries } = inspection;
  const manifestEntry = entries.find((e) => e.name === MANIFEST_NAME && !e.isDirectory);
  if (!manifestEntry) {
    const found = misplacedManifest(entries);
    const problem = found
      ? packageProblem('scorm.import.noManifest', {
          file: MANIFEST_NAME,
          params: { found },
          hint: found.includes('/') ? 'scorm.import.noManifestNestedHint' : 'scorm.import.caseMismatchHint',
        })
      : packageProblem('scorm.import.noManifest', { file: MANIFEST_NAME });
    return { ok: false, problems: [problem] };
  }
  if (manifestEntry.uncompressedSize > MAX_MANIFEST_BYTES) {
    return { ok: false, problems: [packageProblem('scorm.import.entryTooLarge', { file: MANIFEST_NAME, params: { maxMb: toMb(MAX_MANIFEST_BYTES) } })] };
  }
  let manifestBytes: Buffer;
  try {
    manifestBytes = await readEntry(bytes, MANIFEST_NAME, MAX_MANIFEST_BYTES);
  } catch (err) {
    if (err instanceof PackageError) return { ok: false, problems: err.problems };
    throw err;
  }
  const manifest = parseManifest(manifestBytes);
  if (!manifest.ok) return manifest;
  const files = new Set(entries.filter((e) => !e.isDirectory).map((e) => e.name));
  const validation = validateManifest(manifest.model, files);
  if (validation.problems.length > 0) return { ok: false, problems: validation.problems };
  return {
    ok: true,
    model: manifest.model,
    warnings: [...manifest.warnings, ...validation.warnings],
    sha256: createHash('sha256').update(bytes).digest('hex'),
    entries,
  };
}
