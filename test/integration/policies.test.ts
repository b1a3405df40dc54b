import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import { authorize, POLICIES, policyOf, type Policy, type Viewer } from '../../server/auth/policies';
import { courses, launchTokens, scos } from '../../server/db/schema';
import { importPackage } from '../../server/scorm/courses/service';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { commit12 } from '../support/cmi';
import { makeAttempt, makeCourseVersion, makeOfficer, makeStaff } from '../support/factories';
import { asViewer, contentPath, importCourse, launch, start, tokenOf, uniquePackage, type LaunchAnswer } from '../support/scorm-flow';
import { LAUNCH_HTML, singleSco12 } from '../support/scorm-packages';

// Each file opens its own database; on a busy 2-core machine that can outlast jest's 5 s default.
const hashOf = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

jest.setTimeout(30_000);

interface RouteInfo {
  method: string;
  path: string;
  policies: Policy[];
}

interface WalkLayer {
  handle?: { stack?: WalkLayer[] };
  route?: { path: string | string[]; methods: Record<string, boolean>; stack: { handle: unknown }[] };
  rawPath?: unknown;
  slash?: boolean;
}

/**
 * Every route of the app with the policies its handlers carry. Nested routers are followed;
 * a router mounted under a path prefixes its routes with that path.
 */
function walk(stack: WalkLayer[], prefix = ''): RouteInfo[] {
  const out: RouteInfo[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      const policies = layer.route.stack.map((s) => policyOf(s.handle)).filter((p): p is Policy => p !== undefined);
      for (const method of Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m])) {
        for (const p of paths) out.push({ method: method.toUpperCase(), path: `${prefix}${p}`, policies });
      }
    } else if (Array.isArray(layer.handle?.stack)) {
      const mount = !layer.slash && typeof layer.rawPath === 'string' ? layer.rawPath.replace(/\/$/, '') : '';
      out.push(...walk(layer.handle.stack, `${prefix}${mount}`));
    }
  }
  return out;
}

let ctx: TestContext;
let routes: RouteInfo[];
// Course content is extracted into DATA_DIR on first use.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-policies-'));
beforeAll(async () => {
  ctx = await createTestContext({ env: { DATA_DIR: dataDir, LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
  const router = (ctx.app as unknown as { router: { stack: WalkLayer[] } }).router;
  routes = walk(router.stack);
});
afterAll(async () => {
  await ctx.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the router table', () => {
  it('finds the routes of every feature (the walk itself works)', () => {
    expect(routes.length).toBeGreaterThan(20);
    const names = routes.map((r) => `${r.method} ${r.path}`);
    for (const known of [
      'GET /login',
      'POST /staff',
      'GET /staff/:id',
      'GET /admin/hospital',
      'GET /admin/audit',
      'POST /admin/departments/:id',
      'GET /staff/import/:id',
    ]) {
      expect(names).toContain(known);
    }
  });

  it('gives every route a policy', () => {
    const offending = routes.filter((r) => r.policies.length === 0).map((r) => `${r.method} ${r.path}`);
    if (offending.length) throw new Error(`routes without allow(policy):\n  ${offending.join('\n  ')}`);
    expect(offending).toEqual([]);
  });
});

/** GET pages that need a role; `:token` pages are reached by link, not by role. */
function rolePages(): RouteInfo[] {
  return routes.filter(
    (r) =>
      r.method === 'GET' &&
      !r.path.includes(':token') &&
      r.policies.length > 0 &&
      r.policies.every((p) => POLICIES[p] !== null && POLICIES[p].length > 0),
  );
}

describe('pages a role may not use', () => {
  let someoneId: number;
  beforeAll(async () => {
    someoneId = (await makeStaff(ctx.db)).id;
  });
  // `:id` -> a real id; optional `{...}` groups dropped; a bare `*rest` wildcard -> one segment.
  const concrete = (path: string) =>
    path
      .replace(/\{[^}]*\}/g, '')
      .replace(/:(\w+)/g, () => String(someoneId))
      .replace(/\*\w+/g, 'x');

  it('covers the role pages', () => {
    expect(rolePages().length).toBeGreaterThanOrEqual(8);
  });

  it('answer 403 to a plain staff member', async () => {
    const person = await makeStaff(ctx.db);
    const { agent } = await signIn(ctx.app, person.employeeNo, person.password);
    const wrong: string[] = [];
    for (const r of rolePages()) {
      const res = await agent.get(concrete(r.path));
      if (res.status !== 403) wrong.push(`${r.path} -> ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('send an anonymous visitor to /login, or answer 401 JSON to an API caller', async () => {
    const wrong: string[] = [];
    for (const r of rolePages()) {
      const page = await request(ctx.app).get(concrete(r.path));
      if (page.status !== 303 || page.headers.location !== '/login')
        wrong.push(`${r.path} (html) -> ${page.status} ${page.headers.location ?? ''}`);
      const api = await request(ctx.app).get(concrete(r.path)).set('Accept', 'application/json');
      if (api.status !== 401 || (api.body as { error?: { code?: string } }).error?.code !== 'unauthenticated') {
        wrong.push(`${r.path} (json) -> ${api.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('record-level rules (authorize)', () => {
  const viewer = (id: number, roles: Viewer['roles']): Viewer => ({ ...asViewer({ id, employeeNo: `E${id}`, name: 'x', roles }) });
  const learner = viewer(1, ['staff']);
  const officer = viewer(2, ['staff', 'officer']);
  const admin = viewer(3, ['staff', 'admin']);
  const manager = viewer(4, ['staff', 'manager']);

  it('lets an attempt be viewed by its owner and by those who read results, and played by its owner only', () => {
    const own = { staffId: 1 };
    const others = { staffId: 99 };
    expect([learner, officer, admin, manager].map((v) => authorize(v, 'attempt:view', others))).toEqual([false, true, true, false]);
    expect(authorize(learner, 'attempt:view', own)).toBe(true);
    expect([learner, officer, admin].map((v) => authorize(v, 'attempt:play', others))).toEqual([false, false, false]);
    expect(authorize(learner, 'attempt:play', own)).toBe(true);
    expect(authorize(undefined, 'attempt:view', own)).toBe(false);
  });
});

describe("another learner's attempt", () => {
  it('answers 404 to the player, its table of contents, launch and commit, as a missing one does', async () => {
    const owner = await makeStaff(ctx.db);
    const version = await makeCourseVersion(ctx.db);
    const attempt = await makeAttempt(ctx.db, { staffId: owner.id, courseVersionId: version.id });
    const scoId = version.scos[0]!.id;
    const mine = await signIn(ctx.app, owner.employeeNo, owner.password);
    await mine.agent.get(`/learn/attempts/${attempt.id}`).expect(200);
    const { sessionNo } = await launch(mine.agent, mine.csrf, attempt.id, scoId);

    const intruderRow = await makeStaff(ctx.db);
    const intruder = await signIn(ctx.app, intruderRow.employeeNo, intruderRow.password);
    for (const [label, res] of [
      ['player', await intruder.agent.get(`/learn/attempts/${attempt.id}`)],
      ['missing attempt', await intruder.agent.get('/learn/attempts/999999')],
      ['table of contents', await intruder.agent.get(`/api/attempts/${attempt.id}/scos`)],
      ['launch', await intruder.agent.post(`/api/attempts/${attempt.id}/scos/${scoId}/launch`).set('x-csrf-token', intruder.csrf).send({})],
      // The run-time API is on the content origin, on the owner's launch token: the app origin takes no commit from anyone.
      [
        'commit',
        await intruder.agent
          .post(`/api/attempts/${attempt.id}/scos/${scoId}/commit?session=${sessionNo}`)
          .set('x-csrf-token', intruder.csrf)
          .send({ ...commit12({ lesson_status: 'passed' }), commitSequence: 1 }),
      ],
    ] as const) {
      expect([label, res.status]).toEqual([label, 404]);
    }

    // Results readers see it on the officer's page, but nobody plays another person's attempt.
    const officerRow = await makeOfficer(ctx.db);
    const o = await signIn(ctx.app, officerRow.employeeNo, officerRow.password);
    await o.agent.get(`/admin/attempts/${attempt.id}`).expect(200);
    await o.agent.get(`/learn/attempts/${attempt.id}`).expect(404);
    await o.agent.post(`/api/attempts/${attempt.id}/scos/${scoId}/launch`).set('x-csrf-token', o.csrf).send({}).expect(404);
  });
});

describe('course content', () => {
  it("is read only through one's own launch, of the version one's attempt is on, whatever the course's standing", async () => {
    const first = await importCourse(ctx.db, singleSco12({ title: '版 1' }));
    const early = await makeStaff(ctx.db);
    const earlyIn = await signIn(ctx.app, early.employeeNo, early.password);
    const earlyAttempt = await start(earlyIn.agent, earlyIn.csrf, first.courseId);
    const { bytes } = await uniquePackage(singleSco12({ title: '版 2' }), 'v2');
    const second = await importPackage(ctx.db, null, bytes, new Date(), { courseId: first.courseId, makeCurrent: true });
    if (!second.ok) throw new Error('version 2 refused');
    const [v2Sco] = await ctx.db.select().from(scos).where(eq(scos.courseVersionId, second.versionId));

    // The early learner's attempt stays on version 1; a newcomer's starts on version 2.
    const earlyLaunch = await launch(earlyIn.agent, earlyIn.csrf, earlyAttempt, first.scos[0]!.id);
    const newcomer = await makeStaff(ctx.db);
    const newIn = await signIn(ctx.app, newcomer.employeeNo, newcomer.password);
    const newAttempt = await start(newIn.agent, newIn.csrf, first.courseId);
    // Launching a SCO of another version than the attempt's is refused like a missing one.
    await newIn.agent
      .post(`/api/attempts/${newAttempt}/scos/${first.scos[0]!.id}/launch`)
      .set('x-csrf-token', newIn.csrf)
      .send({})
      .expect(404);
    const newLaunch = await launch(newIn.agent, newIn.csrf, newAttempt, v2Sco!.id);
    const content = request(ctx.app.content);
    expect((await content.get(contentPath(earlyLaunch, 'shared/launchpage.html')).expect(200)).text).toBe(LAUNCH_HTML);
    await content.get(contentPath(newLaunch, 'shared/launchpage.html')).expect(200);
    const versionOf = async (l: LaunchAnswer) =>
      (
        await ctx.db
          .select()
          .from(launchTokens)
          .where(eq(launchTokens.tokenHash, hashOf(tokenOf(l))))
      )[0]!.courseVersionId;
    expect([await versionOf(earlyLaunch), await versionOf(newLaunch)]).toEqual([first.versionId, second.versionId]);

    // An archived course: its attempts' owners still play what they started.
    await ctx.db.update(courses).set({ archivedAt: new Date() }).where(eq(courses.id, first.courseId));
    const relaunch = await launch(earlyIn.agent, earlyIn.csrf, earlyAttempt, first.scos[0]!.id);
    await content.get(contentPath(relaunch, 'shared/launchpage.html')).expect(200);
  });
});
