/**
 * Turns a checked course source into SCORM 1.2 and SCORM 2004 4th Edition zips. Output is
 * deterministic (sorted entries, fixed timestamps), so the same source gives the same sha256
 * and re-installing an unchanged course is recognised as "already installed".
 */
import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import type { CourseSource } from './source';
import { askHtml, type BuildOptions, courseDataJs, indexHtml } from './pages';

export type BuildStandard = '1.2' | '2004';
export const PACKAGE_FILE = { '1.2': 'scorm12', '2004': 'scorm2004' } as const;

/** The folder holding the course folders and _runtime, found upward from here (works from dist/ too). */
export function coursesRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '_runtime', 'course.js'))) return dir;
    if (fs.existsSync(path.join(dir, 'courses', '_runtime', 'course.js'))) return path.join(dir, 'courses');
    if (path.dirname(dir) === dir) throw new Error('courses/_runtime not found');
  }
}

export const RUNTIME_FILES = ['scorm.js', 'course-test.js', 'course.js', 'course.css'] as const;

function readRuntime(root: string): { name: string; bytes: Buffer }[] {
  return RUNTIME_FILES.map((name) => ({ name: `runtime/${name}`, bytes: fs.readFileSync(path.join(root, '_runtime', name)) }));
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** What differs between the two manifests: namespaces, the LOM dialect, the mastery rule, the attribute's case. */
const STANDARD_PARTS = {
  '1.2': {
    suffix: 'scorm12',
    namespaces: `xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
  xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd"`,
    schemaVersion: '1.2',
    lom: (titles: string) => `    <imsmd:lom>
      <imsmd:general>
        <imsmd:title>
${titles}
        </imsmd:title>
      </imsmd:general>
    </imsmd:lom>`,
    langString: (lang: string, text: string) => `          <imsmd:langstring xml:lang="${lang}">${text}</imsmd:langstring>`,
    mastery: (_id: string, passPercent: number) => `        <adlcp:masteryscore>${passPercent}</adlcp:masteryscore>`,
    scormTypeAttribute: 'adlcp:scormtype',
  },
  '2004': {
    suffix: 'scorm2004',
    namespaces: `xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
  xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd http://ltsc.ieee.org/xsd/LOM lom.xsd http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd"`,
    schemaVersion: '2004 4th Edition',
    lom: (titles: string) => `    <lom xmlns="http://ltsc.ieee.org/xsd/LOM">
      <general>
        <title>
${titles}
        </title>
      </general>
    </lom>`,
    langString: (lang: string, text: string) => `          <string language="${lang}">${text}</string>`,
    mastery: (id: string, passPercent: number) => `        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="${id}-passed" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>${(passPercent / 100).toString()}</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
          </imsss:objectives>
        </imsss:sequencing>`,
    scormTypeAttribute: 'adlcp:scormType',
  },
} satisfies Record<BuildStandard, unknown>;

export function manifestXml(course: CourseSource, standard: BuildStandard, files: string[]): string {
  const { slug, version, title, test } = course.meta;
  const parts = STANDARD_PARTS[standard];
  const id = `mamoru-${slug}`;
  const name = xml(`${title.ja} / ${title.en}`);
  const fileList = files.map((f) => `      <file href="${xml(f)}"/>`).join('\n');
  // The title per language as LOM metadata, so an LMS (this one included) can show each learner
  // the course name in their language; the organization title keeps both for those that cannot.
  const titles = (['ja', 'en'] as const).map((l) => parts.langString(l, xml(title[l]))).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="${id}-${parts.suffix}" version="${xml(version)}"
  ${parts.namespaces}>
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>${parts.schemaVersion}</schemaversion>
${parts.lom(titles)}
  </metadata>
  <organizations default="${id}-org">
    <organization identifier="${id}-org">
      <title>${name}</title>
      <item identifier="${id}-item" identifierref="${id}-sco" isvisible="true">
        <title>${name}</title>
${parts.mastery(id, test.passPercent)}
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="${id}-sco" type="webcontent" ${parts.scormTypeAttribute}="sco" href="index.html">
${fileList}
    </resource>
  </resources>
</manifest>
`;
}

/** Local-time fields are what a zip stores, so a local-time date gives the same bytes in any time zone. */
const FIXED_MTIME = new Date(2026, 0, 1, 0, 0, 0);

function zipBuffer(entries: { name: string; bytes: Buffer }[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) zip.addBuffer(e.bytes, e.name, { mtime: FIXED_MTIME, mode: 0o100644, forceDosTimestamp: true });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** The zip of one course for one standard; `hosted`: the flavour Mamoru installs, graded on the server. */
export async function buildPackage(
  course: CourseSource,
  standard: BuildStandard,
  root = coursesRoot(),
  options: BuildOptions = {},
): Promise<Buffer> {
  const content = [
    { name: 'index.html', bytes: Buffer.from(indexHtml(course)) },
    { name: 'ask.html', bytes: Buffer.from(askHtml(course)) },
    { name: 'course-data.js', bytes: Buffer.from(courseDataJs(course, standard, options)) },
    ...readRuntime(root),
    ...course.images.map((i) => ({ name: `images/${i.name}`, bytes: i.bytes })),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const manifest = manifestXml(
    course,
    standard,
    content.map((c) => c.name),
  );
  return zipBuffer([{ name: 'imsmanifest.xml', bytes: Buffer.from(manifest) }, ...content]);
}
