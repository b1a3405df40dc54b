/** Packages are proved at import: every entry is inflated once and its size and CRC-32 checked. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analysePackage, extractAll, inspectZip, proveEntries } from '../../server/scorm/package';
import { crc32, crc32ByTable } from '../../server/scorm/package/crc32';
import { buildPackage, LAUNCH_HTML, lieInCentralDirectory, recordedCrc32, singleSco12 } from '../support/scorm-packages';

const LESSON = 'shared/lesson.html';
/** A sound package with a second, deflated page to lie about. */
const soundPackage = () =>
  buildPackage({ ...singleSco12(), files: { 'shared/launchpage.html': LAUNCH_HTML, [LESSON]: `<p>${'本文'.repeat(2000)}</p>` } });
const lessonSize = Buffer.byteLength(`<p>${'本文'.repeat(2000)}</p>`);

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scorm-proof-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('crc32', () => {
  it('gives the CRC yazl records, natively and by the fallback table alike', async () => {
    const zip = await soundPackage();
    const data = Buffer.from(`<p>${'本文'.repeat(2000)}</p>`);
    expect(crc32(data)).toBe(recordedCrc32(zip, LESSON));
    expect(crc32ByTable(data)).toBe(recordedCrc32(zip, LESSON));
    // Fed in pieces, as streams arrive.
    const random = crypto.randomBytes(100_003);
    const whole = crc32(random);
    expect(crc32(random.subarray(40_000), crc32(random.subarray(0, 40_000)))).toBe(whole);
    expect(crc32ByTable(random.subarray(40_000), crc32ByTable(random.subarray(0, 40_000)))).toBe(whole);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });
});

describe('a zip whose central directory lies', () => {
  const lies: [string, (zip: Buffer) => Buffer, string][] = [
    [
      'a smaller uncompressed size',
      (zip) => lieInCentralDirectory(zip, LESSON, { uncompressedSize: lessonSize - 1 }),
      'scorm.import.sizeMismatch',
    ],
    [
      'a larger uncompressed size',
      (zip) => lieInCentralDirectory(zip, LESSON, { uncompressedSize: lessonSize + 10 }),
      'scorm.import.sizeMismatch',
    ],
    [
      'another CRC-32',
      (zip) => lieInCentralDirectory(zip, LESSON, { crc32: recordedCrc32(zip, LESSON) ^ 0x1 }),
      'scorm.import.crcMismatch',
    ],
  ];

  it.each(lies)('about %s looks sound to inspection, and is refused by analysis naming the entry', async (_label, lie, code) => {
    const zip = lie(await soundPackage());
    expect((await inspectZip(zip)).ok).toBe(true); // the directory alone cannot tell
    expect(await analysePackage(zip)).toEqual({ ok: false, problems: [{ code, file: LESSON }] });
    // The same from a file, as uploads and the command line import.
    const file = path.join(tmp, 'liar.zip');
    fs.writeFileSync(file, zip);
    expect(await analysePackage(file)).toEqual({ ok: false, problems: [{ code, file: LESSON }] });
    // And extraction, which the content cache runs, refuses it for the same reason.
    await expect(extractAll(file, path.join(tmp, 'out'))).rejects.toMatchObject({ problems: [{ code, file: LESSON }] });
  });

  it('names every damaged entry, not only the first', async () => {
    let zip = await buildPackage({
      ...singleSco12(),
      files: { 'shared/launchpage.html': LAUNCH_HTML, 'a.html': 'A'.repeat(5000), 'b.html': 'B'.repeat(5000) },
    });
    zip = lieInCentralDirectory(zip, 'a.html', { crc32: 12345 });
    zip = lieInCentralDirectory(zip, 'b.html', { uncompressedSize: 4000 });
    expect(await proveEntries(zip)).toEqual([
      { code: 'scorm.import.crcMismatch', file: 'a.html' },
      { code: 'scorm.import.sizeMismatch', file: 'b.html' },
    ]);
  });

  it('accepts sound packages, stored or deflated, with empty files and folders', async () => {
    for (const compress of [true, false]) {
      const zip = await buildPackage({
        ...singleSco12(),
        compress,
        files: { 'shared/launchpage.html': LAUNCH_HTML, 'empty.txt': '', 'media/clip.bin': crypto.randomBytes(300_000) },
        extraEntries: [{ name: 'folder/', directory: true }],
      });
      expect(await proveEntries(zip)).toEqual([]);
      expect((await analysePackage(zip)).ok).toBe(true);
    }
  });
});
