// The command line as an operator runs it: real child processes against their own database
// (embedded PGlite in a temporary DATA_DIR, or a fresh PostgreSQL database when DATABASE_URL is set).
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, asc, eq, inArray } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../server/db/client';
import { auditLog, courses, courseVersionParts, courseVersions, launchTokens, rosterImports, staff } from '../../server/db/schema';
import { issueLaunchToken, resolveLaunch } from '../../server/scorm/content/launches';
import { makeAttempt, makeCourseVersion, makeStaff } from '../support/factories';
import { withDatabaseName } from '../support/global-setup';
import { buildPackage, LAUNCH_HTML, singleSco12 } from '../support/scorm-packages';

const root = path.resolve(__dirname, '../..');
// The same as `npx tsx`, without npx's start-up cost on every launch.
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

// Each launch compiles and starts the app's CLI (a few seconds, more on a fresh PGlite).
jest.setTimeout(120_000);

let dir: string;
let env: NodeJS.ProcessEnv;
let postgresName: string | undefined;

async function withServer<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-cli-'));
  env = { ...process.env, DATA_DIR: path.join(dir, 'data'), LANG: 'ja_JP.UTF-8', LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL;
  delete env.NODE_OPTIONS; // Jest's --experimental-vm-modules is not for the CLI
  if (process.env.DATABASE_URL) {
    postgresName = `mamoru_cli_${crypto.randomBytes(6).toString('hex')}`;
    await withServer((c) => c.query(`CREATE DATABASE ${postgresName}`));
    env.DATABASE_URL = withDatabaseName(process.env.DATABASE_URL, postgresName);
  }
});

afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  if (postgresName) await withServer((c) => c.query(`DROP DATABASE IF EXISTS ${postgresName} WITH (FORCE)`));
});

function mamoru(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, ['server/cli/main.ts', ...args], { cwd: root, env, timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The CLI's database, opened here only while no CLI process runs (PGlite is single-user). */
async function inspect<T>(fn: (db: DatabaseHandle['db']) => Promise<T>): Promise<T> {
  const database = await openDatabase(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL, poolSize: 1 } : { dataDir: env.DATA_DIR! });
  try {
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

function writeCsv(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\r\n') + '\r\n');
  return file;
}

describe('mamoru import-staff', () => {
  it('dry-runs, imports, refuses a broken file, and leaves an intact audit chain', async () => {
    const good = writeCsv('roster.csv', [
      '職員番号,氏名,ふりがな,所属,職種,入職日',
      'C-001,髙橋 健一,たかはし けんいち,救急科（CLI）,医師,2015-04-01',
      'C-002,渡辺 美咲,わたなべ みさき,救急科（CLI）,看護師,2019/4/1',
      'C-003,小川 彩,おがわ あや,救急科（CLI）,臨床心理士（CLI）,2023-10-01',
    ]);
    const broken = writeCsv('broken.csv', [
      '職員番号,氏名,入職日',
      'C-004,土井 一,2024-04-01',
      'C-005,土井 二,2024-02-30',
      'C-004,土井 三,',
    ]);

    const admin = await mamoru('create-admin', '--employee-no', 'ADMIN1', '--name', '管理 太郎', '--password', 'cli-admin-password');
    expect(admin).toMatchObject({ code: 0 });
    expect(admin.stdout).toContain('administrator ADMIN1');

    const dry = await mamoru('import-staff', good, '--dry-run');
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/create:\s+3\n/);
    expect(dry.stdout).toContain('New departments (1): 救急科（CLI）');
    expect(dry.stdout).toContain('New job categories (1): 臨床心理士（CLI）');
    expect(dry.stdout).toContain('Dry run');

    // Still three to create: the dry run wrote nothing.
    const run = await mamoru('import-staff', good, '--encoding', 'utf-8');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/create:\s+3\n/);
    expect(run.stdout).toContain('名簿を取り込みました：新規 3 人、更新 0 人、退職 0 人。');

    const bad = await mamoru('import-staff', broken);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('row 3, column 入職日: 日付が正しくありません');
    expect(bad.stderr).toContain('row 4, column 職員番号: 職員番号が 2 行目と重複しています。');

    const verify = await mamoru('verify-audit');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/Audit chain intact: \d+ entries/);

    const state = await inspect(async (db) => ({
      people: (await db.select({ no: staff.employeeNo }).from(staff).orderBy(asc(staff.employeeNo))).map((r) => r.no),
      imports: await db
        .select({ status: rosterImports.status, uploadedBy: rosterImports.uploadedBy })
        .from(rosterImports)
        .orderBy(asc(rosterImports.id)),
      nurse: (await db.select({ name: staff.name, hiredOn: staff.hiredOn }).from(staff).where(eq(staff.employeeNo, 'C-002')))[0],
    }));
    expect(state.people).toEqual(['ADMIN1', 'C-001', 'C-002', 'C-003']);
    expect(state.nurse).toEqual({ name: '渡辺 美咲', hiredOn: '2019-04-01' });
    expect(state.imports).toEqual([
      { status: 'discarded', uploadedBy: null },
      { status: 'applied', uploadedBy: null },
      { status: 'discarded', uploadedBy: null },
    ]);
  });

  it('exits 1 on a file it cannot read', async () => {
    const res = await mamoru('import-staff', path.join(dir, 'missing.csv'));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Cannot read');
  });
});

describe('mamoru import-package', () => {
  it('imports a package from its file in parts, refuses a broken one, and says which file it cannot read', async () => {
    const media = crypto.randomBytes(5 * 1024 * 1024); // more than one 4 MB part
    const bytes = await buildPackage({
      ...singleSco12({ title: 'CLI の教材' }),
      files: { 'shared/launchpage.html': LAUNCH_HTML, 'media/clip.mp4': media },
      compress: false,
    });
    const file = path.join(dir, 'package.zip');
    fs.writeFileSync(file, bytes);
    const run = await mamoru('import-package', file, '--course', 'cli-course');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Created course 1 \(course id \d+, version id \d+\)\./);

    const broken = path.join(dir, 'broken.zip');
    fs.writeFileSync(broken, await buildPackage({ ...singleSco12({ href: 'shared/start.html' }) }));
    const refused = await mamoru('import-package', broken, '--course', 'cli-course');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('shared/start.html');

    const missing = await mamoru('import-package', path.join(dir, 'missing.zip'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Cannot read');

    const stored = await inspect(async (db) => {
      const [course] = await db.select().from(courses).where(eq(courses.slug, 'cli-course'));
      const versions = await db
        .select({ id: courseVersions.id, sizeBytes: courseVersions.sizeBytes })
        .from(courseVersions)
        .where(eq(courseVersions.courseId, course!.id));
      const parts = await db
        .select({ bytes: courseVersionParts.bytes })
        .from(courseVersionParts)
        .where(eq(courseVersionParts.versionId, versions[0]!.id))
        .orderBy(asc(courseVersionParts.partNo));
      return { title: course!.title, versions, zip: Buffer.concat(parts.map((p) => p.bytes)), partCount: parts.length };
    });
    expect(stored.title).toBe('CLI の教材');
    expect(stored.versions).toEqual([{ id: expect.any(Number), sizeBytes: bytes.length }]);
    expect(stored.partCount).toBe(2);
    expect(Buffer.compare(stored.zip, bytes)).toBe(0);
  });
});

// Last in this file: it adds a roster of its own to the database the tests above inspect.
describe('mamoru demo', () => {
  it('sets the demo accounts through the audited paths: roles by the demo administrator, passwords by the CLI', async () => {
    const run = await mamoru('demo', '--staff', '601');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('D00600');

    const state = await inspect(async (db) => {
      const people = await db
        .select({ id: staff.id, no: staff.employeeNo, roles: staff.roles, hasPassword: staff.passwordHash })
        .from(staff)
        .where(inArray(staff.employeeNo, ['demo-admin', 'D00001', 'D00600', 'D00601']))
        .orderBy(asc(staff.employeeNo));
      const entries = await db
        .select({ actorId: auditLog.actorId, action: auditLog.action, subjectId: auditLog.subjectId, details: auditLog.details })
        .from(auditLog)
        .where(
          and(
            eq(auditLog.subjectType, 'staff'),
            inArray(
              auditLog.subjectId,
              people.map((p) => String(p.id)),
            ),
          ),
        )
        .orderBy(asc(auditLog.seq));
      return { people, entries };
    });
    const [officer, manager, member, admin] = state.people;
    expect(state.people.map((p) => p.no)).toEqual(['D00001', 'D00600', 'D00601', 'demo-admin']);
    expect(officer!.roles).toEqual(['staff', 'officer']);
    expect(manager!.roles).toEqual(['staff', 'manager']);
    for (const p of state.people) expect(p.hasPassword).not.toBeNull();

    const of = (id: number) =>
      state.entries
        .filter((e) => e.subjectId === String(id))
        .map((e) => ({ action: e.action, actorId: e.actorId, via: (e.details as { via?: string }).via }));
    expect(of(officer!.id)).toEqual([
      { action: 'staff.create', actorId: null, via: undefined },
      { action: 'staff.update', actorId: admin!.id, via: undefined },
      { action: 'account.set-password', actorId: null, via: 'cli' },
    ]);
    expect(of(manager!.id)).toEqual([
      { action: 'staff.create', actorId: null, via: undefined },
      { action: 'staff.update', actorId: admin!.id, via: undefined },
      { action: 'account.set-password', actorId: null, via: 'cli' },
    ]);
    // A plain staff member's roles do not change, so only the password is written (and audited).
    expect(of(member!.id)).toEqual([
      { action: 'staff.create', actorId: null, via: undefined },
      { action: 'account.set-password', actorId: null, via: 'cli' },
    ]);

    const verify = await mamoru('verify-audit');
    expect(verify.code).toBe(0);
  });
});

describe('a password set from the command line', () => {
  it("ends the person's course launches too (the command runs in a process of its own)", async () => {
    const now = new Date();
    expect((await mamoru('db:migrate')).code).toBe(0);
    const opened = await inspect(async (db) => {
      const person = await makeStaff(db);
      const version = await makeCourseVersion(db);
      const attempt = await makeAttempt(db, { staffId: person.id, courseVersionId: version.id });
      const secrets = await issueLaunchToken(
        db,
        {
          staffId: person.id,
          attemptId: attempt.id,
          scoId: version.scos[0]!.id,
          courseVersionId: version.id,
          sessionNo: 1,
          fiscalYear: attempt.fiscalYear,
          fiscalYearStartMonth: 4,
          appOrigin: 'http://127.0.0.1:3000',
          lifetimeMs: 3600_000,
        },
        now,
      );
      expect(await resolveLaunch(db, secrets.token, now)).toBeDefined();
      return { employeeNo: person.employeeNo, token: secrets.token, staffId: person.id };
    });
    const run = await mamoru(
      'create-admin',
      '--employee-no',
      opened.employeeNo,
      '--name',
      '管理 次郎',
      '--password',
      'another-cli-password',
    );
    expect(run.code).toBe(0);
    await inspect(async (db) => {
      const tokens = await db
        .select({ revokedAt: launchTokens.revokedAt })
        .from(launchTokens)
        .where(eq(launchTokens.staffId, opened.staffId));
      expect(tokens).toHaveLength(1);
      expect(tokens[0]!.revokedAt).not.toBeNull();
      expect(await resolveLaunch(db, opened.token, new Date())).toBeUndefined();
    });
  });
});
