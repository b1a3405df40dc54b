/** Serving course content: who may read it, with which headers, and nothing outside the package. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { findVersion, importPackage } from '../../server/scorm/courses/service';
import { readEntry } from '../../server/scorm/package';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { makeStaff } from '../support/factories';
import { binary, fixture, GOLF_12, importCourse, instanceOn, itWithFixtures, type Agent } from '../support/scorm-flow';
import { LAUNCH_HTML, xmlBase } from '../support/scorm-packages';

jest.setTimeout(60_000);

const withFixtures = itWithFixtures('scorm-content.test.ts');

let ctx: TestContext;
let dataDir: string;
let learner: { agent: Agent; csrf: string };
let course: Awaited<ReturnType<typeof importCourse>>;
const secret = `secret-${Date.now()}`;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-content-'));
  // A file beside the cache that no traversal may ever reach.
  fs.writeFileSync(path.join(dataDir, 'secret.txt'), secret);
  ctx = await createTestContext({ env: { DATA_DIR: dataDir } });
  const person = await makeStaff(ctx.db);
  learner = await signIn(ctx.app, person.employeeNo, person.password);
  course = await importCourse(ctx.db, xmlBase());
});
afterAll(async () => {
  await ctx.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const url = (rest: string, versionId = course.versionId) => `/content/${versionId}/${rest}`;

describe('a signed-in learner', () => {
  it('gets the launch file with its content type, the content CSP and immutable caching', async () => {
    const res = await learner.agent.get(url('course/v2/sco1/start.html')).expect(200);
    expect(res.text).toBe(LAUNCH_HTML);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self' 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toMatch(/max-age=31536000/);
    expect(res.headers['cache-control']).toContain('immutable');

    const png = await learner.agent.get(url('course/v2/sco1/img/logo.png')).expect(200);
    expect(png.headers['content-type']).toBe('image/png');
    // Extracted once, into a folder named by the zip's sha256, marked complete.
    const sha = (await importShaOf(course.versionId))!;
    expect(fs.existsSync(path.join(dataDir, 'content-cache', sha, '.complete'))).toBe(true);
  });

  withFixtures('serves a real package file by file, as stored in its zip', async () => {
    const bytes = fixture(GOLF_12);
    const golf = await importPackage(ctx.db, null, bytes, new Date());
    if (!golf.ok) throw new Error('golf import refused');
    const page = await learner.agent.get(url('shared/launchpage.html', golf.versionId)).expect(200);
    expect(page.text).toBe((await readEntry(bytes, 'shared/launchpage.html')).toString('utf8'));
    const jpg = await learner.agent.get(url('Etiquette/course.jpg', golf.versionId)).buffer(true).parse(binary).expect(200);
    expect(jpg.headers['content-type']).toBe('image/jpeg');
    expect(Buffer.compare(jpg.body as Buffer, await readEntry(bytes, 'Etiquette/course.jpg'))).toBe(0);
    const js = await learner.agent.get(url('shared/scormfunctions.js', golf.versionId)).expect(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
  });

  it('answers 404 for a missing file, a folder, no path, an unknown version and the cache marker', async () => {
    for (const rest of [
      'course/v2/sco1/nope.html',
      'course/v2/sco1/',
      'course/v2/sco1',
      'course',
      '.complete',
      'course/v2/sco1/.hidden',
      '',
    ]) {
      const res = await learner.agent.get(url(rest));
      expect([rest, res.status]).toEqual([rest, 404]);
    }
    await learner.agent.get(url('course/v2/sco1/start.html', 999_999)).expect(404);
    await learner.agent.get('/content/abc/course/v2/sco1/start.html').expect(404);
  });

  it.each([
    '%2e%2e/%2e%2e/secret.txt',
    '%2e%2e%2f%2e%2e%2fsecret.txt',
    '..%2f..%2fsecret.txt',
    'course/..%2f..%2f..%2fsecret.txt',
    'course/%2e%2e/%2e%2e/%2e%2e/secret.txt',
    '%2e%2e%5c%2e%2e%5csecret.txt',
    '..%5c..%5csecret.txt',
    'course/v2/sco1/%2e%2e/sco1/start.html',
    '%2fetc%2fpasswd',
    'course%00/v2/sco1/start.html',
  ])('never serves a file through %s', async (rest) => {
    const res = await learner.agent.get(url(rest));
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(secret);
    expect(res.text).not.toContain('root:');
  });
});

it('sends an anonymous visitor to the login page', async () => {
  const res = await request(ctx.app).get(url('course/v2/sco1/start.html'));
  expect([302, 303]).toContain(res.status);
  expect(res.headers.location).toBe('/login');
});

it('serves the same file from a second instance whose cache is empty, extracting from the database', async () => {
  const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-content-2-'));
  try {
    const other = instanceOn(ctx, { DATA_DIR: otherDir });
    const person = await makeStaff(ctx.db);
    const { agent } = await signIn(other, person.employeeNo, person.password);
    expect(fs.readdirSync(otherDir)).toEqual([]);
    const res = await agent.get(url('course/v2/sco1/start.html')).expect(200);
    expect(res.text).toBe(LAUNCH_HTML);
    const sha = (await importShaOf(course.versionId))!;
    expect(fs.readFileSync(path.join(otherDir, 'content-cache', sha, 'course/v2/sco1/start.html'), 'utf8')).toBe(LAUNCH_HTML);
  } finally {
    fs.rmSync(otherDir, { recursive: true, force: true });
  }
});

async function importShaOf(versionId: number) {
  return (await findVersion(ctx.db, versionId))?.sha256;
}
