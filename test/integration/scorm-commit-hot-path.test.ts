/**
 * The run-time API's hot path: commits of many learners grouped into one statement without
 * losing or reordering any, and the lean read-only session check in front of it.
 */
import { eq } from 'drizzle-orm';
import type { Express } from 'express';
import request from 'supertest';
import { sessions } from '../../server/db/schema';
import { CommitBatcher } from '../../server/scorm/tracking/commit-batcher';
import * as repo from '../../server/scorm/tracking/repository';
import { setRetirement } from '../../server/staff/service';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { commit12 } from '../support/cmi';
import { makeAdmin, makeStaff } from '../support/factories';
import { asViewer, attemptRow, commit, importCourse, instanceOn, launch, start, stateOf, type Agent } from '../support/scorm-flow';
import { singleSco12 } from '../support/scorm-packages';

jest.setTimeout(60_000);

let ctx: TestContext;
let course: Awaited<ReturnType<typeof importCourse>>;

beforeAll(async () => {
  ctx = await createTestContext({ env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
  course = await importCourse(ctx.db, singleSco12());
});
afterAll(() => ctx.close());

/** A new staff member, signed in, with an attempt launched (session open). */
async function launched() {
  const person = await makeStaff(ctx.db);
  const { agent, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
  const attemptId = await start(agent, csrf, course.courseId);
  const scoId = course.scos[0]!.id;
  const { sessionNo } = await launch(agent, csrf, attemptId, scoId);
  return { person, agent, csrf, attemptId, scoId, sessionNo };
}

const write = (l: Awaited<ReturnType<typeof launched>>, seq: number, location: string): repo.CommitWrite => ({
  attemptId: l.attemptId,
  scoId: l.scoId,
  staffId: l.person.id,
  sessionNo: l.sessionNo,
  seq,
  values: { 'cmi.core.lesson_location': location, 'cmi.core.lesson_status': 'incomplete', 'cmi.core.session_time': '00:01:00' },
  sessionSeconds: 60,
  location,
  exit: undefined,
  // A minute after the launch: the server's measure of the session covers the minute it reports.
  at: new Date(Date.now() + 60_000),
});

describe('group commit', () => {
  it('writes the commits of many learners that arrive together in fewer statements, each one stored', async () => {
    const learners = await Promise.all(Array.from({ length: 12 }, () => launched()));
    const statements: number[] = [];
    const batcher = new CommitBatcher(ctx.db, (db, batch) => {
      statements.push(batch.length);
      return repo.writeCommits(db, batch);
    });
    const answers = await Promise.all(learners.map((l, i) => batcher.write(write(l, 1, `page-${i}`))));
    expect(answers.every((a) => a !== undefined)).toBe(true);
    // The first statement goes at once, alone; the others wait and are grouped.
    expect(statements.reduce((a, b) => a + b, 0)).toBe(12);
    expect(statements.length).toBeLessThan(12);
    for (const [i, l] of learners.entries()) {
      expect(await stateOf(ctx.db, l.attemptId, l.scoId)).toMatchObject({ location: `page-${i}`, commitSeq: 1, sessionSeconds: 60 });
      expect((await attemptRow(ctx.db, l.attemptId)).totalSeconds).toBe(60);
    }
  });

  it('never puts two commits of one attempt in one statement, and the newest wins whatever the arrival order', async () => {
    const l = await launched();
    const other = await launched();
    const statements: repo.CommitWrite[][] = [];
    const batcher = new CommitBatcher(ctx.db, (db, batch) => {
      statements.push(batch);
      return repo.writeCommits(db, batch);
    });
    const answers = await Promise.all([
      batcher.write(write(l, 3, 'third')),
      batcher.write(write(l, 5, 'fifth')),
      batcher.write(write(other, 1, 'other')),
      batcher.write(write(l, 4, 'fourth')),
    ]);
    for (const batch of statements) expect(new Set(batch.map((w) => w.attemptId)).size).toBe(batch.length);
    // 3 and 5 are written in turn; 4 arrives after 5 and is refused (the API calls that stale).
    expect(answers.map((a) => a !== undefined)).toEqual([true, true, true, false]);
    expect(await stateOf(ctx.db, l.attemptId, l.scoId)).toMatchObject({ location: 'fifth', commitSeq: 5 });
    expect(await stateOf(ctx.db, other.attemptId, other.scoId)).toMatchObject({ location: 'other', commitSeq: 1 });
  });

  it('answers every waiting commit with the error when its statement fails, and goes on with later ones', async () => {
    const l = await launched();
    let fail = true;
    const batcher = new CommitBatcher(ctx.db, (db, batch) => {
      if (fail) return Promise.reject(Object.assign(new Error('connection lost'), { code: '57P01' }));
      return repo.writeCommits(db, batch);
    });
    await expect(batcher.write(write(l, 1, 'lost'))).rejects.toThrow('connection lost');
    fail = false;
    await expect(batcher.write(write(l, 2, 'kept'))).resolves.toBeDefined();
    expect(await stateOf(ctx.db, l.attemptId, l.scoId)).toMatchObject({ location: 'kept', commitSeq: 2 });
  });

  it('stores every commit of 16 learners committing at once through the API', async () => {
    const learners = await Promise.all(Array.from({ length: 16 }, () => launched()));
    const responses = await Promise.all(
      learners.flatMap((l, i) =>
        [1, 2, 3].map((seq) => commit(l.agent, l.attemptId, l.scoId, l.sessionNo, commit12({ lesson_location: `l${i}-s${seq}` }), seq)),
      ),
    );
    for (const res of responses) expect(res.status).toBe(200);
    for (const [i, l] of learners.entries())
      expect(await stateOf(ctx.db, l.attemptId, l.scoId)).toMatchObject({ location: `l${i}-s3`, commitSeq: 3 });
  });
});

describe('the session check in front of the run-time API', () => {
  /** The learner's signed session cookie as the browser holds it, and the session id inside. */
  const sessionCookieOf = (agent: Agent) => {
    const jar = (agent as unknown as { jar: { getCookie(name: string, access: object): { value: string } | undefined } }).jar;
    const value = jar.getCookie('mamoru.sid', { domain: '127.0.0.1', path: '/', secure: false, script: false })?.value ?? '';
    const signed = decodeURIComponent(value);
    return { value, signed, sid: signed.slice(2, signed.lastIndexOf('.')) };
  };
  /** A run-time API read (the table of contents the player asks for) sent with exactly this cookie, to this app (a fresh instance if given). */
  const apiWithCookie = (l: Awaited<ReturnType<typeof launched>>, cookie: string, app: Express = ctx.app) =>
    request(app).get(`/api/attempts/${l.attemptId}/scos`).set('Cookie', `mamoru.sid=${cookie}`).set('Accept', 'application/json');

  it('accepts the signed cookie, and refuses one whose signature does not match or that is not signed', async () => {
    const l = await launched();
    const { value, signed, sid } = sessionCookieOf(l.agent);
    expect(signed).toMatch(/^s:/);
    for (const forged of [`s:${sid}.AAAA`, sid, `s:${sid}`]) await apiWithCookie(l, encodeURIComponent(forged)).expect(401);
    const res = await apiWithCookie(l, value).expect(200);
    // JSON only: never sniffed as something else, framed, run or cached.
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'cache-control': 'no-store',
    });
    expect(res.body).toMatchObject({ satisfied: false, scos: [{ id: l.scoId }] });
  });

  it('refuses the old cookie, and the launch token, once the learner has signed out; and a retired learner', async () => {
    const l = await launched();
    const { value } = sessionCookieOf(l.agent);
    await apiWithCookie(l, value).expect(200);
    await commit(l.agent, l.attemptId, l.scoId, l.sessionNo, commit12({ lesson_location: 'before' }), 1).expect(200);
    await l.agent.post('/logout').type('form').send({ _csrf: l.csrf }).expect(303);
    await apiWithCookie(l, value).expect(401);
    // Sign-out ends what the learner had open: the content's token commits nothing more.
    await commit(l.agent, l.attemptId, l.scoId, l.sessionNo, commit12({ lesson_location: 'after' }), 2).expect(404);
    expect((await stateOf(ctx.db, l.attemptId, l.scoId))!.location).toBe('before');

    const r = await launched();
    await setRetirement(ctx.db, asViewer(await makeAdmin(ctx.db)), r.person.id, '2026-01-01', new Date());
    // A retired learner's token no longer names an active account.
    await commit(r.agent, r.attemptId, r.scoId, r.sessionNo, commit12({ lesson_location: 'retired' }), 1).expect(404);
    expect((await stateOf(ctx.db, r.attemptId, r.scoId))!.location).toBeNull();
  });

  it('keeps the stored session alive while the learner only talks to the API', async () => {
    const l = await launched();
    const { value, sid } = sessionCookieOf(l.agent);
    const soon = new Date(Date.now() + 60_000);
    await ctx.db.update(sessions).set({ expiresAt: soon }).where(eq(sessions.sid, sid));
    // Another instance of the app (its own throttle and caches), as behind a load balancer.
    await apiWithCookie(l, value, instanceOn(ctx)).expect(200);
    const [row] = await ctx.db.select().from(sessions).where(eq(sessions.sid, sid));
    expect(row!.expiresAt.getTime()).toBeGreaterThan(soon.getTime() + 3600_000);
  });
});
