/**
 * Reading content out of a package that `inspectZip` accepted. Header sizes are claims made
 * by whoever built the zip, so every stream is counted as it inflates and stopped the moment
 * it exceeds the size its entry declared (yauzl checks the same; this is the second lock),
 * and at its end must have exactly that size and the CRC-32 its entry declared (yauzl does not
 * check the CRC). Import runs every entry through the same checks (`proveEntries`), so a
 * package that would fail extraction is refused before it is stored, not at the first launch.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type yauzl from 'yauzl';
import {
  entryName,
  entryNameProblem,
  hasSupportedMethod,
  inspectZip,
  isEncrypted,
  isSymlink,
  openZip,
  type ZipLimits,
  type ZipSource,
} from './inspect';
import { crc32 } from './crc32';
import { type PackageProblem, PackageError, packageProblem } from './problems';

/**
 * Passes bytes through until more than `limit` have been seen, then fails the stream. Given the
 * entry's declared CRC-32, it also fails a stream that ends short of `limit` or whose bytes do
 * not have that CRC.
 */
export class ByteCap extends Transform {
  private seen = 0;
  private crc = 0;
  constructor(
    private readonly limit: number,
    private readonly file: string,
    private readonly expectedCrc32?: number,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) return done(this.problem('scorm.import.sizeMismatch'));
    if (this.expectedCrc32 !== undefined) this.crc = crc32(chunk, this.crc);
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    if (this.expectedCrc32 === undefined) return done();
    if (this.seen !== this.limit) return done(this.problem('scorm.import.sizeMismatch'));
    if (this.crc !== this.expectedCrc32 >>> 0) return done(this.problem('scorm.import.crcMismatch'));
    done();
  }
  private problem(code: string): PackageError {
    return new PackageError([packageProblem(code, { file: this.file })]);
  }
}

/** Opens an entry's inflated data, capped at its declared size; refuses what inspection would. */
async function openCapped(zip: yauzl.ZipFile, entry: yauzl.Entry, name: string): Promise<NodeJS.ReadableStream> {
  const problem =
    entryNameProblem(name) ??
    (isSymlink(entry) ? 'scorm.import.symlink' : null) ??
    (isEncrypted(entry) ? 'scorm.import.encrypted' : null) ??
    (hasSupportedMethod(entry) ? null : 'scorm.import.unsupportedCompression');
  if (problem) throw new PackageError([packageProblem(problem, { file: name })]);
  const raw = await zip.openReadStreamPromise(entry);
  const cap = new ByteCap(entry.uncompressedSize, name, entry.crc32);
  raw.on('error', (err) => cap.destroy(asPackageError(err, name)));
  cap.on('error', () => {
    // Stop inflating: nobody will read the rest of a stream that already lied.
    raw.unpipe(cap);
    raw.destroy();
  });
  return raw.pipe(cap);
}

function asPackageError(err: unknown, file: string): PackageError {
  if (err instanceof PackageError) return err;
  // yauzl says "too many bytes" or "not enough bytes" when the data disagrees with the size it declared.
  const tooMuch = /too many bytes|too few bytes|not enough bytes/i.test((err as Error)?.message ?? '');
  return new PackageError([packageProblem(tooMuch ? 'scorm.import.sizeMismatch' : 'scorm.import.corruptEntry', { file })]);
}

/**
 * The inflated bytes of one entry (for example `imsmanifest.xml`), refusing an entry that
 * declares more than `maxBytes`. Throws a PackageError when it is missing or damaged.
 */
export async function readEntry(source: ZipSource, name: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(source);
  } catch {
    throw new PackageError([packageProblem('scorm.import.notZip')]);
  }
  try {
    for await (const entry of zip.eachEntry()) {
      if (entryName(entry) !== name) continue;
      if (entry.uncompressedSize > maxBytes) {
        throw new PackageError([
          packageProblem('scorm.import.entryTooLarge', { file: name, params: { maxMb: Math.ceil(maxBytes / 1048576) } }),
        ]);
      }
      const chunks: Buffer[] = [];
      try {
        const stream = await openCapped(zip, entry, name);
        for await (const chunk of stream) chunks.push(chunk as Buffer);
      } catch (err) {
        throw asPackageError(err, name);
      }
      return Buffer.concat(chunks);
    }
  } catch (err) {
    throw err instanceof PackageError ? err : new PackageError([packageProblem('scorm.import.notZip')]);
  } finally {
    zip.close();
  }
  throw new PackageError([packageProblem('scorm.import.entryMissing', { file: name })]);
}

/**
 * The inflated bytes of every entry `wanted` picks, in zip order and one walk of the zip (as
 * `readEntry` reads one: capped at the declared size, CRC checked), for reading many small
 * files without walking the directory once each. The caller bounds the total by what it picks.
 * Throws a PackageError on a damaged entry; the entries yielded before it stand.
 */
export async function* readEntries(source: ZipSource, wanted: (name: string) => boolean): AsyncGenerator<{ name: string; bytes: Buffer }> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(source);
  } catch {
    throw new PackageError([packageProblem('scorm.import.notZip')]);
  }
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entryName(entry);
      if (name.endsWith('/') || !wanted(name)) continue;
      const chunks: Buffer[] = [];
      try {
        const stream = await openCapped(zip, entry, name);
        for await (const chunk of stream) chunks.push(chunk as Buffer);
      } catch (err) {
        throw asPackageError(err, name);
      }
      yield { name, bytes: Buffer.concat(chunks) };
    }
  } finally {
    zip.close();
  }
}

/** After this many damaged entries the rest of the package is not read: it is refused anyway. */
const MAX_PROVE_PROBLEMS = 20;

/**
 * Inflates every file entry once, through the checks extraction makes (declared size, CRC-32),
 * and throws the bytes away: an import proves the package can be extracted before storing it.
 * One entry at a time, as a stream, so memory stays at a few chunks whatever the package's size.
 * Call it on a package `inspectZip` accepted: its caps (entries, total size, ratio) bound the
 * work, since no entry yields more than it declares. Returns a problem per damaged entry.
 */
export async function proveEntries(source: ZipSource): Promise<PackageProblem[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(source);
  } catch {
    return [packageProblem('scorm.import.notZip')];
  }
  const problems: PackageProblem[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entryName(entry);
      if (name.endsWith('/')) continue;
      try {
        const stream = await openCapped(zip, entry, name);
        for await (const chunk of stream) void chunk;
      } catch (err) {
        problems.push(...asPackageError(err, name).problems);
        if (problems.length >= MAX_PROVE_PROBLEMS) break;
      }
    }
  } catch {
    problems.push(packageProblem('scorm.import.notZip'));
  } finally {
    zip.close();
  }
  return problems;
}

/**
 * Inspects, then writes every entry under `destDir`, which should be a new, empty folder
 * (callers extract into a temporary folder and rename it into place, so a failure leaves
 * nothing half-written where content is served from). Files are created exclusively (`wx`),
 * never through an existing link. Throws a PackageError; the file being written when the
 * package turned out to lie is removed.
 */
export async function extractAll(source: ZipSource, destDir: string, limits: Partial<ZipLimits> = {}): Promise<void> {
  const inspection = await inspectZip(source, limits);
  if (!inspection.ok) throw new PackageError(inspection.problems);
  await fsp.mkdir(destDir, { recursive: true });
  const root = await fsp.realpath(destDir);
  const zip = await openZip(source);
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entryName(entry);
      const target = path.resolve(root, name);
      // Inspection already refused such names; checked again so that no future change to
      // the name rules can ever write outside the folder.
      if (!target.startsWith(root + path.sep)) throw new PackageError([packageProblem('scorm.import.zipSlip', { file: name })]);
      if (name.endsWith('/')) {
        await fsp.mkdir(target, { recursive: true });
        continue;
      }
      await fsp.mkdir(path.dirname(target), { recursive: true });
      const source = await openCapped(zip, entry, name);
      const handle = await fsp.open(target, 'wx', 0o644).catch((err: unknown) => {
        (source as Transform).destroy();
        throw err;
      });
      try {
        await pipeline(source, handle.createWriteStream());
      } catch (err) {
        await fsp.rm(target, { force: true });
        throw asPackageError(err, name);
      }
    }
  } finally {
    zip.close();
  }
}
