/** Zip inspection and extraction: hostile and broken zips are refused before anything is written. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extractAll, inspectZip, PackageError, readEntry, type ZipInspection } from '../../server/scorm/package';
import { ByteCap } from '../../server/scorm/package/extract';
import { buildPackage, LAUNCH_HTML, singleSco12, type RawEntry } from '../support/scorm-packages';

const problemsOf = (r: ZipInspection) => (r.ok ? [] : r.problems);
const inspectExtra = async (...extraEntries: RawEntry[]) =>
  problemsOf(await inspectZip(await buildPackage({ ...singleSco12(), extraEntries })));

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scorm-extract-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every file under a folder, as paths relative to it. */
const listTree = (dir: string): string[] =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();

describe('inspectZip', () => {
  it('lists the entries of a sound package', async () => {
    const result = await inspectZip(await buildPackage({ ...singleSco12(), extraEntries: [{ name: 'shared/', directory: true }] }));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.entries.map((e) => [e.name, e.isDirectory])).toEqual([
        ['imsmanifest.xml', false],
        ['shared/launchpage.html', false],
        ['shared/', true],
      ]);
      expect(result.entries[1]?.uncompressedSize).toBe(Buffer.byteLength(LAUNCH_HTML));
    }
  });

  it('refuses names that climb out, are absolute, use backslashes or contain NUL', async () => {
    expect(await inspectExtra({ name: '../evil.html' }, { name: 'a/../../b.html' })).toEqual([
      { code: 'scorm.import.zipSlip', file: '../evil.html' },
      { code: 'scorm.import.zipSlip', file: 'a/../../b.html' },
    ]);
    expect(await inspectExtra({ name: '/etc/passwd' }, { name: 'C:\\x.html' }, { name: 'C:/y.html' })).toEqual([
      { code: 'scorm.import.absolutePath', file: '/etc/passwd' },
      { code: 'scorm.import.absolutePath', file: 'C:\\x.html' },
      { code: 'scorm.import.absolutePath', file: 'C:/y.html' },
    ]);
    expect(await inspectExtra({ name: 'dir\\..\\..\\x.html' })).toEqual([{ code: 'scorm.import.backslash', file: 'dir\\..\\..\\x.html' }]);
    expect(await inspectExtra({ name: 'a\0.html' })).toEqual([{ code: 'scorm.import.badEntryName', file: 'a\\0.html' }]);
  });

  it('refuses symlinks, encrypted entries and unknown compression methods', async () => {
    expect(await inspectExtra({ name: 'link.html', data: '/etc/passwd', mode: 0o120777 })).toEqual([
      { code: 'scorm.import.symlink', file: 'link.html' },
    ]);
    expect(await inspectExtra({ name: 'secret.html', data: 'x', encrypted: true })).toEqual([
      { code: 'scorm.import.encrypted', file: 'secret.html' },
    ]);
    expect(await inspectExtra({ name: 'lzma.html', data: 'x', compressionMethod: 14 })).toEqual([
      { code: 'scorm.import.unsupportedCompression', file: 'lzma.html', params: { method: 14 } },
    ]);
    // An ordinary file with an ordinary mode is fine.
    expect(await inspectExtra({ name: 'plain.html', data: 'x', mode: 0o100644 })).toEqual([]);
  });

  it('refuses names that collide on a case-insensitive or normalising file system', async () => {
    expect(await inspectExtra({ name: 'shared/launchpage.html', data: 'again' })).toEqual([
      { code: 'scorm.import.duplicateEntry', file: 'shared/launchpage.html', params: { other: 'shared/launchpage.html' } },
    ]);
    expect(await inspectExtra({ name: 'Shared/LaunchPage.html' })).toEqual([
      { code: 'scorm.import.duplicateEntry', file: 'Shared/LaunchPage.html', params: { other: 'shared/launchpage.html' } },
    ]);
    // "が" precomposed (NFC) and decomposed (NFD, as macOS writes it).
    expect(await inspectExtra({ name: 'が.html' }, { name: 'か\u3099.html' })).toEqual([
      { code: 'scorm.import.duplicateEntry', file: 'か\u3099.html', params: { other: 'が.html' } },
    ]);
    expect(await inspectExtra({ name: 'shared' })).toEqual([{ code: 'scorm.import.fileFolderConflict', file: 'shared' }]);
  });

  it('refuses a zip bomb by its compression ratio but accepts compressible real content', async () => {
    const bomb = await buildPackage({
      ...singleSco12(),
      files: { 'shared/launchpage.html': LAUNCH_HTML, 'video.mp4': Buffer.alloc(50 * 1024 * 1024) },
    });
    expect(bomb.length).toBeLessThan(200 * 1024);
    const problems = problemsOf(await inspectZip(bomb));
    expect(problems.map((p) => p.code)).toEqual(['scorm.import.compressionRatio', 'scorm.import.compressionRatioTotal']);
    expect(problems[0]).toMatchObject({ file: 'video.mp4', params: { max: 100 } });
    expect(problems[0]?.params?.ratio).toBeGreaterThan(500);
    // 200 KB of the same text compresses very well, yet is too small to be a threat.
    const text = 'const answer = 42; // the same line again\n'.repeat(5000);
    expect(
      problemsOf(
        await inspectZip(await buildPackage({ ...singleSco12(), files: { 'shared/launchpage.html': LAUNCH_HTML, 'app.js': text } })),
      ),
    ).toEqual([]);
  });

  it('refuses more entries than allowed and a declared total over the size limit', async () => {
    const files = Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`f/${i}.txt`, '']));
    const many = await buildPackage({ files, compress: false });
    expect(problemsOf(await inspectZip(many))).toEqual([{ code: 'scorm.import.tooManyEntries', params: { count: 10_001, max: 10_000 } }]);
    const small = await buildPackage(singleSco12());
    expect(problemsOf(await inspectZip(small, { maxEntries: 1 }))).toEqual([
      { code: 'scorm.import.tooManyEntries', params: { count: 2, max: 1 } },
    ]);
    const lying = await buildPackage({ ...singleSco12(), extraEntries: [{ name: 'big.bin', data: 'x', declaredSize: 0xfffffff0 }] });
    expect(problemsOf(await inspectZip(lying)).map((p) => p.code)).toContain('scorm.import.tooLarge');
  });

  it('reports a file that is not a zip, or a truncated one', async () => {
    expect(problemsOf(await inspectZip(Buffer.from('<html>hello</html>')))).toEqual([{ code: 'scorm.import.notZip' }]);
    expect(problemsOf(await inspectZip(Buffer.alloc(0)))).toEqual([{ code: 'scorm.import.notZip' }]);
    const whole = await buildPackage(singleSco12());
    expect(problemsOf(await inspectZip(whole.subarray(0, whole.length - 30)))).toEqual([{ code: 'scorm.import.notZip' }]);
    expect(problemsOf(await inspectZip(whole.subarray(0, Math.floor(whole.length / 2))))).toEqual([{ code: 'scorm.import.notZip' }]);
  });
});

describe('readEntry and extractAll', () => {
  it('reads one entry', async () => {
    const bytes = await buildPackage(singleSco12());
    expect((await readEntry(bytes, 'shared/launchpage.html')).toString()).toBe(LAUNCH_HTML);
    await expect(readEntry(bytes, 'nope.html')).rejects.toMatchObject({
      problems: [{ code: 'scorm.import.entryMissing', file: 'nope.html' }],
    });
  });

  it('extracts every file inside the target folder', async () => {
    const bytes = await buildPackage({ ...singleSco12(), extraEntries: [{ name: 'empty/', directory: true }] });
    const dest = path.join(tmp, 'out');
    await extractAll(bytes, dest);
    expect(listTree(dest)).toEqual(['imsmanifest.xml', path.join('shared', 'launchpage.html')]);
    expect(fs.statSync(path.join(dest, 'empty')).isDirectory()).toBe(true);
    expect(fs.readFileSync(path.join(dest, 'shared/launchpage.html'), 'utf8')).toBe(LAUNCH_HTML);
  });

  it('writes nothing at all for a package with a zip-slip entry', async () => {
    const bytes = await buildPackage({ ...singleSco12(), extraEntries: [{ name: '../evil.html', data: 'pwned' }] });
    const dest = path.join(tmp, 'out');
    await expect(extractAll(bytes, dest)).rejects.toBeInstanceOf(PackageError);
    expect(fs.existsSync(dest)).toBe(false);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('refuses to inflate more than an entry declares, and removes the partial file', async () => {
    const content = 'A'.repeat(100_000);
    const bytes = await buildPackage({ ...singleSco12(), extraEntries: [{ name: 'liar.html', data: content, declaredSize: 1000 }] });
    expect((await inspectZip(bytes)).ok).toBe(true); // the header claims look harmless
    const dest = path.join(tmp, 'out');
    await expect(extractAll(bytes, dest)).rejects.toMatchObject({ problems: [{ code: 'scorm.import.sizeMismatch', file: 'liar.html' }] });
    expect(fs.existsSync(path.join(dest, 'liar.html'))).toBe(false);
    await expect(readEntry(bytes, 'liar.html')).rejects.toMatchObject({
      problems: [{ code: 'scorm.import.sizeMismatch', file: 'liar.html' }],
    });
  });

  it('counts inflated bytes itself, independently of the zip library', async () => {
    const seen: number[] = [];
    const sink = async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) seen.push(chunk.length);
    };
    const chunks = () => Readable.from([Buffer.alloc(600), Buffer.alloc(600)]);
    await expect(pipeline(chunks(), new ByteCap(1000, 'x.html'), sink)).rejects.toMatchObject({
      problems: [{ code: 'scorm.import.sizeMismatch', file: 'x.html' }],
    });
    expect(seen.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1000); // the crossing chunk never came through
    seen.length = 0;
    await expect(pipeline(chunks(), new ByteCap(1200, 'x.html'), sink)).resolves.toBeUndefined();
    expect(seen.reduce((a, b) => a + b, 0)).toBe(1200);
  });

  it('never follows or overwrites what is already in the target folder', async () => {
    const dest = path.join(tmp, 'out');
    fs.mkdirSync(path.join(dest, 'shared'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'outside.html'), 'keep');
    fs.symlinkSync(path.join(tmp, 'outside.html'), path.join(dest, 'shared', 'launchpage.html'));
    await expect(extractAll(await buildPackage(singleSco12()), dest)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(fs.readFileSync(path.join(tmp, 'outside.html'), 'utf8')).toBe('keep');
  });
});
