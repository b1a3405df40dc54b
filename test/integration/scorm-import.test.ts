/** Importing SCORM packages through the upload page: what is stored, versions, and refusals. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { verifyAuditChain } from '../../server/compliance/audit/service';
import { courses, courseVersionParts, courseVersions, scos } from '../../server/db/schema';
import { translator } from '../../server/lib/i18n';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { makeAdmin, makeOfficer, makeStaff } from '../support/factories';
import {
  attemptRow,
  binary,
  countVersions,
  fixture,
  GOLF_12,
  GOLF_2004,
  instanceOn,
  itWithFixtures,
  start,
  upload,
  uniquePackage,
  type Agent,
} from '../support/scorm-flow';
import {
  buildPackage,
  edition2nd,
  edition4th,
  LAUNCH_HTML,
  lieInCentralDirectory,
  multiSco12,
  recordedCrc32,
  singleSco12,
  type PackageSpec,
} from '../support/scorm-packages';

jest.setTimeout(60_000);

const withFixtures = itWithFixtures('scorm-import.test.ts');

const t = translator('ja');
let ctx: TestContext;
let dataDir: string;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-import-'));
  ctx = await createTestContext({ env: { DATA_DIR: dataDir, LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(async () => {
  await ctx.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/**
 * A signed-in browser on its own app instance: the upload limiter (10 a minute per address)
 * keeps state per instance, and this file uploads more than that.
 */
async function as(person: { employeeNo: string; password: string }): Promise<{ agent: Agent; csrf: string }> {
  return signIn(instanceOn(ctx, { DATA_DIR: dataDir, LOGIN_RATE_LIMIT_PER_15MIN: '1000' }), person.employeeNo, person.password);
}

const courseIdFrom = (location: string | undefined) => {
  const m = /^\/admin\/courses\/(\d+)$/.exec(location ?? '');
  if (!m) throw new Error(`unexpected redirect: ${location}`);
  return Number(m[1]);
};

/** As EJS escapes text in a page. */
const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');

/** Every file under a folder, at any depth (the upload's temporary folders count). */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => !d.isDirectory())
    .map((d) => path.join(d.parentPath, d.name));
}

const countParts = async () => (await ctx.db.select({ n: courseVersionParts.partNo }).from(courseVersionParts)).length;

async function storedCourse(courseId: number) {
  const [course] = await ctx.db.select().from(courses).where(eq(courses.id, courseId));
  const versions = await ctx.db
    .select()
    .from(courseVersions)
    .where(eq(courseVersions.courseId, courseId))
    .orderBy(courseVersions.versionNo);
  const scoRows = versions.length
    ? await ctx.db
        .select()
        .from(scos)
        .where(eq(scos.courseVersionId, versions[versions.length - 1]!.id))
        .orderBy(scos.position)
    : [];
  return { course: course!, versions, scos: scoRows };
}

describe('a valid package', () => {
  withFixtures('imports both shared fixtures, as an administrator and as an officer', async () => {
    const golf12 = fixture(GOLF_12);
    const golf2004 = fixture(GOLF_2004);
    const admin = await as(await makeAdmin(ctx.db));
    const officer = await as(await makeOfficer(ctx.db));

    const first = await upload(admin.agent, admin.csrf, golf12).expect(303);
    const one = await storedCourse(courseIdFrom(first.headers.location));
    expect(one.course).toMatchObject({
      slug: 'com-scorm-golfsamples-runtime-basicruntime-12',
      title: 'Golf Explained - Run-time Basic Calls',
      origin: 'uploaded',
    });
    expect(one.versions).toHaveLength(1);
    expect(one.versions[0]).toMatchObject({
      versionNo: 1,
      standard: '1.2',
      sha256: crypto.createHash('sha256').update(golf12).digest('hex'),
      sizeBytes: golf12.length,
      completionRule: 'completed',
    });
    expect(one.course.currentVersionId).toBe(one.versions[0]!.id);
    expect(one.scos).toEqual([
      expect.objectContaining({
        itemIdentifier: 'item_1',
        resourceIdentifier: 'resource_1',
        launchPath: 'shared/launchpage.html',
        scormType: 'sco',
        isVisible: true,
      }),
    ]);

    const second = await upload(officer.agent, officer.csrf, golf2004).expect(303);
    const two = await storedCourse(courseIdFrom(second.headers.location));
    expect(two.versions.map((v) => [v.versionNo, v.standard])).toEqual([[1, '2004-3rd']]);
    expect(two.scos).toHaveLength(1);
    expect(two.scos[0]).toMatchObject({ launchPath: 'shared/launchpage.html', scormType: 'sco' });

    // The course page says what was stored, and the list shows both courses.
    const page = await officer.agent.get(second.headers.location!).expect(200);
    expect(page.text).toContain(t('scorm.admin.created', { versionNo: 1 }));
    expect(page.text).toContain('SCORM 2004 3rd Edition');
    const list = await admin.agent.get('/admin/courses').expect(200);
    expect(list.text).toContain(`/admin/courses/${one.course.id}`);
    expect(list.text).toContain(`/admin/courses/${two.course.id}`);
  });

  it('imports a multi-SCO package with its item data, assets and hidden items', async () => {
    const admin = await as(await makeAdmin(ctx.db));
    const { bytes } = await uniquePackage(multiSco12(), 'multi');
    const res = await upload(admin.agent, admin.csrf, bytes).expect(303);
    const { versions, scos: rows } = await storedCourse(courseIdFrom(res.headers.location));
    expect(versions[0]).toMatchObject({ standard: '1.2', completionRule: 'passed' }); // it has a mastery score
    expect(rows.map((s) => [s.itemIdentifier, s.scormType, s.launchPath, s.isVisible])).toEqual([
      ['sco_a', 'sco', 'a/index.html', true],
      ['sco_b', 'sco', 'b/index.html', false],
      ['handout', 'asset', 'docs/handout.html', true],
    ]);
    expect(rows[0]).toMatchObject({
      masteryScore: 80,
      maxTimeAllowed: '00:30:00',
      timeLimitAction: 'exit,message',
      dataFromLms: 'mode=quiz&lang=ja',
      position: 0,
    });
  });

  it('imports SCORM 2004 4th and 2nd edition packages with completion threshold and passing score', async () => {
    const admin = await as(await makeAdmin(ctx.db));
    const fourth = await upload(admin.agent, admin.csrf, (await uniquePackage(edition4th(), 'e4')).bytes).expect(303);
    const e4 = await storedCourse(courseIdFrom(fourth.headers.location));
    expect(e4.versions[0]).toMatchObject({ standard: '2004-4th', completionRule: 'completed_and_passed' });
    expect(e4.scos[0]).toMatchObject({
      completionThreshold: 0.75,
      scaledPassingScore: 0.8,
      dataFromLms: 'start=1',
      maxTimeAllowed: 'PT45M',
      timeLimitAction: 'continue,no message',
    });

    const second = await upload(admin.agent, admin.csrf, (await uniquePackage(edition2nd(), 'e2')).bytes, {
      completionRule: 'completed_and_passed',
    }).expect(303);
    const e2 = await storedCourse(courseIdFrom(second.headers.location));
    expect(e2.versions[0]).toMatchObject({ standard: '2004-2nd', completionRule: 'completed_and_passed' });
    expect(e2.scos[0]).toMatchObject({ completionThreshold: 0.6, scaledPassingScore: null });
  });
});

describe('versions', () => {
  it('adds version 2 on re-import; attempts keep their version; makeCurrent decides what new attempts use', async () => {
    const officer = await as(await makeOfficer(ctx.db));
    const spec = singleSco12({ title: '版 1' });
    const { bytes: v1, identifier } = await uniquePackage(spec, 'versions');
    const withId = (s: PackageSpec) => ({
      ...s,
      manifest: s.manifest!.replace('identifier="test.single12"', `identifier="${identifier}"`),
    });
    const courseId = courseIdFrom((await upload(officer.agent, officer.csrf, v1).expect(303)).headers.location);
    const learnerA = await as(await makeStaff(ctx.db));
    const attemptA = await start(learnerA.agent, learnerA.csrf, courseId);

    // Version 2, not made current: new attempts still start on version 1.
    const v2 = await buildPackage(
      withId({ ...singleSco12({ title: '版 2' }), files: { 'shared/launchpage.html': `${LAUNCH_HTML}<p>v2</p>` } }),
    );
    const added = await upload(officer.agent, officer.csrf, v2).expect(303);
    expect(courseIdFrom(added.headers.location)).toBe(courseId);
    let stored = await storedCourse(courseId);
    expect(stored.versions.map((v) => v.versionNo)).toEqual([1, 2]);
    const [version1, version2] = stored.versions;
    expect(stored.course.currentVersionId).toBe(version1!.id);
    expect((await officer.agent.get(added.headers.location!).expect(200)).text).toContain(t('scorm.admin.versionAdded', { versionNo: 2 }));
    const learnerB = await as(await makeStaff(ctx.db));
    const attemptB = await start(learnerB.agent, learnerB.csrf, courseId);

    // Version 3, made current (and sent with the course id): new attempts use it, old ones do not move.
    const v3 = await buildPackage(
      withId({ ...singleSco12({ title: '版 3' }), files: { 'shared/launchpage.html': `${LAUNCH_HTML}<p>v3</p>` } }),
    );
    await upload(officer.agent, officer.csrf, v3, { courseId: String(courseId), makeCurrent: 'on' }).expect(303);
    stored = await storedCourse(courseId);
    const version3 = stored.versions[2]!;
    expect(stored.course.currentVersionId).toBe(version3.id);
    const learnerC = await as(await makeStaff(ctx.db));
    const attemptC = await start(learnerC.agent, learnerC.csrf, courseId);
    const versionOf = async (attemptId: number) => (await attemptRow(ctx.db, attemptId)).courseVersionId;
    expect([await versionOf(attemptA), await versionOf(attemptB), await versionOf(attemptC)]).toEqual([
      version1!.id,
      version1!.id,
      version3.id,
    ]);
    // Resuming does not move an attempt either.
    expect(await start(learnerA.agent, learnerA.csrf, courseId)).toBe(attemptA);
    expect(await versionOf(attemptA)).toBe(version1!.id);

    // The officer can point new attempts back at version 2.
    await officer.agent
      .post(`/admin/courses/${courseId}/current`)
      .set('x-csrf-token', officer.csrf)
      .type('form')
      .send({ versionId: String(version2!.id) })
      .expect(303);
    expect((await storedCourse(courseId)).course.currentVersionId).toBe(version2!.id);

    // The same bytes again: refused with a message, nothing stored.
    const before = await countVersions(ctx.db);
    const again = await upload(officer.agent, officer.csrf, v3);
    expect(again.status).toBe(409);
    expect(t('scorm.course.sameAsLatest', { versionNo: 3 })).not.toBe('scorm.course.sameAsLatest');
    expect(again.text).toContain(t('scorm.course.sameAsLatest', { versionNo: 3 }));
    expect(again.text).toContain('id="package"'); // said on the upload page, ready for another file
    expect(await countVersions(ctx.db)).toBe(before);
  });

  it('keeps the title the officer gave the course when a new version is made current', async () => {
    const officer = await as(await makeOfficer(ctx.db));
    const { bytes: v1, identifier } = await uniquePackage(singleSco12({ title: 'マニフェストの題名 1' }), 'title');
    const courseId = courseIdFrom((await upload(officer.agent, officer.csrf, v1).expect(303)).headers.location);
    expect((await storedCourse(courseId)).course.title).toBe('マニフェストの題名 1');
    await officer.agent
      .post(`/admin/courses/${courseId}/settings`)
      .set('x-csrf-token', officer.csrf)
      .type('form')
      .send({ title: '令和8年度 情報セキュリティ研修', attemptLimit: '' })
      .expect(303);

    const spec = singleSco12({ title: 'マニフェストの題名 2' });
    const v2 = await buildPackage({
      ...spec,
      manifest: spec.manifest!.replace('identifier="test.single12"', `identifier="${identifier}"`),
    });
    await upload(officer.agent, officer.csrf, v2, { courseId: String(courseId), makeCurrent: 'on' }).expect(303);
    const stored = await storedCourse(courseId);
    expect(stored.versions.map((v) => [v.versionNo, v.title])).toEqual([
      [1, 'マニフェストの題名 1'],
      [2, 'マニフェストの題名 2'],
    ]);
    expect(stored.course.currentVersionId).toBe(stored.versions[1]!.id);
    expect(stored.course.title).toBe('令和8年度 情報セキュリティ研修');
  });

  it('downloads each stored version byte for byte, only to course managers', async () => {
    const admin = await as(await makeAdmin(ctx.db));
    const { bytes } = await uniquePackage(singleSco12(), 'download');
    const courseId = courseIdFrom((await upload(admin.agent, admin.csrf, bytes).expect(303)).headers.location);
    const { versions, course } = await storedCourse(courseId);
    const href = `/admin/courses/${courseId}/versions/${versions[0]!.id}/package.zip`;
    const res = await admin.agent.get(href).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/zip/);
    expect(res.headers['content-disposition']).toContain(`${course.slug}-v1.zip`);
    const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
    expect(sha(res.body as Buffer)).toBe(sha(bytes));
    await admin.agent.get(`/admin/courses/${courseId}/versions/999999/package.zip`).expect(404);
    const staff = await as(await makeStaff(ctx.db));
    await staff.agent.get(href).expect(403);
  });
});

describe('refusals', () => {
  const slipName = `../../mamoru-slip-${crypto.randomBytes(4).toString('hex')}.html`;
  const hostile: [string, () => Promise<Buffer>, string, string][] = [
    [
      'a zip-slip entry',
      () => buildPackage({ ...singleSco12(), extraEntries: [{ name: slipName, data: 'pwned' }] }),
      slipName,
      '展開先の外へ書き込もうとしています',
    ],
    [
      'a symlink entry',
      () => buildPackage({ ...singleSco12(), extraEntries: [{ name: 'link.html', data: '/etc/passwd', mode: 0o120777 }] }),
      'link.html',
      'シンボリックリンク',
    ],
    [
      'a DOCTYPE in the manifest',
      () => {
        const spec = singleSco12();
        return buildPackage({
          ...spec,
          manifest: spec.manifest!.replace(
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<?xml version="1.0"?>\n<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
          ),
        });
      },
      'imsmanifest.xml',
      'DOCTYPE',
    ],
    ['no manifest', () => buildPackage({ files: { 'shared/launchpage.html': LAUNCH_HTML } }), 'imsmanifest.xml', '一番上の階層に'],
    ['a missing launch file', () => buildPackage({ ...singleSco12({ href: 'shared/start.html' }) }), 'shared/start.html', '起動ファイル'],
    [
      'a zip bomb',
      () =>
        buildPackage({ ...singleSco12(), files: { 'shared/launchpage.html': LAUNCH_HTML, 'video.mp4': Buffer.alloc(50 * 1024 * 1024) } }),
      'video.mp4',
      'ZIP爆弾',
    ],
    ['a file that is not a zip', async () => Buffer.from('<html>not a zip</html>'), '', 'ZIPファイルとして読み取れません'],
    [
      'a zip whose directory lies about a size',
      async () => lieInCentralDirectory(await buildPackage(singleSco12()), 'shared/launchpage.html', { uncompressedSize: 5 }),
      'shared/launchpage.html',
      'ZIPに記録されたサイズと一致しません',
    ],
    [
      'a zip whose directory lies about a CRC',
      async () => {
        const zip = await buildPackage(singleSco12());
        return lieInCentralDirectory(zip, 'shared/launchpage.html', { crc32: (recordedCrc32(zip, 'shared/launchpage.html') ^ 1) >>> 0 });
      },
      'shared/launchpage.html',
      'CRC',
    ],
  ];

  it.each(hostile)('refuses %s with a 422 page naming the problem, and writes nothing', async (_label, make, file, phrase) => {
    const admin = await as(await makeAdmin(ctx.db));
    const bytes = await make();
    const versionsBefore = await countVersions(ctx.db);
    const partsBefore = await countParts();
    const coursesBefore = (await ctx.db.select({ id: courses.id }).from(courses)).length;
    const res = await upload(admin.agent, admin.csrf, bytes);
    expect(res.status).toBe(422);
    expect(res.text).toContain(phrase);
    if (file) expect(res.text).toContain(file);
    expect(await countVersions(ctx.db)).toBe(versionsBefore);
    expect(await countParts()).toBe(partsBefore);
    expect((await ctx.db.select({ id: courses.id }).from(courses)).length).toBe(coursesBefore);
    // Nothing written: no extraction cache, the uploaded file's temporary copy is gone, and the
    // zip-slip target exists nowhere near.
    expect(filesUnder(dataDir)).toEqual([]);
    const slipFile = path.basename(slipName);
    for (const dir of [dataDir, path.dirname(dataDir), os.tmpdir(), process.cwd(), path.dirname(process.cwd())]) {
      expect(fs.existsSync(path.join(dir, slipFile))).toBe(false);
    }
  });

  it('refuses an upload over the configured size with 413', async () => {
    const admin = await makeAdmin(ctx.db);
    const small = await signIn(instanceOn(ctx, { DATA_DIR: dataDir, PACKAGE_MAX_MB: '0.01' }), admin.employeeNo, admin.password);
    const bytes = await buildPackage({
      ...singleSco12(),
      files: { 'shared/launchpage.html': LAUNCH_HTML, 'noise.bin': crypto.randomBytes(20_000) },
    });
    const before = await countVersions(ctx.db);
    const partsBefore = await countParts();
    const res = await upload(small.agent, small.csrf, bytes);
    expect(res.status).toBe(413);
    expect(res.text).toContain(t('scorm.import.uploadTooLarge', { mb: 0 }));
    expect(await countVersions(ctx.db)).toBe(before);
    expect(await countParts()).toBe(partsBefore);
    // The part already written to disk before the cap was reached is removed, with its folder.
    expect(filesUnder(dataDir)).toEqual([]);
    expect(fs.readdirSync(path.join(dataDir, 'uploads'))).toEqual([]);
  });

  it.each([
    ['courseId', 'abc', 'scorm.import.field.courseId'],
    ['courseId', '-3', 'scorm.import.field.courseId'],
    ['completionRule', 'bogus', 'scorm.import.field.completionRule'],
    ['makeCurrent', 'maybe', 'scorm.import.field.makeCurrent'],
  ])('refuses a form whose %s is %p with 400 naming the field, and imports nothing', async (field, value, label) => {
    const admin = await as(await makeAdmin(ctx.db));
    const { bytes } = await uniquePackage(singleSco12(), 'badform');
    const versionsBefore = await countVersions(ctx.db);
    const coursesBefore = (await ctx.db.select({ id: courses.id }).from(courses)).length;
    const res = await upload(admin.agent, admin.csrf, bytes, { [field]: value });
    expect(res.status).toBe(400);
    expect(res.text).toContain(escapeHtml(t('scorm.import.badField', { field: t(label), value: JSON.stringify(value) })));
    expect(await countVersions(ctx.db)).toBe(versionsBefore);
    expect((await ctx.db.select({ id: courses.id }).from(courses)).length).toBe(coursesBefore);
    expect(filesUnder(dataDir)).toEqual([]);
  });

  it('asks for a file when none (or one under another field name) is sent', async () => {
    const admin = await as(await makeAdmin(ctx.db));
    const before = await countVersions(ctx.db);
    const none = await admin.agent.post('/admin/courses/upload').set('x-csrf-token', admin.csrf).field('courseId', '');
    expect(none.status).toBe(400);
    expect(none.text).toContain(t('scorm.import.noFile'));
    const { bytes } = await uniquePackage(singleSco12(), 'field');
    const wrongField = await admin.agent.post('/admin/courses/upload').set('x-csrf-token', admin.csrf).attach('file', bytes, 'package.zip');
    expect(wrongField.status).toBe(400);
    expect(wrongField.text).toContain(t('scorm.import.noFile'));
    expect(await countVersions(ctx.db)).toBe(before);
  });

  it('answers 403 to plain staff and to a post without the CSRF token', async () => {
    const { bytes } = await uniquePackage(singleSco12(), 'forbidden');
    const before = await countVersions(ctx.db);
    const staff = await as(await makeStaff(ctx.db));
    await staff.agent.get('/admin/courses').expect(403);
    await upload(staff.agent, staff.csrf, bytes).expect(403);
    const admin = await as(await makeAdmin(ctx.db));
    const res = await upload(admin.agent, null, bytes);
    expect(res.status).toBe(403);
    expect(res.text).toContain(t('errors.csrf'));
    expect(await countVersions(ctx.db)).toBe(before);
  });
});

it('keeps the audit chain intact through every import', async () => {
  expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: true });
});
