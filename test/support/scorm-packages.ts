/**
 * SCORM packages built on the fly for tests: a zip builder that can also forge what a hostile
 * or broken packager produces (names with `..`, symlinks, encryption flags, lying sizes), and
 * ready-made manifests for the shapes the importer must understand.
 */
import yazl from 'yazl';

export interface RawEntry {
  /** Written byte-for-byte into both headers, so it may be anything yazl itself refuses. */
  name: string;
  data?: string | Buffer;
  directory?: boolean;
  /** Unix mode, e.g. 0o120777 for a symlink. */
  mode?: number;
  compress?: boolean;
  /** Sets general-purpose bit 0 (traditional encryption) in both headers. */
  encrypted?: boolean;
  /** Overrides the uncompressed size in both headers (a lying zip). */
  declaredSize?: number;
  /** Overrides the compression method in both headers. */
  compressionMethod?: number;
}

export interface PackageSpec {
  /** imsmanifest.xml at the root; omit (or null) for a package without one. */
  manifest?: string | null;
  files?: Record<string, string | Buffer>;
  extraEntries?: RawEntry[];
  /** Deflate `files` (default true); storing is much faster for thousands of tiny entries. */
  compress?: boolean;
}

/** The launch page every ready-made package carries. */
export const LAUNCH_HTML = '<!doctype html><title>SCO</title><p>Hello from the SCO</p>';

export async function buildPackage(spec: PackageSpec): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const mtime = new Date('2026-04-01T00:00:00Z');
  if (spec.manifest != null) zip.addBuffer(Buffer.from(spec.manifest, 'utf8'), 'imsmanifest.xml', { mtime });
  for (const [name, data] of Object.entries(spec.files ?? {}))
    zip.addBuffer(toBuffer(data), name, { mtime, compress: spec.compress ?? true });
  const patches = new Map<string, RawEntry>();
  (spec.extraEntries ?? []).forEach((entry, i) => {
    const length = Buffer.byteLength(entry.name) - (entry.directory ? 1 : 0);
    const placeholder = `${i}`.padStart(length, '_');
    if (placeholder.length !== length) throw new Error(`raw entry name too short to patch: ${entry.name}`);
    patches.set(entry.directory ? `${placeholder}/` : placeholder, entry);
    if (entry.directory) zip.addEmptyDirectory(placeholder, { mtime, ...(entry.mode ? { mode: entry.mode } : {}) });
    else
      zip.addBuffer(toBuffer(entry.data ?? ''), placeholder, {
        mtime,
        compress: entry.compress ?? true,
        ...(entry.mode ? { mode: entry.mode } : {}),
      });
  });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  patchEntries(bytes, patches);
  return bytes;
}

const toBuffer = (data: string | Buffer): Buffer => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);

/** Rewrites headers in place: each central directory record and the local header it points to. */
function patchEntries(bytes: Buffer, patches: Map<string, RawEntry>): void {
  if (patches.size === 0) return;
  const eocd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let offset = bytes.readUInt32LE(eocd + 16);
  const count = bytes.readUInt16LE(eocd + 10);
  for (let i = 0; i < count; i++) {
    const nameLength = bytes.readUInt16LE(offset + 28);
    const name = bytes.toString('utf8', offset + 46, offset + 46 + nameLength);
    const patch = patches.get(name);
    const local = bytes.readUInt32LE(offset + 42);
    if (patch) {
      const newName = Buffer.from(patch.name, 'utf8');
      newName.copy(bytes, offset + 46);
      newName.copy(bytes, local + 30);
      if (patch.encrypted) {
        bytes.writeUInt16LE(bytes.readUInt16LE(offset + 8) | 1, offset + 8);
        bytes.writeUInt16LE(bytes.readUInt16LE(local + 6) | 1, local + 6);
      }
      if (patch.declaredSize !== undefined) {
        bytes.writeUInt32LE(patch.declaredSize, offset + 24);
        bytes.writeUInt32LE(patch.declaredSize, local + 22);
      }
      if (patch.compressionMethod !== undefined) {
        bytes.writeUInt16LE(patch.compressionMethod, offset + 10);
        bytes.writeUInt16LE(patch.compressionMethod, local + 8);
      }
    }
    offset += 46 + nameLength + bytes.readUInt16LE(offset + 30) + bytes.readUInt16LE(offset + 32);
  }
}

const NS_12 = `xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"`;
const NS_2004 = `xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss"`;

const metadata = (version: string | null, extra = ''): string =>
  version === null ? '' : `<metadata><schema>ADL SCORM</schema><schemaversion>${version}</schemaversion>${extra}</metadata>`;

/** One SCO, SCORM 1.2: launch file shared/launchpage.html. */
export function singleSco12(options: { title?: string; href?: string; schemaVersion?: string | null } = {}): PackageSpec {
  const href = options.href ?? 'shared/launchpage.html';
  return {
    manifest: `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="test.single12" version="1" ${NS_12}>
  ${metadata(options.schemaVersion === undefined ? '1.2' : options.schemaVersion)}
  <organizations default="org1">
    <organization identifier="org1">
      <title>${options.title ?? '情報セキュリティ基礎'}</title>
      <item identifier="item1" identifierref="res1"><title>第1章</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res1" type="webcontent" adlcp:scormtype="sco" href="${href}">
      <file href="${href}"/>
    </resource>
  </resources>
</manifest>`,
    files: { 'shared/launchpage.html': LAUNCH_HTML },
  };
}

/** SCORM 1.2 with a module holding two SCOs, a nested module, an asset, and item launch data. */
export function multiSco12(): PackageSpec {
  return {
    manifest: `<?xml version="1.0"?>
<manifest identifier="test.multi12" ${NS_12}>
  ${metadata('1.2')}
  <organizations default="main">
    <organization identifier="main">
      <title>Multi SCO course</title>
      <item identifier="module1">
        <title>Module 1</title>
        <item identifier="sco_a" identifierref="res_a">
          <title>Lesson A</title>
          <adlcp:masteryscore>80</adlcp:masteryscore>
          <adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed>
          <adlcp:timelimitaction>exit,message</adlcp:timelimitaction>
          <adlcp:datafromlms>mode=quiz&amp;lang=ja</adlcp:datafromlms>
        </item>
        <item identifier="module1_1">
          <title>Module 1.1</title>
          <item identifier="sco_b" identifierref="res_b" isvisible="false"><title>Lesson B</title></item>
        </item>
      </item>
      <item identifier="handout" identifierref="res_pdf"><title>Handout</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res_a" type="webcontent" adlcp:scormtype="sco" href="a/index.html"><file href="a/index.html"/><dependency identifierref="common"/></resource>
    <resource identifier="res_b" type="webcontent" adlcp:scormtype="sco" href="b/index.html"><file href="b/index.html"/></resource>
    <resource identifier="res_pdf" type="webcontent" adlcp:scormtype="asset" href="docs/handout.html"><file href="docs/handout.html"/></resource>
    <resource identifier="common" type="webcontent" adlcp:scormtype="asset"><file href="common/api.js"/></resource>
  </resources>
</manifest>`,
    files: { 'a/index.html': LAUNCH_HTML, 'b/index.html': LAUNCH_HTML, 'docs/handout.html': '<p>handout</p>', 'common/api.js': '// api' },
  };
}

function sco2004(schemaVersion: string, itemExtras: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="test.2004" version="1" ${NS_2004}>
  ${metadata(schemaVersion)}
  <organizations default="org">
    <organization identifier="org">
      <title>SCORM 2004 course</title>
      <item identifier="item1" identifierref="res1">
        <title>Lesson</title>
        ${itemExtras}
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res1" type="webcontent" adlcp:scormType="sco" href="index.html"><file href="index.html"/></resource>
  </resources>
</manifest>`;
}

/** SCORM 2004 4th edition: completion threshold by measure, scaled passing score, objectives. */
export function edition4th(): PackageSpec {
  return {
    manifest: sco2004(
      '2004 4th Edition',
      `
        <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.75" />
        <adlcp:timeLimitAction>continue,no message</adlcp:timeLimitAction>
        <adlcp:dataFromLMS>start=1</adlcp:dataFromLMS>
        <imsss:sequencing>
          <imsss:limitConditions attemptAbsoluteDurationLimit="PT45M"/>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="pass_quiz" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
            <imsss:objective objectiveID="read_all"/>
            <imsss:objective objectiveID="watch_video"/>
          </imsss:objectives>
        </imsss:sequencing>`,
    ),
    files: { 'index.html': LAUNCH_HTML },
  };
}

/** SCORM 2004 2nd edition ("CAM 1.3"): completion threshold as element text. */
export function edition2nd(): PackageSpec {
  return {
    manifest: sco2004('CAM 1.3', '<adlcp:completionThreshold>0.6</adlcp:completionThreshold>'),
    files: { 'index.html': LAUNCH_HTML },
  };
}

/** xml:base on <manifest>, <resources> and <resource>: the launch file is course/v2/sco1/start.html. */
export function xmlBase(): PackageSpec {
  return {
    manifest: `<?xml version="1.0"?>
<manifest identifier="test.base" ${NS_12} xml:base="course/">
  ${metadata('1.2')}
  <organizations default="o"><organization identifier="o"><title>Base</title>
    <item identifier="i1" identifierref="r1"><title>One</title></item>
  </organization></organizations>
  <resources xml:base="v2">
    <resource identifier="r1" type="webcontent" adlcp:scormtype="sco" xml:base="sco1/" href="start.html?x=1">
      <file href="start.html"/><file href="img/logo.png"/>
    </resource>
  </resources>
</manifest>`,
    files: { 'course/v2/sco1/start.html': LAUNCH_HTML, 'course/v2/sco1/img/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
  };
}

/** Manifest-level metadata kept in a separate file (adlcp:location). */
export function withMetadataFile(): PackageSpec {
  const spec = singleSco12();
  return {
    manifest: spec.manifest!.replace(
      '<schemaversion>1.2</schemaversion>',
      '<schemaversion>1.2</schemaversion><adlcp:location>meta/course.xml</adlcp:location>',
    ),
    files: { ...spec.files, 'meta/course.xml': '<lom/>' },
  };
}

/** Items with `parameters`, joined to hrefs with and without their own query. */
export function withParameters(): PackageSpec {
  return {
    manifest: `<?xml version="1.0"?>
<manifest identifier="test.params" ${NS_12}>
  ${metadata('1.2')}
  <organizations default="o"><organization identifier="o"><title>Params</title>
    <item identifier="p1" identifierref="plain" parameters="?chapter=1"><title>1</title></item>
    <item identifier="p2" identifierref="withQuery" parameters="&amp;chapter=2"><title>2</title></item>
    <item identifier="p3" identifierref="plain" parameters="#page3"><title>3</title></item>
    <item identifier="p4" identifierref="withFragment" parameters="chapter=4"><title>4</title></item>
    <item identifier="p5" identifierref="plain"><title>5</title></item>
    <item identifier="p6" identifierref="withFragment" parameters="#elsewhere"><title>6</title></item>
  </organization></organizations>
  <resources>
    <resource identifier="plain" type="webcontent" adlcp:scormtype="sco" href="sco.html"/>
    <resource identifier="withQuery" type="webcontent" adlcp:scormtype="sco" href="sco.html?lang=ja"/>
    <resource identifier="withFragment" type="webcontent" adlcp:scormtype="sco" href="sco.html#top"/>
  </resources>
</manifest>`,
    files: { 'sco.html': LAUNCH_HTML },
  };
}

/**
 * Three SCOs whose pages talk to the player as real content does: each shows the `entry` and
 * location it was launched with, records where the learner was and suspends, can report itself
 * complete and passed, can save on demand (showing the API's answer), and ends with a button per
 * SCORM 2004 navigation request (under 1.2 every such button just finishes the SCO). For playing
 * multi-SCO packages in the browser.
 */
export function navigableScos(standard: '1.2' | '2004'): PackageSpec {
  const names = ['sco1', 'sco2', 'sco3'];
  const items = names
    .map((n, i) => `<item identifier="${n}" identifierref="res_${n}"><title>Lesson ${i + 1}</title></item>`)
    .join('\n      ');
  const scormType = standard === '1.2' ? 'adlcp:scormtype' : 'adlcp:scormType';
  const resources = names
    .map(
      (n) =>
        `<resource identifier="res_${n}" type="webcontent" ${scormType}="sco" href="${n}.html"><file href="${n}.html"/><file href="sco.js"/></resource>`,
    )
    .join('\n    ');
  const page = (n: string, i: number) => `<!doctype html><html lang="en"><meta charset="utf-8"><title>Lesson ${i + 1}</title>
<body data-sco="${n}"><h1>Lesson ${i + 1}</h1>
<p>entry: <span id="entry"></span></p><p>location: <span id="location"></span></p><p id="done"></p>
<p id="saved"></p>
<button type="button" id="complete">Complete</button> <button type="button" id="save">Save</button>
${['continue', 'previous', '{target=sco3}choice', 'suspendAll', 'exitAll'].map((r) => `<button type="button" data-request="${r}">${r}</button>`).join('\n')}
<script src="sco.js"></script></body></html>`;
  const script = `(function () {
  var w = window.parent;
  while (w && !w.API_1484_11 && !w.API && w.parent !== w) w = w.parent;
  var is2004 = Boolean(w.API_1484_11);
  var api = is2004 ? w.API_1484_11 : w.API;
  function get(k) { return is2004 ? api.GetValue(k) : api.LMSGetValue(k); }
  function set(k, v) { return is2004 ? api.SetValue(k, v) : api.LMSSetValue(k, v); }
  if (is2004) api.Initialize(''); else api.LMSInitialize('');
  var name = document.body.getAttribute('data-sco');
  document.getElementById('entry').textContent = get(is2004 ? 'cmi.entry' : 'cmi.core.entry') || '(none)';
  document.getElementById('location').textContent = get(is2004 ? 'cmi.location' : 'cmi.core.lesson_location') || '(none)';
  set(is2004 ? 'cmi.location' : 'cmi.core.lesson_location', name + '-visited');
  set(is2004 ? 'cmi.exit' : 'cmi.core.exit', 'suspend');
  document.getElementById('complete').addEventListener('click', function () {
    if (is2004) { set('cmi.completion_status', 'completed'); set('cmi.success_status', 'passed'); set('cmi.score.scaled', '0.9'); }
    else { set('cmi.core.lesson_status', 'passed'); set('cmi.core.score.raw', '90'); }
    document.getElementById('done').textContent = 'done';
  });
  // What the API told the content about an explicit save: its answer and error code.
  document.getElementById('save').addEventListener('click', function () {
    var result = is2004 ? api.Commit('') : api.LMSCommit('');
    var code = is2004 ? api.GetLastError() : api.LMSGetLastError();
    document.getElementById('saved').textContent = String(result) + ' ' + String(code);
  });
  document.querySelectorAll('[data-request]').forEach(function (b) {
    b.addEventListener('click', function () {
      if (is2004) { set('adl.nav.request', b.getAttribute('data-request')); api.Terminate(''); }
      else api.LMSFinish('');
    });
  });
})();`;
  const ns = standard === '1.2' ? NS_12 : NS_2004;
  return {
    manifest: `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="test.navigable${standard === '1.2' ? '12' : '2004'}" version="1" ${ns}>
  ${metadata(standard === '1.2' ? '1.2' : '2004 4th Edition')}
  <organizations default="org">
    <organization identifier="org">
      <title>Three lessons (${standard})</title>
      ${items}
    </organization>
  </organizations>
  <resources>
    ${resources}
  </resources>
</manifest>`,
    files: { ...Object.fromEntries(names.map((n, i) => [`${n}.html`, page(n, i)])), 'sco.js': script },
  };
}

/**
 * A copy of a zip whose central directory lies about one entry, the local header left true:
 * the central directory is what yauzl (and most unzip tools) believe, so only reading the
 * entry's bytes can catch it.
 */
export function lieInCentralDirectory(zip: Buffer, name: string, lie: { uncompressedSize?: number; crc32?: number }): Buffer {
  const bytes = Buffer.from(zip);
  const eocd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let offset = bytes.readUInt32LE(eocd + 16);
  for (let i = 0, count = bytes.readUInt16LE(eocd + 10); i < count; i++) {
    const nameLength = bytes.readUInt16LE(offset + 28);
    if (bytes.toString('utf8', offset + 46, offset + 46 + nameLength) === name) {
      if (lie.crc32 !== undefined) bytes.writeUInt32LE(lie.crc32 >>> 0, offset + 16);
      if (lie.uncompressedSize !== undefined) bytes.writeUInt32LE(lie.uncompressedSize, offset + 24);
      return bytes;
    }
    offset += 46 + nameLength + bytes.readUInt16LE(offset + 30) + bytes.readUInt16LE(offset + 32);
  }
  throw new Error(`no entry ${name} in the zip`);
}

/** The CRC-32 a zip's central directory records for `name`. */
export function recordedCrc32(zip: Buffer, name: string): number {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let offset = zip.readUInt32LE(eocd + 16);
  for (let i = 0, count = zip.readUInt16LE(eocd + 10); i < count; i++) {
    const nameLength = zip.readUInt16LE(offset + 28);
    if (zip.toString('utf8', offset + 46, offset + 46 + nameLength) === name) return zip.readUInt32LE(offset + 16);
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  throw new Error(`no entry ${name} in the zip`);
}
