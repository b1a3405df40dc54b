/**
 * Reads a package's central directory and decides whether it is safe to extract, before a
 * single byte of content is inflated. Rules (DESIGN.md §3 step 1, §8):
 * - at most `maxEntries` entries and `maxTotalUncompressedBytes` in all;
 * - the compression ratio is capped only for large content (an entry, or the whole package,
 *   over `ratioCheckAboveBytes` uncompressed): HTML, JS and JSON in real courses compress
 *   5–20:1, and a small very compressible file is harmless, but a 50 MB file of zeros is a bomb;
 * - names must be relative, forward-slash, without `..` segments or NUL;
 * - no symlinks, no encrypted entries, only stored (0) or deflated (8) data;
 * - no two files whose names differ only by letter case or Unicode normalisation: the
 *   content cache may live on a case-insensitive file system (macOS, Windows), where one
 *   would silently overwrite the other; the same goes for a name used as file and folder.
 * Header sizes are only claims: extract.ts counts the bytes it actually inflates.
 */
import yauzl from 'yauzl';
import { type PackageProblem, packageProblem, toMb } from './problems';

export interface ZipLimits {
  maxEntries: number;
  maxTotalUncompressedBytes: number;
  maxCompressionRatio: number;
  ratioCheckAboveBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 10_000,
  maxTotalUncompressedBytes: 1024 * 1024 * 1024,
  maxCompressionRatio: 100,
  ratioCheckAboveBytes: 10 * 1024 * 1024,
};

export interface ZipEntryInfo {
  name: string;
  uncompressedSize: number;
  compressedSize: number;
  isDirectory: boolean;
}

export type ZipInspection = { ok: true; entries: ZipEntryInfo[] } | { ok: false; problems: PackageProblem[] };

/** A long list helps nobody: after this many, one summary problem stands for the rest. */
const MAX_REPORTED_PROBLEMS = 50;
const STORED = 0;
const DEFLATED = 8;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/**
 * A package: its bytes, or the path of its zip file. A path is read piece by piece, so an
 * upload of several hundred megabytes is checked and extracted without being held in memory.
 */
export type ZipSource = Buffer | string;

/** Opens without yauzl's own name checks (they abort the whole listing on the first bad
 *  name); we check names ourselves so the administrator sees every bad entry at once.
 *  Callers always close the zip themselves, so a file is never closed under an open stream. */
export function openZip(source: ZipSource): Promise<yauzl.ZipFile> {
  const options = { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false };
  return typeof source === 'string' ? yauzl.openPromise(source, options) : yauzl.fromBufferPromise(source, options);
}

/** The entry's name, decoded exactly as yauzl would (UTF-8 flag, Info-ZIP Unicode path
 *  field) but with backslashes kept, so that they can be refused rather than rewritten. */
export function entryName(entry: yauzl.Entry): string {
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
}

/** The name problem of an entry, or null. Shared with extraction as defence in depth. */
export function entryNameProblem(name: string): string | null {
  if (name === '' || name.includes('\0')) return 'scorm.import.badEntryName';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'scorm.import.absolutePath';
  if (name.includes('\\')) return 'scorm.import.backslash';
  if (name.split('/').includes('..')) return 'scorm.import.zipSlip';
  return null;
}

export const isSymlink = (entry: yauzl.Entry): boolean => ((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK;
export const isEncrypted = (entry: yauzl.Entry): boolean => (entry.generalPurposeBitFlag & 0x1) !== 0;
export const hasSupportedMethod = (entry: yauzl.Entry): boolean =>
  entry.compressionMethod === STORED || entry.compressionMethod === DEFLATED;

/** The key under which two names collide on a case-insensitive, normalising file system. */
const collisionKey = (name: string): string => name.replace(/\/+$/, '').normalize('NFC').toLowerCase();
const shown = (name: string): string => name.replace(/\0/g, '\\0');

export async function inspectZip(source: ZipSource, limits: Partial<ZipLimits> = {}): Promise<ZipInspection> {
  const max = { ...DEFAULT_ZIP_LIMITS, ...limits };
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(source);
  } catch {
    return { ok: false, problems: [packageProblem('scorm.import.notZip')] };
  }
  try {
    if (zip.entryCount > max.maxEntries) {
      return {
        ok: false,
        problems: [packageProblem('scorm.import.tooManyEntries', { params: { count: zip.entryCount, max: max.maxEntries } })],
      };
    }
    return await listEntries(zip, zip.fileSize, max);
  } finally {
    zip.close();
  }
}

async function listEntries(zip: yauzl.ZipFile, zipSize: number, max: ZipLimits): Promise<ZipInspection> {
  const problems: PackageProblem[] = [];
  const entries: ZipEntryInfo[] = [];
  const files = new Map<string, string>(); // collision key -> first name
  const folders = new Set<string>(); // collision keys of every folder, explicit or implied
  let totalUncompressed = 0;
  let totalCompressed = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entryName(entry);
      const file = shown(name);
      const isDirectory = name.endsWith('/');
      entries.push({ name, uncompressedSize: entry.uncompressedSize, compressedSize: entry.compressedSize, isDirectory });
      if (entries.length > max.maxEntries) {
        return {
          ok: false,
          problems: [packageProblem('scorm.import.tooManyEntries', { params: { count: zip.entryCount, max: max.maxEntries } })],
        };
      }
      if (entry.relativeOffsetOfLocalHeader + entry.compressedSize > zipSize) {
        return { ok: false, problems: [packageProblem('scorm.import.notZip')] };
      }
      const nameProblem = entryNameProblem(name);
      if (nameProblem) problems.push(packageProblem(nameProblem, { file }));
      if (isSymlink(entry)) problems.push(packageProblem('scorm.import.symlink', { file }));
      if (isEncrypted(entry)) problems.push(packageProblem('scorm.import.encrypted', { file }));
      else if (!isDirectory && !hasSupportedMethod(entry)) {
        problems.push(packageProblem('scorm.import.unsupportedCompression', { file, params: { method: entry.compressionMethod } }));
      }
      if (entry.uncompressedSize > max.ratioCheckAboveBytes) {
        const ratio = compressionRatio(entry.uncompressedSize, entry.compressedSize);
        if (ratio > max.maxCompressionRatio) {
          problems.push(
            packageProblem('scorm.import.compressionRatio', { file, params: { ratio: shownRatio(ratio), max: max.maxCompressionRatio } }),
          );
        }
      }
      totalUncompressed += entry.uncompressedSize;
      totalCompressed += entry.compressedSize;
      if (totalUncompressed > max.maxTotalUncompressedBytes) {
        problems.push(
          packageProblem('scorm.import.tooLarge', {
            params: { sizeMb: toMb(totalUncompressed), maxMb: toMb(max.maxTotalUncompressedBytes) },
          }),
        );
        return { ok: false, problems };
      }
      if (!nameProblem) recordPath(name, isDirectory, files, folders, problems);
      if (problems.length > MAX_REPORTED_PROBLEMS) break;
    }
  } catch (err) {
    // yauzl refuses "strong encryption" itself, before we see the entry.
    const code = /encrypt/i.test((err as Error).message) ? 'scorm.import.encrypted' : 'scorm.import.notZip';
    return { ok: false, problems: [...problems, packageProblem(code)] };
  }
  for (const [key, name] of files) {
    if (folders.has(key)) problems.push(packageProblem('scorm.import.fileFolderConflict', { file: shown(name) }));
  }
  if (totalUncompressed > max.ratioCheckAboveBytes) {
    const ratio = compressionRatio(totalUncompressed, totalCompressed);
    if (ratio > max.maxCompressionRatio) {
      problems.push(
        packageProblem('scorm.import.compressionRatioTotal', { params: { ratio: shownRatio(ratio), max: max.maxCompressionRatio } }),
      );
    }
  }
  if (problems.length === 0) return { ok: true, entries };
  if (problems.length > MAX_REPORTED_PROBLEMS) {
    const count = problems.length;
    problems.length = MAX_REPORTED_PROBLEMS;
    problems.push(packageProblem('scorm.import.tooManyProblems', { params: { shown: MAX_REPORTED_PROBLEMS, count } }));
  }
  return { ok: false, problems };
}

function recordPath(
  name: string,
  isDirectory: boolean,
  files: Map<string, string>,
  folders: Set<string>,
  problems: PackageProblem[],
): void {
  const key = collisionKey(name);
  const segments = key.split('/');
  for (let i = 1; i < segments.length; i++) folders.add(segments.slice(0, i).join('/'));
  if (isDirectory) {
    folders.add(key); // the same folder listed twice is harmless
    return;
  }
  const other = files.get(key);
  if (other !== undefined) {
    problems.push(packageProblem('scorm.import.duplicateEntry', { file: shown(name), params: { other: shown(other) } }));
  } else {
    files.set(key, name);
  }
}

const compressionRatio = (uncompressed: number, compressed: number): number =>
  compressed === 0 ? (uncompressed === 0 ? 1 : Number.POSITIVE_INFINITY) : uncompressed / compressed;
const shownRatio = (ratio: number): number => (Number.isFinite(ratio) ? Math.round(ratio) : 999_999);
