/** analysePackage end to end: real third-party packages and packages built on the fly. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analysePackage, type PackageAnalysis, type PackageProblem, problemParams } from '../../server/scorm/package';
import { translator } from '../../server/lib/i18n';
import { en } from '../../server/lib/i18n/en';
import { ja } from '../../server/lib/i18n/ja';
import { buildPackage, singleSco12, multiSco12, withMetadataFile, LAUNCH_HTML } from '../support/scorm-packages';

// shared/ lives beside the project root (a fresh clone has it only on CI and dev machines).
const FIXTURES = path.resolve(__dirname, '../../../shared/fixtures/scorm');
const withFixtures = fs.existsSync(FIXTURES) ? describe : describe.skip;
if (!fs.existsSync(FIXTURES)) console.log(`SCORM fixture tests skipped: ${FIXTURES} is absent`);

const codes = (r: PackageAnalysis): string[] => (r.ok ? [] : r.problems.map((p) => p.code));
function accepted(r: PackageAnalysis): Extract<PackageAnalysis, { ok: true }> {
  if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.problems)}`);
  return r;
}

withFixtures('third-party packages (Rustici "Golf Explained")', () => {
  it.each([
    ['golf-runtime-basic-scorm12.zip', '1.2', '1.2'],
    ['golf-runtime-basic-scorm2004-3rd.zip', '2004-3rd', '2004 3rd Edition'],
  ])('%s parses as SCORM %s with one SCO launching shared/launchpage.html', async (file, standard, schemaVersion) => {
    const bytes = fs.readFileSync(path.join(FIXTURES, file));
    const result = accepted(await analysePackage(bytes));
    expect(result.model.standard).toBe(standard);
    expect(result.model.schemaVersion).toBe(schemaVersion);
    expect(result.model.title).toBe('Golf Explained - Run-time Basic Calls');
    expect(result.model.defaultOrganization).toBe('golf_sample_default_org');
    expect(result.model.scos).toEqual([
      expect.objectContaining({
        itemIdentifier: 'item_1',
        resourceIdentifier: 'resource_1',
        scormType: 'sco',
        title: 'Golf Explained',
        launchPath: 'shared/launchpage.html',
        launchQuery: '',
        isVisible: true,
      }),
    ]);
    expect(result.model.resources[0]?.files).toContain('Playing/RulesOfGolf.html');
    expect(result.warnings).toEqual([]);
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.entries.some((e) => e.name === 'shared/' && e.isDirectory)).toBe(true);
  });
});

describe('analysePackage', () => {
  it('accepts a single-SCO SCORM 1.2 package and returns its digest and entries', async () => {
    const bytes = await buildPackage(singleSco12());
    const result = accepted(await analysePackage(bytes));
    expect(result.model).toMatchObject({ identifier: 'test.single12', standard: '1.2', title: '情報セキュリティ基礎' });
    expect(result.model.scos.map((s) => s.launchPath)).toEqual(['shared/launchpage.html']);
    expect(result.entries.map((e) => e.name).sort()).toEqual(['imsmanifest.xml', 'shared/launchpage.html']);
    expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('refuses a package whose launch file is missing, naming the file and the resource', async () => {
    const spec = singleSco12({ href: 'shared/start.html' });
    const result = await analysePackage(await buildPackage(spec));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems).toEqual([{ code: 'scorm.import.launchMissing', file: 'shared/start.html', params: { resource: 'res1' } }]);
  });

  it('hints at a launch file whose name differs only in letter case', async () => {
    const spec = singleSco12({ href: 'Shared/LaunchPage.html' });
    const result = await analysePackage(await buildPackage(spec));
    expect(result.ok ? [] : result.problems).toEqual([
      {
        code: 'scorm.import.launchMissing',
        file: 'Shared/LaunchPage.html',
        hint: 'scorm.import.caseMismatchHint',
        params: { resource: 'res1', found: 'shared/launchpage.html' },
      },
    ]);
  });

  it('refuses a zip without imsmanifest.xml', async () => {
    const result = await analysePackage(await buildPackage({ files: { 'index.html': LAUNCH_HTML } }));
    expect(result.ok ? [] : result.problems).toEqual([{ code: 'scorm.import.noManifest', file: 'imsmanifest.xml' }]);
  });

  it('says where a manifest nested one folder down is', async () => {
    const spec = singleSco12();
    const files = { 'MyCourse/imsmanifest.xml': spec.manifest!, 'MyCourse/shared/launchpage.html': LAUNCH_HTML };
    const result = await analysePackage(await buildPackage({ files }));
    expect(result.ok ? [] : result.problems).toEqual([
      {
        code: 'scorm.import.noManifest',
        file: 'imsmanifest.xml',
        params: { found: 'MyCourse/imsmanifest.xml' },
        hint: 'scorm.import.noManifestNestedHint',
      },
    ]);
  });

  it('points at a root manifest whose name differs only in letter case', async () => {
    const result = await analysePackage(
      await buildPackage({ files: { 'IMSManifest.xml': singleSco12().manifest!, 'shared/launchpage.html': LAUNCH_HTML } }),
    );
    expect(result.ok ? [] : result.problems).toEqual([
      {
        code: 'scorm.import.noManifest',
        file: 'imsmanifest.xml',
        params: { found: 'IMSManifest.xml' },
        hint: 'scorm.import.caseMismatchHint',
      },
    ]);
  });

  it('passes zip problems through before reading the manifest', async () => {
    const bytes = await buildPackage({ ...singleSco12(), extraEntries: [{ name: '../evil.html', data: 'x' }] });
    expect(codes(await analysePackage(bytes))).toEqual(['scorm.import.zipSlip']);
    expect(codes(await analysePackage(Buffer.from('not a zip at all')))).toEqual(['scorm.import.notZip']);
  });

  it('passes manifest problems through', async () => {
    const spec = singleSco12();
    const manifest = spec.manifest!.replace(
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<?xml version="1.0"?><!DOCTYPE manifest [<!ENTITY x "y">]>',
    );
    expect(codes(await analysePackage(await buildPackage({ ...spec, manifest })))).toEqual(['scorm.import.doctype']);
  });

  it('warns about listed files and metadata that are missing, but imports', async () => {
    const spec = multiSco12();
    const files = { ...spec.files };
    delete files['common/api.js'];
    const withMeta = withMetadataFile();
    const meta = await analysePackage(
      await buildPackage({ manifest: withMeta.manifest, files: { 'shared/launchpage.html': LAUNCH_HTML } }),
    );
    const multi = accepted(await analysePackage(await buildPackage({ ...spec, files })));
    expect(multi.warnings).toEqual([{ code: 'scorm.import.fileListedMissing', file: 'common/api.js', params: { resource: 'common' } }]);
    expect(accepted(meta).warnings).toEqual([{ code: 'scorm.import.metadataMissing', file: 'meta/course.xml', params: {} }]);
    expect(accepted(await analysePackage(await buildPackage(withMeta))).model.metadataFiles).toEqual(['meta/course.xml']);
  });

  it('summarises a long list of missing files in one warning', async () => {
    const spec = singleSco12();
    const listed = Array.from({ length: 25 }, (_, i) => `<file href="gone/${i}.html"/>`).join('');
    const manifest = spec.manifest!.replace('<file href="shared/launchpage.html"/>', listed);
    const result = accepted(await analysePackage(await buildPackage({ ...spec, manifest })));
    expect(result.warnings).toHaveLength(21);
    expect(result.warnings[20]).toEqual({ code: 'scorm.import.moreFilesMissing', params: { count: 5 } });
  });
});

describe('analysePackage from a file', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-analyse-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const onDisk = (name: string, bytes: Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };

  it('gives the same verdict, digest and size as from the bytes (large uploads are analysed from disk)', async () => {
    const bytes = await buildPackage({
      ...multiSco12(),
      files: { ...multiSco12().files, 'media/clip.mp4': Buffer.alloc(300_000, 7) },
      compress: false,
    });
    const fromFile = accepted(await analysePackage(onDisk('good.zip', bytes)));
    const fromBytes = accepted(await analysePackage(bytes));
    expect(fromFile.sizeBytes).toBe(bytes.length);
    expect(fromFile.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(fromFile).toEqual(fromBytes);
  });

  it('refuses the same hostile and broken files as from the bytes', async () => {
    const slip = await buildPackage({ ...singleSco12(), extraEntries: [{ name: '../evil.html', data: 'x' }] });
    const symlink = await buildPackage({ ...singleSco12(), extraEntries: [{ name: 'link.html', data: '/etc/passwd', mode: 0o120777 }] });
    expect(codes(await analysePackage(onDisk('slip.zip', slip)))).toEqual(['scorm.import.zipSlip']);
    expect(codes(await analysePackage(onDisk('symlink.zip', symlink)))).toEqual(['scorm.import.symlink']);
    expect(codes(await analysePackage(onDisk('text.zip', Buffer.from('not a zip at all'))))).toEqual(['scorm.import.notZip']);
    // Cut off mid-upload: the central directory is missing.
    expect(codes(await analysePackage(onDisk('cut.zip', (await buildPackage(singleSco12())).subarray(0, 200))))).toEqual([
      'scorm.import.notZip',
    ]);
  });
});

describe('problem messages', () => {
  it('has a Japanese and an English message for every code the importer can return', () => {
    const source = fs
      .readdirSync(path.resolve(__dirname, '../../server/scorm/package'))
      .map((f) => fs.readFileSync(path.resolve(__dirname, '../../server/scorm/package', f), 'utf8'))
      .join('\n');
    const used = [...new Set(source.match(/'scorm\.import\.[A-Za-z]+'/g)!.map((s) => s.slice(1, -1)))];
    expect(used.length).toBeGreaterThan(30);
    for (const code of used) {
      expect([code, (ja as Record<string, string>)[code]]).toEqual([code, expect.any(String)]);
      expect([code, (en as Record<string, string>)[code]]).toEqual([code, expect.any(String)]);
    }
  });

  it('fills every placeholder of a message from the problem', () => {
    const problem: PackageProblem = { code: 'scorm.import.danglingRef', element: 'sco_a', params: { item: 'sco_a', ref: 'res_x' } };
    expect(translator('ja')(problem.code, problemParams(problem))).toBe(
      '項目「sco_a」が参照しているリソース「res_x」が imsmanifest.xml の <resources> にありません。',
    );
  });
});
