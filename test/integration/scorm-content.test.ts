/**
 * Course content on its own origin: served only on a launch token (random, stored hashed, for one
 * staff member's one SCO session), with the content's headers, nothing outside the package, and
 * nothing of the app. The session cookie grants nothing there; a token ends at Terminate, at
 * expiry and at the fiscal year's end.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import { launchTokens, scos } from '../../server/db/schema';
import { redactLaunchToken } from '../../server/scorm/content/routes';
import { findVersion, importPackage } from '../../server/scorm/courses/service';
import { readEntry } from '../../server/scorm/package';
import { createTestContext, csrfFrom, signIn, type TestContext } from '../support/app';
import { commit12 } from '../support/cmi';
import { makeStaff } from '../support/factories';
import {
  attemptRow,
  beacon,
  binary,
  contentPath,
  fixture,
  GOLF_12,
  importCourse,
  instanceOn,
  itWithFixtures,
  launch,
  start,
  stateOf,
  tokenOf,
  type LaunchAnswer,
} from '../support/scorm-flow';
import { LAUNCH_HTML, xmlBase } from '../support/scorm-packages';

jest.setTimeout(60_000);

const withFixtures = itWithFixtures('scorm-content.test.ts');

let now = new Date('2026-12-01T03:00:00Z');
let ctx: TestContext;
let dataDir: string;
let course: Awaited<ReturnType<typeof importCourse>>;
const secret = `secret-${Date.now()}`;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-content-'));
  // A file beside the cache that no traversal may ever reach.
  fs.writeFileSync(path.join(dataDir, 'secret.txt'), secret);
  ctx = await createTestContext({ clock: () => now, env: { DATA_DIR: dataDir, LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
  course = await importCourse(ctx.db, xmlBase());
});
afterAll(async () => {
  await ctx.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});
afterEach(() => {
  now = new Date('2026-12-01T03:00:00Z');
});

const content = () => request(ctx.app.content);

/** A new learner, signed in, with the course started and its SCO launched. */
async function launched(courseId = course.courseId, scoId = course.scos[0]!.id) {
  const person = await makeStaff(ctx.db);
  const learner = await signIn(ctx.app, person.employeeNo, person.password);
  const attemptId = await start(learner.agent, learner.csrf, courseId);
  const answer = await launch(learner.agent, learner.csrf, attemptId, scoId);
  return { person, ...learner, attemptId, scoId, answer };
}

describe('a launch', () => {
  it('gives a launch page on the content origin (the same host name, the next port), and stores only a hash of its token', async () => {
    const l = await launched();
    const url = new URL(l.answer.launchUrl);
    // supertest's Host is 127.0.0.1:<its port>; by default the content origin is that host name on CONTENT_PORT (PORT + 1).
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.port).toBe(String(ctx.config.contentPort));
    expect(ctx.config.contentPort).toBe(ctx.config.port + 1);
    const token = tokenOf(l.answer);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await ctx.db.select().from(launchTokens).where(eq(launchTokens.attemptId, l.attemptId));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).toBe(crypto.createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows[0]).toMatchObject({ staffId: l.person.id, scoId: l.scoId, sessionNo: l.answer.sessionNo, revokedAt: null });
    // The player page's own origin, the only one the content may talk to.
    expect(rows[0]!.appOrigin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves the launch page: the SCO frame, the runtime from this origin, framed only by the player page, never cached', async () => {
    const l = await launched();
    const res = await content().get(contentPath(l.answer)).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<iframe id="sco-frame"');
    expect(res.text).toContain('src="/static/scorm-again/scorm12.min.js"');
    expect(res.text).toContain('src="/static/launch.js"');
    // The SCO's launch file, relative to the launch page, with its query (xml:base applied).
    expect(res.text).toContain('"scoUrl":"f/course/v2/sco1/start.html?x=1"');
    const [row] = await ctx.db.select().from(launchTokens).where(eq(launchTokens.attemptId, l.attemptId));
    expect(res.text).toContain(`"appOrigin":"${row!.appOrigin}"`);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain(`frame-ancestors 'self' ${row!.appOrigin}`);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("form-action 'self'");
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    await content()
      .get('/static/launch.js')
      .expect(200)
      .expect('content-type', /javascript/);
    await content().get('/static/scorm-again/scorm12.min.js').expect(200);
  });

  it("serves the launch's own files with the content CSP, private and revalidated, to no cookie at all", async () => {
    const l = await launched();
    // No cookie is sent (supertest's plain request): the token alone opens the files.
    const res = await content().get(contentPath(l.answer, 'course/v2/sco1/start.html')).expect(200);
    expect(res.text).toBe(LAUNCH_HTML);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self' 'unsafe-inline'");
    expect(csp).toContain("connect-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('private, no-cache');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers.etag).toBeTruthy();
    const png = await content().get(contentPath(l.answer, 'course/v2/sco1/img/logo.png')).expect(200);
    expect(png.headers['content-type']).toBe('image/png');
    // Extracted once, into a folder named by the zip's sha256, marked complete.
    const sha = (await findVersion(ctx.db, course.versionId))!.sha256;
    expect(fs.existsSync(path.join(dataDir, 'content-cache', sha, '.complete'))).toBe(true);
  });

  it('answers 404 for a missing file, a folder, no path and the cache marker', async () => {
    const l = await launched();
    for (const rest of [
      'course/v2/sco1/nope.html',
      'course/v2/sco1/',
      'course/v2/sco1',
      'course',
      '.complete',
      'course/v2/sco1/.hidden',
      '',
    ]) {
      const res = await content().get(contentPath(l.answer, rest));
      expect([rest, res.status]).toEqual([rest, 404]);
    }
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
    const l = await launched();
    const res = await content().get(`${contentPath(l.answer)}f/${rest}`);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(secret);
    expect(res.text).not.toContain('root:');
  });
});

describe('the content origin grants nothing else', () => {
  it('answers 404 to a made-up, malformed or missing token, even with a signed-in session cookie', async () => {
    const l = await launched();
    const cookie = await sessionCookie(l.person);
    const file = 'course/v2/sco1/start.html';
    const forged = crypto.randomBytes(32).toString('base64url');
    for (const p of [
      `/l/${forged}/f/${file}`,
      `/l/${forged}/`,
      `/l/short/f/${file}`,
      `/l//f/${file}`,
      `/f/${file}`,
      `/content/${course.versionId}/${file}`,
    ]) {
      const res = await content().get(p).set('Cookie', cookie);
      expect([p, res.status]).toEqual([p, 404]);
      expect(res.text).not.toContain(LAUNCH_HTML);
    }
  });

  it('mounts nothing of the app: no pages, no exports, no API, no app static files, whatever cookie comes along', async () => {
    const l = await launched();
    const cookie = await sessionCookie(l.person);
    for (const p of [
      '/',
      '/login',
      '/staff',
      '/staff/export.csv',
      '/courses',
      '/account',
      `/api/attempts/${l.attemptId}/scos`,
      '/static/js/player.js',
      '/healthz',
    ]) {
      const res = await content().get(p).set('Cookie', cookie);
      expect([p, res.status]).toEqual([p, 404]);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const post = await content().post(`/api/attempts/${l.attemptId}/scos/${l.scoId}/commit?session=1`).set('Cookie', cookie).send({});
    expect(post.status).toBe(404);
  });

  it('installs no service worker, and answers everything (404s, static files) under a CSP that confines it', async () => {
    const l = await launched();
    // A package's own script asking to become a service worker: refused like a missing file.
    const sw = await content().get(contentPath(l.answer, 'course/v2/sco1/start.html')).set('Service-Worker', 'script');
    expect(sw.status).toBe(404);
    for (const p of ['/nope', `${contentPath(l.answer)}commit`, '/static/launch.js', '/static/scorm-again/scorm12.min.js']) {
      const res = await content().get(p);
      expect([p, res.headers['content-security-policy']]).toEqual([
        p,
        expect.stringMatching(/^default-src 'none'; frame-ancestors 'none'|frame-ancestors 'self'/),
      ]);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    expect((await content().get('/nope')).headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('keeps tokens out of the log, however the path is spelled', () => {
    const token = 'T'.repeat(43);
    for (const p of [`/l/${token}/f/a.html`, `/L/${token}/f/a.html`, `//l/${token}/f/a.html`])
      expect(redactLaunchToken(p)).toBe('/l/…/f/a.html');
  });

  it('answers a commit with a broken body encoding as the client error it is, not a 500', async () => {
    const l = await launched();
    const res = await content()
      .post(`${contentPath(l.answer)}commit`)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('{"not":"gzip"}');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('serves no package file on the app origin any more', async () => {
    const l = await launched();
    await l.agent.get(`/content/${course.versionId}/course/v2/sco1/start.html`).expect(404);
    await l.agent.get(contentPath(l.answer, 'course/v2/sco1/start.html')).expect(404);
  });

  it("keeps one launch's token to its own version: another course's files are not under it", async () => {
    const other = await importCourse(ctx.db, xmlBase());
    const mine = await launched();
    const theirs = await launched(other.courseId, other.scos[0]!.id);
    // Same paths, two versions: each token opens its own launch's version only (the path names no version).
    await content().get(contentPath(mine.answer, 'course/v2/sco1/start.html')).expect(200);
    await content().get(contentPath(theirs.answer, 'course/v2/sco1/start.html')).expect(200);
    const [a, b] = await Promise.all(
      [mine, theirs].map(async (l) => (await ctx.db.select().from(launchTokens).where(eq(launchTokens.attemptId, l.attemptId)))[0]!),
    );
    expect(a!.courseVersionId).toBe(course.versionId);
    expect(b!.courseVersionId).toBe(other.versionId);
  });
});

describe('a token ends', () => {
  it("at Terminate: the launch page's beacon, on its token, stores the commit, rolls the attempt up, and the token then opens nothing", async () => {
    const l = await launched();
    const file = contentPath(l.answer, 'course/v2/sco1/start.html');
    await content().get(file).expect(200);
    const res = await content()
      .post(`${contentPath(l.answer)}commit?terminate=true`)
      .set('Content-Type', 'text/plain;charset=UTF-8')
      .send(
        JSON.stringify({
          ...commit12({ lesson_status: 'completed', lesson_location: 'end', exit: 'suspend' }),
          commitSequence: 1,
          commitKey: l.answer.commitKey,
        }),
      )
      .expect(200);
    expect(res.body).toMatchObject({ result: 'true', errorCode: 0 });
    const state = await stateOf(ctx.db, l.attemptId, l.scoId);
    expect([state!.location, state!.exit, state!.completion]).toEqual(['end', 'suspend', 'completed']);
    expect((await attemptRow(ctx.db, l.attemptId)).satisfied).toBe(true);
    await content().get(file).expect(404);
    await content().get(contentPath(l.answer)).expect(404);
    const again = await content()
      .post(`${contentPath(l.answer)}commit?terminate=true`)
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify({ ...commit12(), commitSequence: 2, commitKey: l.answer.commitKey }));
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ result: 'false' });
  });

  it('gives a relaunch a new token, and ends the old one when the old session terminates', async () => {
    const l = await launched();
    const relaunch = await launch(l.agent, l.csrf, l.attemptId, l.scoId);
    expect(tokenOf(relaunch)).not.toBe(tokenOf(l.answer));
    await content().get(contentPath(relaunch, 'course/v2/sco1/start.html')).expect(200);
    await beacon(l.agent, l.attemptId, l.scoId, l.answer.sessionNo, commit12({ lesson_status: 'incomplete' }), 1).expect(200);
    await content().get(contentPath(l.answer, 'course/v2/sco1/start.html')).expect(404);
    await content().get(contentPath(relaunch, 'course/v2/sco1/start.html')).expect(200);
  });

  it("refuses a beacon commit on another launch's token for this launch's target: the token alone names staff, attempt, SCO and session", async () => {
    const owner = await launched();
    const intruder = await launched();
    // The intruder can only ever commit to its own launch: the URL carries no attempt or SCO to change.
    await content()
      .post(`${contentPath(intruder.answer)}commit?session=${owner.answer.sessionNo}&attemptId=${owner.attemptId}`)
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify({ ...commit12({ lesson_status: 'passed' }), commitSequence: 1, commitKey: intruder.answer.commitKey }))
      .expect(200);
    expect((await stateOf(ctx.db, owner.attemptId, owner.scoId))!.completion).toBe('not attempted');
    expect((await stateOf(ctx.db, intruder.attemptId, intruder.scoId))!.success).toBe('passed');
  });

  it("needs the launch's commit key as well as its token: a token seen in a URL writes nothing", async () => {
    const l = await launched();
    const other = await launched();
    const path = `${contentPath(l.answer)}commit`;
    const payload = { ...commit12({ lesson_status: 'passed', lesson_location: 'forged' }), commitSequence: 1 };
    for (const commitKey of [undefined, '', 'x'.repeat(43), other.answer.commitKey]) {
      const res = await content()
        .post(path)
        .send({ ...payload, commitKey });
      expect([commitKey === other.answer.commitKey ? "another launch's key" : String(commitKey), res.status]).toEqual([
        commitKey === other.answer.commitKey ? "another launch's key" : String(commitKey),
        404,
      ]);
      expect(res.body).toEqual({ result: 'false', errorCode: 391 });
    }
    const beaconed = await content().post(`${path}?terminate=true`).set('Content-Type', 'text/plain').send(JSON.stringify(payload));
    expect(beaconed.status).toBe(404);
    expect((await stateOf(ctx.db, l.attemptId, l.scoId))!).toMatchObject({ location: null, completion: 'not attempted' });
    // The key is stored only as a hash.
    const [row] = await ctx.db.select().from(launchTokens).where(eq(launchTokens.attemptId, l.attemptId));
    expect(row!.commitKeyHash).toBe(crypto.createHash('sha256').update(l.answer.commitKey).digest('hex'));
    // With it, the commit is the launch's.
    await content()
      .post(path)
      .send({ ...payload, commitKey: l.answer.commitKey })
      .expect(200);
    expect((await stateOf(ctx.db, l.attemptId, l.scoId))!.location).toBe('forged');
  });

  it('at expiry (the session lifetime), and when its fiscal year ends, whichever comes first', async () => {
    const l = await launched();
    const file = contentPath(l.answer, 'course/v2/sco1/start.html');
    now = new Date(now.getTime() + ctx.config.sessionMaxAgeMs - 60_000);
    await content().get(file).expect(200);
    now = new Date(now.getTime() + 120_000);
    await content().get(file).expect(404);

    // Launched at 23:00 on 31 March in Japan: the token ends with FY2025, an hour later.
    now = new Date('2026-03-31T14:00:00Z');
    const late = await launched();
    const lateFile = contentPath(late.answer, 'course/v2/sco1/start.html');
    now = new Date('2026-03-31T14:59:00Z');
    await content().get(lateFile).expect(200);
    now = new Date('2026-03-31T15:00:00Z');
    await content().get(lateFile).expect(404);
  });
});

withFixtures('serves a real package file by file, as stored in its zip', async () => {
  const bytes = fixture(GOLF_12);
  const golf = await importPackage(ctx.db, null, bytes, new Date());
  if (!golf.ok) throw new Error('golf import refused');
  const [sco] = await ctx.db.select().from(scos).where(eq(scos.courseVersionId, golf.versionId));
  const l = await launched(golf.courseId, sco!.id);
  const at = (file: string) => contentPath(l.answer, file);
  const page = await content().get(at('shared/launchpage.html')).expect(200);
  expect(page.text).toBe((await readEntry(bytes, 'shared/launchpage.html')).toString('utf8'));
  const jpg = await content().get(at('Etiquette/course.jpg')).buffer(true).parse(binary).expect(200);
  expect(jpg.headers['content-type']).toBe('image/jpeg');
  expect(Buffer.compare(jpg.body as Buffer, await readEntry(bytes, 'Etiquette/course.jpg'))).toBe(0);
  const js = await content().get(at('shared/scormfunctions.js')).expect(200);
  expect(js.headers['content-type']).toMatch(/javascript/);
});

it('serves the same file from a second instance whose cache is empty, extracting from the database', async () => {
  const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-content-2-'));
  try {
    const other = instanceOn(ctx, { DATA_DIR: otherDir }, () => now);
    const l: { answer: LaunchAnswer } = await launched();
    expect(fs.readdirSync(otherDir)).toEqual([]);
    // A token issued by one instance opens the files on another (it is in the shared database).
    const res = await request(other.content).get(contentPath(l.answer, 'course/v2/sco1/start.html')).expect(200);
    expect(res.text).toBe(LAUNCH_HTML);
    const sha = (await findVersion(ctx.db, course.versionId))!.sha256;
    expect(fs.readFileSync(path.join(otherDir, 'content-cache', sha, 'course/v2/sco1/start.html'), 'utf8')).toBe(LAUNCH_HTML);
  } finally {
    fs.rmSync(otherDir, { recursive: true, force: true });
  }
});

describe('the app origin', () => {
  it('builds no origin from a Host header that is not a plain host: pages still answer, launches use the default origin', async () => {
    const l = await launched();
    for (const host of ['a%b', 'x y', '[', 'a";b', '127.0.0.1:1 *; script-src *']) {
      const page = await request(ctx.app).get('/login').set('Host', host);
      expect([host, page.status]).toEqual([host, 200]);
    }
    const res = await l.agent
      .post(`/api/attempts/${l.attemptId}/scos/${l.scoId}/launch`)
      .set('x-csrf-token', l.csrf)
      .set('Host', '127.0.0.1:1 *; script-src *')
      .send({});
    expect(res.status).toBe(200);
    const [row] = await ctx.db
      .select()
      .from(launchTokens)
      .where(
        eq(
          launchTokens.tokenHash,
          crypto
            .createHash('sha256')
            .update(tokenOf(res.body as LaunchAnswer))
            .digest('hex'),
        ),
      );
    expect(row!.appOrigin).toBe(new URL(ctx.config.baseUrl).origin);
  });

  it('frames only the content origin, and marks its pages and exports no-store while static files stay cacheable', async () => {
    const l = await launched();
    const player = await l.agent.get(`/learn/attempts/${l.attemptId}`).expect(200);
    const csp = player.headers['content-security-policy'] as string;
    expect(csp).toMatch(new RegExp(`frame-src http://127\\.0\\.0\\.1:${ctx.config.contentPort}(;|$)`));
    expect(player.headers['cache-control']).toBe('no-store');
    // The player frame is sandboxed without top navigation, and loads no SCORM runtime itself.
    expect(player.text).toMatch(
      /<iframe id="content-frame"[^>]*sandbox="allow-scripts allow-same-origin allow-forms allow-popups allow-modals allow-downloads"/,
    );
    expect(player.text).not.toContain('allow-top-navigation');
    expect(player.text).not.toContain('scorm-again');
    for (const p of ['/', '/courses', `/courses/${course.courseId}`])
      expect((await l.agent.get(p)).headers['cache-control']).toBe('no-store');
    expect((await l.agent.get('/static/js/player.js').expect(200)).headers['cache-control']).not.toContain('no-store');
    // In production too, the player's and the launch page's scripts are revalidated on every use:
    // after an upgrade no browser may pair an old player with a new launch page.
    const production = instanceOn(ctx, { NODE_ENV: 'production' }, () => now);
    expect((await request(production).get('/static/js/player.js').expect(200)).headers['cache-control']).toBe('public, max-age=0');
    expect((await request(production.content).get('/static/launch.js').expect(200)).headers['cache-control']).toBe('public, max-age=0');
  });
});

/** A signed-in session's cookie, as the browser would also send it to the content origin (same host name). */
async function sessionCookie(person: { employeeNo: string; password: string }): Promise<string> {
  const page = await request(ctx.app).get('/login').expect(200);
  const first = String(page.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  const res = await request(ctx.app)
    .post('/login')
    .set('Cookie', first)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), identifier: person.employeeNo, password: person.password })
    .expect(303);
  const cookie = String(res.headers['set-cookie']?.[0] ?? first).split(';')[0]!;
  // It is a live session on the app origin.
  await request(ctx.app).get('/account').set('Cookie', cookie).expect(200);
  return cookie;
}
