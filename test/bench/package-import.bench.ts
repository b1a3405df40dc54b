// SCORM package import benchmark: `npm run bench:package [-- --mb 300] [-- --keep]`.
// Builds a real package of the given size (a valid SCORM 1.2 manifest, a launch page and
// stored, incompressible "media" files — what a video course looks like), then on embedded
// PGlite and on PostgreSQL (DATABASE_URL, or the local default): imports it from its file
// through the same service the upload screen and the CLI use, streams it back out of the
// database as the officer's download does, and extracts it as the content cache does.
// Prints seconds and the process's peak RSS after each step. Figures only, no assertions;
// the point is that memory stays bounded (far below the package size) at the 500 MB default cap.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import yazl from 'yazl';
import { openDatabase, type DatabaseHandle } from '../../server/db/client';
import { ContentCache } from '../../server/scorm/content/cache';
import { importPackage, versionZipStream } from '../../server/scorm/courses/service';
import { LAUNCH_HTML, singleSco12 } from '../support/scorm-packages';

const DEFAULT_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
const MB = 1024 * 1024;
const MEDIA_FILE_MB = 10;

/** Random bytes, a megabyte at a time: never the whole file in memory. */
function randomStream(bytes: number): Readable {
  return Readable.from(
    (function* () {
      for (let left = bytes; left > 0; left -= MB) yield crypto.randomBytes(Math.min(MB, left));
    })(),
  );
}

/** Writes a valid SCORM 1.2 package of about `totalMb` MB to `file`, streamed. */
async function writeLargePackage(file: string, totalMb: number): Promise<void> {
  const zip = new yazl.ZipFile();
  const written = pipeline(zip.outputStream, fs.createWriteStream(file));
  const spec = singleSco12({ title: `Bench ${totalMb} MB` });
  const identifier = `bench.package.${crypto.randomBytes(4).toString('hex')}`;
  zip.addBuffer(Buffer.from(spec.manifest!.replace('identifier="test.single12"', `identifier="${identifier}"`), 'utf8'), 'imsmanifest.xml');
  zip.addBuffer(Buffer.from(LAUNCH_HTML, 'utf8'), 'shared/launchpage.html');
  for (let i = 0, left = totalMb * MB; left > 0; i++, left -= MEDIA_FILE_MB * MB) {
    const size = Math.min(MEDIA_FILE_MB * MB, left);
    zip.addReadStream(randomStream(size), `media/clip-${String(i).padStart(3, '0')}.mp4`, { compress: false, size });
  }
  zip.end();
  await written;
}

const peakRssMb = () => Math.round((process.resourceUsage().maxRSS * 1024) / MB);

async function step<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const value = await fn();
  console.log(
    `  ${label.padEnd(34)} ${((performance.now() - start) / 1000).toFixed(1).padStart(6)} s   peak RSS ${String(peakRssMb()).padStart(5)} MB`,
  );
  return value;
}

async function runOn(name: string, database: DatabaseHandle, file: string, work: string): Promise<void> {
  await step('migrate', () => database.migrate());
  const result = await step('import (analyse + store in parts)', () => importPackage(database.db, null, file, new Date()));
  if (!result.ok) throw new Error(`import refused: ${JSON.stringify(result.problems)}`);
  let downloaded = 0;
  await step('download (stream the parts)', () =>
    pipeline(
      Readable.from(versionZipStream(database.db, result.versionId)),
      new Writable({
        write(chunk: Buffer, _enc, done) {
          downloaded += chunk.length;
          done();
        },
      }),
    ),
  );
  if (downloaded !== fs.statSync(file).size) throw new Error(`downloaded ${downloaded} bytes of ${fs.statSync(file).size}`);
  const cache = new ContentCache(database.db, path.join(work, `cache-${name}`));
  const dir = await step('extract into the content cache', () => cache.folderFor(result.versionId));
  if (!fs.existsSync(path.join(dir, 'shared/launchpage.html'))) throw new Error('extraction lost the launch page');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { mb: { type: 'string', default: '300' }, keep: { type: 'boolean', default: false } } });
  const totalMb = Number(values.mb);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-bench-package-'));
  const file = path.join(work, `package-${totalMb}mb.zip`);
  try {
    await step(`build a ${totalMb} MB package`, () => writeLargePackage(file, totalMb));
    console.log(`  (${(fs.statSync(file).size / MB).toFixed(1)} MB on disk)`);

    // PostgreSQL first: peak RSS only grows, and opening a fresh PGlite (initdb in WebAssembly)
    // alone takes the process to several hundred megabytes, which would hide PostgreSQL's figures.
    const url = process.env.DATABASE_URL ?? DEFAULT_POSTGRES;
    const dbName = `mamoru_bench_package_${process.pid}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    try {
      const u = new URL(url);
      u.pathname = `/${dbName}`;
      console.log('postgres:');
      const postgres = await openDatabase({ databaseUrl: u.toString(), poolSize: 2 });
      try {
        await runOn('postgres', postgres, file, work);
      } finally {
        await postgres.close();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    }

    console.log('pglite:');
    const pglite = await step('open a new PGlite data dir', () => openDatabase({ dataDir: path.join(work, 'pglite') }));
    try {
      await runOn('pglite', pglite, file, work);
    } finally {
      await pglite.close();
    }
  } finally {
    if (values.keep) console.log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
