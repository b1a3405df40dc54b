/**
 * A course version's zip lives in the database in parts of a few megabytes: an upload that spans
 * several parts comes back byte for byte (download, content), a damaged store is never served,
 * and zips stored in one column before the parts table existed are moved into parts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asc, eq, sql } from 'drizzle-orm';
import request from 'supertest';
import type { Database } from '../../server/db/client';
import { courses, courseVersionParts, courseVersions, scos } from '../../server/db/schema';
import { migrationsDir } from '../../server/lib/paths';
import { ContentCache } from '../../server/scorm/content/cache';
import { importPackage, versionZipStream } from '../../server/scorm/courses/service';
import { sweepStaleUploads } from '../../server/scorm/courses/upload';
import { PART_BYTES } from '../../server/scorm/courses/zip-parts';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { openEmptyDatabase } from '../support/database';
import { makeAdmin, makeStaff } from '../support/factories';
import { binary, contentPath, launch, start, upload, uniquePackage } from '../support/scorm-flow';
import { buildPackage, LAUNCH_HTML, singleSco12, type PackageSpec } from '../support/scorm-packages';

jest.setTimeout(120_000);

let ctx: TestContext;
let dataDir: string;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-storage-'));
  ctx = await createTestContext({ env: { DATA_DIR: dataDir } });
});
afterAll(async () => {
  await ctx.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A package with one incompressible "video" of `mediaBytes`, stored as it is (as real media are). */
function withMedia(media: Buffer): PackageSpec {
  return { ...singleSco12(), files: { 'shared/launchpage.html': LAUNCH_HTML, 'media/clip.mp4': media }, compress: false };
}

async function partsOf(db: Database, versionId: number) {
  return db
    .select({ partNo: courseVersionParts.partNo, length: sql<number>`length(${courseVersionParts.bytes})::int` })
    .from(courseVersionParts)
    .where(eq(courseVersionParts.versionId, versionId))
    .orderBy(asc(courseVersionParts.partNo));
}

async function storedZip(db: Database, versionId: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const part of versionZipStream(db, versionId)) chunks.push(part);
  return Buffer.concat(chunks);
}

const filesUnder = (dir: string): string[] =>
  fs.existsSync(dir)
    ? (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((d) => !d.isDirectory()).map((d) => d.name)
    : [];

it('stores an upload larger than a part in several parts, and gives it back byte for byte as a download and as content', async () => {
  const media = crypto.randomBytes(2 * PART_BYTES + 12_345);
  const { bytes } = await uniquePackage(withMedia(media), 'parts');
  const admin = await makeAdmin(ctx.db);
  const officer = await signIn(ctx.app, admin.employeeNo, admin.password);
  const res = await upload(officer.agent, officer.csrf, bytes).expect(303);
  const courseId = Number(/\/admin\/courses\/(\d+)$/.exec(res.headers.location!)![1]);
  const [version] = await ctx.db.select().from(courseVersions).where(eq(courseVersions.courseId, courseId));

  const parts = await partsOf(ctx.db, version!.id);
  expect(parts.map((p) => p.partNo)).toEqual([0, 1, 2]);
  expect(parts.map((p) => p.length)).toEqual([PART_BYTES, PART_BYTES, bytes.length - 2 * PART_BYTES]);
  expect(version!.sizeBytes).toBe(bytes.length);
  // The upload's temporary file is gone once the import is done.
  expect(filesUnder(path.join(dataDir, 'uploads'))).toEqual([]);

  const download = await officer.agent
    .get(`/admin/courses/${courseId}/versions/${version!.id}/package.zip`)
    .buffer(true)
    .parse(binary)
    .expect(200);
  expect(Number(download.headers['content-length'])).toBe(bytes.length);
  expect(Buffer.compare(download.body as Buffer, bytes)).toBe(0);

  const person = await makeStaff(ctx.db);
  const learner = await signIn(ctx.app, person.employeeNo, person.password);
  const attemptId = await start(learner.agent, learner.csrf, version!.courseId);
  const [sco] = await ctx.db.select().from(scos).where(eq(scos.courseVersionId, version!.id));
  const launched = await launch(learner.agent, learner.csrf, attemptId, sco!.id);
  const content = request(ctx.app.content);
  const clip = await content.get(contentPath(launched, 'media/clip.mp4')).buffer(true).parse(binary).expect(200);
  expect(Buffer.compare(clip.body as Buffer, media)).toBe(0);
  expect((await content.get(contentPath(launched, 'shared/launchpage.html')).expect(200)).text).toBe(LAUNCH_HTML);
});

describe('a package imported from its file in small parts', () => {
  let bytes: Buffer;
  let media: Buffer;
  let versionId: number;
  const partBytes = 64 * 1024;

  beforeAll(async () => {
    media = crypto.randomBytes(300_000);
    bytes = (await uniquePackage(withMedia(media), 'small-parts')).bytes;
    const file = path.join(dataDir, 'small-parts.zip');
    fs.writeFileSync(file, bytes);
    const result = await importPackage(ctx.db, null, file, new Date(), { partBytes });
    fs.rmSync(file);
    if (!result.ok) throw new Error(`import refused: ${JSON.stringify(result.problems)}`);
    versionId = result.versionId;
  });

  it('keeps every part in order, and the parts add up to the file', async () => {
    const parts = await partsOf(ctx.db, versionId);
    expect(parts).toHaveLength(Math.ceil(bytes.length / partBytes));
    expect(parts.map((p) => p.partNo)).toEqual(parts.map((_, i) => i));
    expect(Buffer.compare(await storedZip(ctx.db, versionId), bytes)).toBe(0);
  });

  it('extracts into a fresh content cache from the parts', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-storage-cache-'));
    try {
      const dir = await new ContentCache(ctx.db, root).folderFor(versionId);
      expect(Buffer.compare(fs.readFileSync(path.join(dir, 'media/clip.mp4')), media)).toBe(0);
      // Nothing beside the extracted folder: the zip written out for extraction is removed.
      expect(fs.readdirSync(root)).toEqual([path.basename(dir)]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('never extracts a stored zip that no longer matches its sha256, nor streams one with a part missing', async () => {
    const [part] = await ctx.db
      .select()
      .from(courseVersionParts)
      .where(sql`${courseVersionParts.versionId} = ${versionId} and ${courseVersionParts.partNo} = 1`);
    const damaged = Buffer.from(part!.bytes);
    damaged[100] = damaged[100]! ^ 0xff;
    await ctx.db
      .update(courseVersionParts)
      .set({ bytes: damaged })
      .where(sql`${courseVersionParts.versionId} = ${versionId} and ${courseVersionParts.partNo} = 1`);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-storage-cache-'));
    try {
      await expect(new ContentCache(ctx.db, root).folderFor(versionId)).rejects.toThrow(/sha256/);
      expect(fs.readdirSync(root)).toEqual([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
    const last = Math.ceil(bytes.length / partBytes) - 1;
    await ctx.db
      .delete(courseVersionParts)
      .where(sql`${courseVersionParts.versionId} = ${versionId} and ${courseVersionParts.partNo} = ${last}`);
    await expect(storedZip(ctx.db, versionId)).rejects.toThrow(/of its \d+ bytes are stored/);
  });
});

it('moves zips stored before migration 0003 into parts, byte for byte, and still serves them', async () => {
  const database = await openEmptyDatabase();
  const before = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-migrations-'));
  const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-storage-cache-'));
  try {
    // The migrations as they stood before the parts table: 0000-0002.
    const journal = JSON.parse(fs.readFileSync(path.join(migrationsDir, 'meta', '_journal.json'), 'utf8')) as {
      entries: { idx: number; tag: string }[];
    };
    journal.entries = journal.entries.filter((e) => e.idx <= 2);
    expect(journal.entries.map((e) => e.tag)).toEqual(['0000_init', '0001_seed_job_categories', '0002_scorm']);
    fs.mkdirSync(path.join(before, 'meta'));
    fs.writeFileSync(path.join(before, 'meta', '_journal.json'), JSON.stringify(journal));
    for (const e of journal.entries) fs.copyFileSync(path.join(migrationsDir, `${e.tag}.sql`), path.join(before, `${e.tag}.sql`));
    await database.migrate(before);

    const media = crypto.randomBytes(2 * PART_BYTES + 777);
    const large = await buildPackage(withMedia(media));
    const small = await buildPackage(singleSco12());
    const [course] = await database.db.insert(courses).values({ slug: 'legacy', title: 'Legacy' }).returning({ id: courses.id });
    const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
    for (const [versionNo, zip] of [
      [1, large],
      [2, small],
    ] as const) {
      await database.db
        .execute(sql`insert into course_versions (course_id, version_no, sha256, size_bytes, zip, standard, title, manifest, warnings, completion_rule)
        values (${course!.id}, ${versionNo}, ${sha(zip)}, ${zip.length}, ${zip}, '1.2', 'Legacy', '{}'::jsonb, '[]'::jsonb, 'completed')`);
    }

    await database.migrate();
    const versions = await database.db
      .select()
      .from(courseVersions)
      .where(eq(courseVersions.courseId, course!.id))
      .orderBy(asc(courseVersions.versionNo));
    expect((await partsOf(database.db, versions[0]!.id)).map((p) => p.length)).toEqual([
      PART_BYTES,
      PART_BYTES,
      large.length - 2 * PART_BYTES,
    ]);
    expect((await partsOf(database.db, versions[1]!.id)).map((p) => p.length)).toEqual([small.length]);
    expect(Buffer.compare(await storedZip(database.db, versions[0]!.id), large)).toBe(0);
    expect(Buffer.compare(await storedZip(database.db, versions[1]!.id), small)).toBe(0);
    const dir = await new ContentCache(database.db, cacheRoot).folderFor(versions[0]!.id);
    expect(Buffer.compare(fs.readFileSync(path.join(dir, 'media/clip.mp4')), media)).toBe(0);
  } finally {
    await database.close();
    fs.rmSync(before, { recursive: true, force: true });
    fs.rmSync(cacheRoot, { recursive: true, force: true });
  }
});

it('sweeps upload folders a crash left behind (older than a day), and no upload still running', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-uploads-'));
  try {
    for (const name of ['upload-crashed', 'upload-running']) {
      fs.mkdirSync(path.join(root, name));
      fs.writeFileSync(path.join(root, name, 'package'), 'zip bytes');
    }
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    fs.utimesSync(path.join(root, 'upload-crashed'), twoDaysAgo, twoDaysAgo);
    await sweepStaleUploads(root);
    expect(fs.readdirSync(root)).toEqual(['upload-running']);
    await expect(sweepStaleUploads(path.join(root, 'missing'))).resolves.toBeUndefined();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
