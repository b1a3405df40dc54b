/** imsmanifest.xml -> ManifestModel, and its checks against the zip's file list. */
import iconv from 'iconv-lite';
import { type ManifestResult, parseManifest, validateManifest } from '../../server/scorm/package';
import { edition2nd, edition4th, multiSco12, singleSco12, withParameters, xmlBase } from '../support/scorm-packages';

function model(xml: string | Buffer) {
  const result = parseManifest(xml);
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.problems)}`);
  return result;
}
const problems = (r: ManifestResult) => (r.ok ? [] : r.problems);
const single = singleSco12().manifest!;

describe('parseManifest: standards', () => {
  it.each([
    ['1.2', '1.2'],
    ['CAM 1.3', '2004-2nd'],
    ['2004 2nd Edition', '2004-2nd'],
    ['2004 3rd Edition', '2004-3rd'],
    ['  2004   4th edition ', '2004-4th'],
  ])('schemaversion "%s" is SCORM %s', (version, standard) => {
    const result = model(single.replace('<schemaversion>1.2</schemaversion>', `<schemaversion>${version}</schemaversion>`));
    expect(result.model.standard).toBe(standard);
    expect(result.warnings).toEqual([]);
  });

  it('takes a package without schemaversion as 1.2, or as 2004 3rd edition with a warning when its namespaces say 2004', () => {
    const bare = model(singleSco12({ schemaVersion: null }).manifest!);
    expect([bare.model.standard, bare.model.schemaVersion, bare.warnings]).toEqual(['1.2', null, []]);
    const ns2004 = edition4th().manifest!.replace('<schemaversion>2004 4th Edition</schemaversion>', '');
    const guessed = model(ns2004);
    expect(guessed.model.standard).toBe('2004-3rd');
    expect(guessed.warnings).toEqual([{ code: 'scorm.import.schemaVersionGuessed', params: { version: '-', standard: '2004-3rd' } }]);
    const odd = model(single.replace('<schemaversion>1.2</schemaversion>', '<schemaversion>1.3-beta</schemaversion>'));
    expect([odd.model.standard, odd.warnings[0]?.params]).toEqual(['1.2', { version: '1.3-beta', standard: '1.2' }]);
  });
});

describe('parseManifest: organizations, items and launch data', () => {
  it('keeps nesting and document order, and lists launchable items (SCOs and assets)', () => {
    const { model: m } = model(multiSco12().manifest!);
    expect(m).toMatchObject({ identifier: 'test.multi12', title: 'Multi SCO course', defaultOrganization: 'main' });
    const org = m.organizations[0]!;
    expect(org.items.map((i) => i.identifier)).toEqual(['module1', 'handout']);
    expect(org.items[0]!.children.map((i) => i.identifier)).toEqual(['sco_a', 'module1_1']);
    expect(org.items[0]!.children[1]!.children.map((i) => [i.identifier, i.isVisible])).toEqual([['sco_b', false]]);
    expect(m.scos.map((s) => [s.itemIdentifier, s.resourceIdentifier, s.scormType, s.launchPath])).toEqual([
      ['sco_a', 'res_a', 'sco', 'a/index.html'],
      ['sco_b', 'res_b', 'sco', 'b/index.html'],
      ['handout', 'res_pdf', 'asset', 'docs/handout.html'],
    ]);
    expect(m.scos[0]).toMatchObject({
      title: 'Lesson A',
      masteryScore: 80,
      maxTimeAllowed: '00:30:00',
      timeLimitAction: 'exit,message',
      dataFromLms: 'mode=quiz&lang=ja',
      completionThreshold: null,
      scaledPassingScore: null,
    });
    expect(m.resources.find((r) => r.identifier === 'res_a')?.dependencies).toEqual(['common']);
    expect(m.resources.find((r) => r.identifier === 'common')).toMatchObject({
      href: null,
      launchPath: null,
      files: ['common/api.js'],
      scormType: 'asset',
    });
  });

  it('reads 4th edition completion threshold, scaled passing score, objectives and limits', () => {
    const { model: m } = model(edition4th().manifest!);
    expect(m.standard).toBe('2004-4th');
    expect(m.scos[0]).toMatchObject({
      completionThreshold: 0.75,
      scaledPassingScore: 0.8,
      maxTimeAllowed: 'PT45M',
      timeLimitAction: 'continue,no message',
      dataFromLms: 'start=1',
      masteryScore: null,
    });
    expect(m.organizations[0]!.items[0]!.objectives).toEqual([
      { id: 'pass_quiz', primary: true },
      { id: 'read_all', primary: false },
      { id: 'watch_video', primary: false },
    ]);
    expect(m.resources[0]?.scormType).toBe('sco');
  });

  it('reads a 2nd edition completion threshold from element text, and defaults minNormalizedMeasure to 1', () => {
    expect(model(edition2nd().manifest!).model.scos[0]).toMatchObject({ completionThreshold: 0.6, scaledPassingScore: null });
    const noMeasure = edition4th().manifest!.replace('<imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>', '');
    expect(model(noMeasure).model.scos[0]?.scaledPassingScore).toBe(1);
  });

  it('warns about out-of-range numbers and ignores them', () => {
    const xml = multiSco12().manifest!.replace(
      '<adlcp:masteryscore>80</adlcp:masteryscore>',
      '<adlcp:masteryscore>eighty</adlcp:masteryscore>',
    );
    const result = model(xml);
    expect(result.model.scos[0]?.masteryScore).toBeNull();
    expect(result.warnings).toEqual([
      { code: 'scorm.import.badNumber', element: 'sco_a', params: { field: 'adlcp:masteryscore', value: 'eighty', min: 0, max: 100 } },
    ]);
  });

  it('falls back to the first organization when the default one does not exist', () => {
    const result = model(single.replace('default="org1"', 'default="gone"'));
    expect(result.model.defaultOrganization).toBe('org1');
    expect(result.warnings).toEqual([
      { code: 'scorm.import.defaultOrgMissing', element: 'gone', params: { organization: 'gone', used: 'org1' } },
    ]);
  });

  it('reads the title per language from inline LOM metadata, IEEE LOM (2004) and IMS MD 1.2', () => {
    const ieee = single.replace(
      '</metadata>',
      '<lom xmlns="http://ltsc.ieee.org/xsd/LOM"><general><title><string language="ja">基礎 &amp; 応用</string><string language="en-US">Basics</string><string language="en">ignored second</string></title></general></lom></metadata>',
    );
    expect(model(ieee).model.titles).toEqual({ ja: '基礎 & 応用', en: 'Basics' });
    const imsmd = single.replace(
      '</metadata>',
      '<imsmd:lom xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"><imsmd:general><imsmd:title><imsmd:langstring xml:lang="EN">Basics</imsmd:langstring><imsmd:langstring>no language</imsmd:langstring></imsmd:title></imsmd:general></imsmd:lom></metadata>',
    );
    expect(model(imsmd).model.titles).toEqual({ en: 'Basics' });
    expect(model(single).model.titles).toEqual({});
  });

  it('decodes a Shift_JIS manifest', () => {
    const sjis = iconv.encode(single.replace('encoding="UTF-8"', 'encoding="Shift_JIS"'), 'Shift_JIS');
    expect(model(sjis).model.title).toBe('情報セキュリティ基礎');
    expect(model(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(single)])).model.title).toBe('情報セキュリティ基礎');
  });
});

describe('parseManifest: launch locations', () => {
  it('applies xml:base of manifest, resources and resource, in that order', () => {
    const { model: m } = model(xmlBase().manifest!);
    expect(m.scos[0]).toMatchObject({ launchPath: 'course/v2/sco1/start.html', launchQuery: '?x=1' });
    expect(m.resources[0]).toMatchObject({
      href: 'start.html?x=1',
      base: 'course/v2/sco1/',
      files: ['course/v2/sco1/start.html', 'course/v2/sco1/img/logo.png'],
    });
  });

  it('joins item parameters to the href per the CAM rules', () => {
    expect(model(withParameters().manifest!).model.scos.map((s) => [s.itemIdentifier, s.launchPath + s.launchQuery])).toEqual([
      ['p1', 'sco.html?chapter=1'],
      ['p2', 'sco.html?lang=ja&chapter=2'],
      ['p3', 'sco.html#page3'],
      ['p4', 'sco.html?chapter=4#top'],
      ['p5', 'sco.html'],
      ['p6', 'sco.html#top'], // the href's own fragment wins
    ]);
  });

  it('decodes percent-escapes and resolves dot segments in hrefs', () => {
    const xml = single.replace('href="shared/launchpage.html">', 'href="./shared/x/../launch%20page.html">');
    expect(model(xml).model.scos[0]?.launchPath).toBe('shared/launch page.html');
  });

  it.each(['https://evil.example/sco.html', '../outside.html', '/etc/passwd', 'a/%2e%2e/%2e%2e/x.html', 'javascript:alert(1)'])(
    'refuses a launched href that leaves the package: %s',
    (href) => {
      const xml = single.replace('href="shared/launchpage.html">', `href="${href}">`);
      expect(problems(parseManifest(xml))).toEqual([{ code: 'scorm.import.badHref', element: 'res1', params: { href } }]);
    },
  );
});

describe('parseManifest: refusals', () => {
  it('refuses a DOCTYPE or ENTITY before parsing, so no external entity is ever read', () => {
    const xxe = single
      .replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?>\n<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
      )
      .replace('情報セキュリティ基礎', '&xxe;');
    expect(problems(parseManifest(xxe))).toEqual([{ code: 'scorm.import.doctype', file: 'imsmanifest.xml' }]);
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><manifest>&lol2;</manifest>`;
    expect(problems(parseManifest(laughs))).toEqual([{ code: 'scorm.import.doctype', file: 'imsmanifest.xml' }]);
    // Without a DTD an unknown entity reference stays text; nothing is expanded or fetched.
    expect(model(single.replace('情報セキュリティ基礎', 'A &xxe; B')).model.title).toBe('A &xxe; B');
  });

  it('reports malformed XML with its line, and a root that is not <manifest>', () => {
    const broken = single.replace('<title>第1章</title>', '<title>第1章</titel>');
    expect(problems(parseManifest(broken))).toEqual([
      { code: 'scorm.import.badXml', file: 'imsmanifest.xml', params: { line: 7, column: expect.any(Number) } },
    ]);
    expect(problems(parseManifest('<?xml version="1.0"?><package/>'))).toEqual([
      { code: 'scorm.import.notManifest', file: 'imsmanifest.xml' },
    ]);
  });

  it('refuses an item whose identifierref names no resource', () => {
    const xml = single.replace('identifierref="res1"', 'identifierref="res_missing"');
    expect(problems(parseManifest(xml))).toEqual([
      { code: 'scorm.import.danglingRef', element: 'item1', params: { item: 'item1', ref: 'res_missing' } },
    ]);
  });

  it('refuses duplicate identifiers and a launched resource without href', () => {
    const dup = multiSco12()
      .manifest!.replace('identifier="sco_b"', 'identifier="sco_a"')
      .replace('identifier="res_b"', 'identifier="res_a"');
    expect(problems(parseManifest(dup)).map((p) => [p.code, p.element])).toEqual([
      ['scorm.import.duplicateIdentifier', 'sco_a'],
      ['scorm.import.duplicateIdentifier', 'res_a'],
      ['scorm.import.danglingRef', 'sco_a'], // the second "sco_a" still points at res_b, now gone
    ]);
    const noHref = single.replace(' href="shared/launchpage.html">', '>');
    expect(problems(parseManifest(noHref))).toEqual([
      { code: 'scorm.import.resourceWithoutHref', element: 'res1', params: { item: 'item1' } },
    ]);
  });

  it('refuses a manifest with nothing to launch', () => {
    const empty = single.replace(/<item identifier="item1".*<\/item>/, '<item identifier="folder"><title>Empty</title></item>');
    expect(problems(parseManifest(empty))).toEqual([{ code: 'scorm.import.noLaunchable', element: 'org1' }]);
    expect(problems(parseManifest('<manifest identifier="m"><organizations/><resources/></manifest>'))).toEqual([
      { code: 'scorm.import.noLaunchable', element: 'organizations' },
    ]);
  });
});

describe('validateManifest', () => {
  it('errors on a missing launch file only when an item launches it', () => {
    const m = model(multiSco12().manifest!).model;
    const all = new Set(['a/index.html', 'b/index.html', 'docs/handout.html', 'common/api.js']);
    expect(validateManifest(m, all)).toEqual({ problems: [], warnings: [] });
    const withoutB = new Set([...all].filter((f) => f !== 'b/index.html'));
    expect(validateManifest(m, withoutB).problems).toEqual([
      { code: 'scorm.import.launchMissing', file: 'b/index.html', params: { resource: 'res_b' } },
    ]);
    const unused = { ...m, resources: [...m.resources, { ...m.resources[0]!, identifier: 'spare', launchPath: 'spare.html', files: [] }] };
    expect(validateManifest(unused, all)).toEqual({
      problems: [],
      warnings: [{ code: 'scorm.import.launchMissing', file: 'spare.html', params: { resource: 'spare' } }],
    });
  });
});
