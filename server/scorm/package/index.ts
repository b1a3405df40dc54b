/**
 * The pure core of SCORM package import: a zip (bytes or a file) in, a verdict out. No
 * database, no HTTP: inspect the zip's directory -> read imsmanifest.xml -> parse -> check it
 * against the zip -> inflate every entry once, checking its size and CRC (a package that
 * would fail extraction is refused here, not at its first launch) -> read its HTML pages for
 * what they load from the internet (which the content CSP blocks: a warning, not a refusal).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { scanExternalAssets } from './external-assets';
import { proveEntries, readEntry } from './extract';
import { inspectZip, type ZipEntryInfo, type ZipLimits, type ZipSource } from './inspect';
import { parseManifest } from './manifest';
import type { ManifestModel } from './model';
import { PackageError, type PackageProblem, packageProblem, toMb } from './problems';
import { validateManifest } from './validate';

export { extractAll, proveEntries, readEntries, readEntry } from './extract';
export { DEFAULT_EXTERNAL_ASSET_LIMITS, externalHostsOf, scanExternalAssets, type ExternalAssetLimits } from './external-assets';
export { DEFAULT_ZIP_LIMITS, inspectZip, type ZipEntryInfo, type ZipInspection, type ZipLimits, type ZipSource } from './inspect';
export { parseManifest, type ManifestResult } from './manifest';
export type { Item, ManifestModel, Organization, Resource, Sco, ScormStandard } from './model';
export { PackageError, type PackageProblem, packageProblem, problemParams } from './problems';
export { validateManifest } from './validate';

export const MANIFEST_NAME = 'imsmanifest.xml';
/** Far above any real manifest (a course with thousands of files has a manifest under 2 MB). */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export type PackageAnalysis =
  | { ok: true; model: ManifestModel; warnings: PackageProblem[]; sha256: string; sizeBytes: number; entries: ZipEntryInfo[] }
  | { ok: false; problems: PackageProblem[] };

/** Where a misplaced manifest is, if the zip has one just one folder down (a common mistake:
 *  zipping the folder instead of its contents), or at the root in another letter case. */
function misplacedManifest(entries: ZipEntryInfo[]): string | undefined {
  return entries.find((e) => !e.isDirectory && /^([^/]+\/)?imsmanifest\.xml$/i.test(e.name))?.name;
}

/** The sha256 and size of a zip, a file read as a stream (never whole in memory). */
export async function fingerprint(source: ZipSource): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  if (typeof source !== 'string') return { sha256: hash.update(source).digest('hex'), sizeBytes: source.length };
  let sizeBytes = 0;
  await pipeline(fs.createReadStream(source), async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) {
      hash.update(chunk);
      sizeBytes += chunk.length;
    }
  });
  return { sha256: hash.digest('hex'), sizeBytes };
}

export async function analysePackage(source: ZipSource, limits: Partial<ZipLimits> = {}): Promise<PackageAnalysis> {
  const inspection = await inspectZip(source, limits);
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
    return {
      ok: false,
      problems: [packageProblem('scorm.import.entryTooLarge', { file: MANIFEST_NAME, params: { maxMb: toMb(MAX_MANIFEST_BYTES) } })],
    };
  }
  let manifestBytes: Buffer;
  try {
    manifestBytes = await readEntry(source, MANIFEST_NAME, MAX_MANIFEST_BYTES);
  } catch (err) {
    if (err instanceof PackageError) return { ok: false, problems: err.problems };
    throw err;
  }
  const manifest = parseManifest(manifestBytes);
  if (!manifest.ok) return manifest;
  const files = new Set(entries.filter((e) => !e.isDirectory).map((e) => e.name));
  const validation = validateManifest(manifest.model, files);
  if (validation.problems.length > 0) return { ok: false, problems: validation.problems };
  // Last, as the one step that reads the whole package: a package refused for its manifest is not inflated.
  const damaged = await proveEntries(source);
  if (damaged.length > 0) return { ok: false, problems: damaged };
  return {
    ok: true,
    model: manifest.model,
    warnings: [...manifest.warnings, ...validation.warnings, ...(await scanExternalAssets(source, entries))],
    ...(await fingerprint(source)),
    entries,
  };
}
