/** The run-time commit API: attempts, sessions, ordering, validation, ownership and resume. */
import { and, eq } from 'drizzle-orm';
import request from 'supertest';
import { verifyAuditChain } from '../../server/compliance/audit/service';
import { attempts, auditLog, scos } from '../../server/db/schema';
import { importPackage } from '../../server/scorm/courses/service';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { commit12, commit2004 } from '../support/cmi';
import { makeOfficer, makeStaff } from '../support/factories';
import {
  attemptRow,
  beacon,
  commitPath,
  commit,
  fixture,
  GOLF_12,
  GOLF_2004,
  importCourse,
  itWithFixtures,
  launch,
  resultOf,
  start,
  stateOf,
  type Agent,
} from '../support/scorm-flow';
import { edition4th, singleSco12 } from '../support/scorm-packages';

jest.setTimeout(60_000);

const withFixtures = itWithFixtures('scorm-commit.test.ts');

const NOV_24 = new Date('2026-11-24T01:00:00Z'); // 10:00 in Japan, fiscal year 2026
let now = NOV_24;
let ctx: TestContext;
let c12: Awaited<ReturnType<typeof importCourse>>;
let c2004: Awaited<ReturnType<typeof importCourse>>;

beforeAll(async () => {
  ctx = await createTestContext({ clock: () => now, env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
  c12 = await importCourse(ctx.db, singleSco12());
  c2004 = await importCourse(ctx.db, edition4th());
});
afterEach(() => {
  now = NOV_24;
});
afterAll(() => ctx.close());

interface Learner {
  agent: Agent;
  csrf: string;
  person: Awaited<ReturnType<typeof makeStaff>>;
  attemptId: number;
  scoId: number;
}

/**
 * Launches `seconds` before now and returns to now: the server measures a session from its
 * launch, and a session counts the smaller of that and the time the content reports.
 */
async function launchBefore(l: Learner, seconds: number) {
  const commitAt = now;
  now = new Date(commitAt.getTime() - seconds * 1000);
  try {
    return await launch(l.agent, l.csrf, l.attemptId, l.scoId);
  } finally {
    now = commitAt;
  }
}

/** A new staff member, signed in, with an attempt on the course and its first SCO at hand. */
async function learnerOn(course: typeof c12): Promise<Learner> {
  const person = await makeStaff(ctx.db);
  const { agent, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
  const attemptId = await start(agent, csrf, course.courseId);
  return { agent, csrf, person, attemptId, scoId: course.scos[0]!.id };
}

const ok = (outcome: 'applied' | 'stale') => ({ result: 'true', errorCode: 0, outcome });
const snapshot = async (l: Learner) => ({
  state: await stateOf(ctx.db, l.attemptId, l.scoId),
  attempt: await attemptRow(ctx.db, l.attemptId),
});

describe('attempts and launch', () => {
  it('starts an attempt in the current fiscal year, resumes it, and starts anew in the next year', async () => {
    const l = await learnerOn(c12);
    const first = await attemptRow(ctx.db, l.attemptId);
    expect(first).toMatchObject({
      staffId: l.person.id,
      courseId: c12.courseId,
      courseVersionId: c12.versionId,
      fiscalYear: 2026,
      number: 1,
      satisfied: false,
      completion: 'not attempted',
    });
    expect(first.startedAt.toISOString()).toBe(NOV_24.toISOString());
    expect(await start(l.agent, l.csrf, c12.courseId)).toBe(l.attemptId);
    const starts = await ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'attempt.start'), eq(auditLog.subjectId, String(l.attemptId))));
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatchObject({ actorId: l.person.id, details: { courseId: c12.courseId, fiscalYear: 2026, number: 1 } });

    const { sessionNo } = await launch(l.agent, l.csrf, l.attemptId, l.scoId);
    await commit(l.agent, l.attemptId, l.scoId, sessionNo, commit12({ lesson_status: 'incomplete' }), 1).expect(200, ok('applied'));
    const fy2026 = await attemptRow(ctx.db, l.attemptId);

    now = new Date('2027-03-31T14:59:00Z'); // 23:59 on 31 March in Japan: still fiscal year 2026
    expect(await start(l.agent, l.csrf, c12.courseId)).toBe(l.attemptId);
    now = new Date('2027-03-31T15:00:00Z'); // 00:00 on 1 April in Japan: fiscal year 2027
    const next = await start(l.agent, l.csrf, c12.courseId);
    expect(next).not.toBe(l.attemptId);
    expect(await attemptRow(ctx.db, next)).toMatchObject({ fiscalYear: 2027, number: 1, satisfied: false });
    expect(await attemptRow(ctx.db, l.attemptId)).toEqual(fy2026);
    const mine = await ctx.db.select().from(attempts).where(eq(attempts.staffId, l.person.id));
    expect(mine.map((a) => a.fiscalYear).sort()).toEqual([2026, 2027]);

    // The officer's course page lists this fiscal year's attempts, and another year's on request.
    const officer = await makeOfficer(ctx.db);
    const o = await signIn(ctx.app, officer.employeeNo, officer.password);
    const thisYear = (await o.agent.get(`/admin/courses/${c12.courseId}`).expect(200)).text;
    expect(thisYear).toContain(`/admin/attempts/${next}"`);
    expect(thisYear).not.toContain(`/admin/attempts/${l.attemptId}"`);
    const lastYear = (await o.agent.get(`/admin/courses/${c12.courseId}?year=2026`).expect(200)).text;
    expect(lastYear).toContain(`/admin/attempts/${l.attemptId}"`);
    expect(lastYear).not.toContain(`/admin/attempts/${next}"`);
  });

  it('launches session 1 with the learner and ab-initio entry, for both standards', async () => {
    const l = await learnerOn(c12);
    const answer = await launch(l.agent, l.csrf, l.attemptId, l.scoId);
    expect(answer).toMatchObject({ standard: '1.2', sessionNo: 1, review: false });
    expect(answer.cmi.core).toMatchObject({
      student_id: l.person.employeeNo,
      student_name: l.person.name,
      entry: 'ab-initio',
      credit: 'credit',
      lesson_mode: 'normal',
      total_time: '0000:00:00',
    });

    const m = await learnerOn(c2004);
    const a2004 = await launch(m.agent, m.csrf, m.attemptId, m.scoId);
    expect(a2004).toMatchObject({ standard: '2004', sessionNo: 1, review: false });
    expect(a2004.cmi).toMatchObject({
      learner_id: m.person.employeeNo,
      learner_name: m.person.name,
      entry: 'ab-initio',
      credit: 'credit',
      mode: 'normal',
      completion_threshold: '0.75',
      scaled_passing_score: '0.8',
      launch_data: 'start=1',
      total_time: 'PT0S',
    });
    expect((await launch(m.agent, m.csrf, m.attemptId, m.scoId)).sessionNo).toBe(2);
  });
});

describe('commits', () => {
  it('applies a SCORM 1.2 commit and derives the SCO, attempt and yearly result', async () => {
    const l = await learnerOn(c12);
    const { sessionNo } = await launchBefore(l, 300);
    const payload = commit12({
      lesson_status: 'passed',
      lesson_location: 'p9',
      score: { raw: '85', min: '0', max: '100' },
      session_time: '00:05:00',
    });
    await commit(l.agent, l.attemptId, l.scoId, sessionNo, payload, 1).expect(200, ok('applied'));
    const state = (await stateOf(ctx.db, l.attemptId, l.scoId))!;
    expect(state).toMatchObject({
      completion: 'completed',
      success: 'passed',
      scoreRaw: 85,
      scoreMin: 0,
      scoreMax: 100,
      scoreScaled: 0.85,
      sessionSeconds: 300,
      location: 'p9',
      commitSeq: 1,
      sessionNo: 1,
    });
    const cmi = state.cmi as Record<string, string>;
    expect(cmi['cmi.core.lesson_status']).toBe('passed');
    expect(cmi['cmi.suspend_data']).toBe('page=3');
    expect(cmi['cmi.core.student_id']).toBeUndefined(); // what the LMS owns is never taken from content
    expect(await attemptRow(ctx.db, l.attemptId)).toMatchObject({
      satisfied: true,
      completion: 'completed',
      success: 'passed',
      scoreScaled: 0.85,
      totalSeconds: 300,
      completedAt: NOV_24,
    });
    expect(await resultOf(ctx.db, l.person.id, c12.courseId, 2026)).toMatchObject({
      status: 'completed',
      bestScoreScaled: 0.85,
      completedAt: NOV_24,
      attemptId: l.attemptId,
    });
  });

  it('applies a SCORM 2004 commit', async () => {
    const l = await learnerOn(c2004);
    const { sessionNo } = await launchBefore(l, 150);
    const payload = commit2004({
      completion_status: 'incomplete',
      progress_measure: '0.5',
      success_status: 'unknown',
      score: { scaled: '0.9', raw: '90', min: '0', max: '100' },
      location: 'slide-4',
      session_time: 'PT2M30S',
    });
    await commit(l.agent, l.attemptId, l.scoId, sessionNo, payload, 1).expect(200, ok('applied'));
    expect(await stateOf(ctx.db, l.attemptId, l.scoId)).toMatchObject({
      completion: 'incomplete',
      success: 'passed',
      scoreRaw: 90,
      scoreScaled: 0.9,
      sessionSeconds: 150,
      location: 'slide-4',
    });
    expect(await attemptRow(ctx.db, l.attemptId)).toMatchObject({
      satisfied: false,
      completion: 'incomplete',
      success: 'passed',
      scoreScaled: 0.9,
      totalSeconds: 150,
    });
    expect(await resultOf(ctx.db, l.person.id, c2004.courseId, 2026)).toMatchObject({
      status: 'in_progress',
      bestScoreScaled: 0.9,
      completedAt: null,
    });
  });

  withFixtures('tracks the shared third-party packages (1.2 and 2004 3rd edition)', async () => {
    for (const [file, payload, standard] of [
      [
        GOLF_12,
        commit12({ lesson_status: 'passed', lesson_location: 'Playing/Par.html', score: { raw: '80', min: '0', max: '100' } }),
        '1.2',
      ],
      [
        GOLF_2004,
        commit2004({
          completion_status: 'completed',
          success_status: 'passed',
          location: 'Playing/Par.html',
          score: { scaled: '0.8', raw: '80', min: '0', max: '100' },
        }),
        '2004',
      ],
    ] as const) {
      const bytes = fixture(file);
      const imported = await importPackage(ctx.db, null, bytes, new Date());
      if (!imported.ok) throw new Error(`fixture refused: ${JSON.stringify(imported.problems)}`);
      const [sco] = await ctx.db.select().from(scos).where(eq(scos.courseVersionId, imported.versionId));
      const person = await makeStaff(ctx.db);
      const { agent, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
      const attemptId = await start(agent, csrf, imported.courseId);
      const launched = await launch(agent, csrf, attemptId, sco!.id);
      expect(launched.standard).toBe(standard);
      await commit(agent, attemptId, sco!.id, launched.sessionNo, payload, 1).expect(200, ok('applied'));
      expect(await attemptRow(ctx.db, attemptId)).toMatchObject({
        satisfied: true,
        completion: 'completed',
        success: 'passed',
        scoreScaled: 0.8,
      });
      expect(await stateOf(ctx.db, attemptId, sco!.id)).toMatchObject({ location: 'Playing/Par.html' });
    }
  });

  it('acknowledges a repeated or late commit as stale and keeps the newer state', async () => {
    const l = await learnerOn(c12);
    const { sessionNo } = await launch(l.agent, l.csrf, l.attemptId, l.scoId);
    await commit(l.agent, l.attemptId, l.scoId, sessionNo, commit12({ lesson_location: 'p2' }), 2).expect(200, ok('applied'));
    const before = await snapshot(l);
    await commit(l.agent, l.attemptId, l.scoId, sessionNo, commit12({ lesson_location: 'p-same' }), 2).expect(200, ok('stale'));
    await commit(l.agent, l.attemptId, l.scoId, sessionNo, commit12({ lesson_location: 'p-late', lesson_status: 'completed' }), 1).expect(
      200,
      ok('stale'),
    );
    expect(await snapshot(l)).toEqual(before);
    expect(before.state).toMatchObject({ location: 'p2', commitSeq: 2 });
  });

  it("treats a commit from an older session as stale after a relaunch, and takes none without a launch's token", async () => {
    const l = await learnerOn(c12);
    await commit(l.agent, l.attemptId, l.scoId, 1, commit12(), 1).expect(404); // nothing launched yet: no token
    expect(await stateOf(ctx.db, l.attemptId, l.scoId)).toBeUndefined();
    const s1 = (await launch(l.agent, l.csrf, l.attemptId, l.scoId)).sessionNo;
    await commit(l.agent, l.attemptId, l.scoId, s1, commit12({ lesson_location: 'first' }), 4).expect(200, ok('applied'));
    const s2 = (await launch(l.agent, l.csrf, l.attemptId, l.scoId)).sessionNo;
    expect(s2).toBe(s1 + 1);
    const before = await snapshot(l);
    await commit(l.agent, l.attemptId, l.scoId, s1, commit12({ lesson_location: 'old-tab' }), 9).expect(200, ok('stale'));
    expect(await snapshot(l)).toEqual(before);

    // A session never opened has no token: there is no way to name one.
    const refused = await commit(l.agent, l.attemptId, l.scoId, s2 + 1, commit12({ lesson_location: 'future' }), 1);
    expect(refused.status).toBe(404);
    expect(refused.body).toMatchObject({ result: 'false', errorCode: 391 });
    expect(await snapshot(l)).toEqual(before);

    // The new session numbers its commits from the start again.
    await commit(l.agent, l.attemptId, l.scoId, s2, commit12({ lesson_location: 'second' }), 0).expect(200, ok('applied'));
    expect(await stateOf(ctx.db, l.attemptId, l.scoId)).toMatchObject({ location: 'second', sessionNo: s2, commitSeq: 0 });
  });

  const deep = () => {
    let v: Record<string, unknown> = { v: '1' };
    for (let i = 0; i < 20; i++) v = { a: v };
    return v;
  };
  const invalid12: [string, object, string][] = [
    ['an out-of-vocabulary status', commit12({ lesson_status: 'done' }), 'cmi.core.lesson_status'],
    ['a score above the range', commit12({ score: { raw: '101', min: '', max: '' } }), 'cmi.core.score.raw'],
    ['a score that is not a number', commit12({ score: { raw: 'eighty', min: '', max: '' } }), 'cmi.core.score.raw'],
    ['a session time in the wrong format', commit12({ session_time: 'PT5M' }), 'cmi.core.session_time'],
    ['an exit word from the wrong standard', commit12({ exit: 'normal' }), 'cmi.core.exit'],
    ['suspend_data over 4,096 characters', commit12({}, { suspend_data: 'x'.repeat(4097) }), 'cmi.suspend_data'],
    ['an element outside the data model', commit12({}, { hacked: 'yes' }), 'cmi.hacked'],
    [
      'an interaction result from 2004',
      commit12({}, { interactions: { 0: { id: 'q1', result: 'incorrect' } } }),
      'cmi.interactions.0.result',
    ],
    ['more interactions than allowed', commit12({}, { interactions: { 250: { id: 'q' } } }), 'cmi.interactions.250.id'],
    ['an object where a value belongs', commit12({ lesson_location: { evil: 1 } }), 'cmi.core.lesson_location.evil'],
    ['absurd nesting', commit12({}, { objectives: deep() }), 'cmi'],
    ['no cmi at all', { foo: 'bar' }, 'cmi'],
  ];
  const invalid2004: [string, object, string][] = [
    ['a completion status from the success vocabulary', commit2004({ completion_status: 'passed' }), 'cmi.completion_status'],
    ['a scaled score above 1', commit2004({ score: { scaled: '1.5', raw: '', min: '', max: '' } }), 'cmi.score.scaled'],
    ['a 1.2 timespan as session time', commit2004({ session_time: '00:05:00' }), 'cmi.session_time'],
    ['suspend_data over 64,000 characters', commit2004({ suspend_data: 'x'.repeat(64_001) }), 'cmi.suspend_data'],
    ['a progress measure above 1', commit2004({ progress_measure: '1.2' }), 'cmi.progress_measure'],
    ['a 1.2 result word', commit2004({ interactions: { 0: { id: 'q', result: 'wrong' } } }), 'cmi.interactions.0.result'],
    ['a malformed timestamp', commit2004({ interactions: { 0: { id: 'q', timestamp: 'yesterday' } } }), 'cmi.interactions.0.timestamp'],
  ];

  it.each([...invalid12.map((c) => ['1.2', ...c] as const), ...invalid2004.map((c) => ['2004', ...c] as const)])(
    'refuses (SCORM %s) %s with 400 / 391, changing nothing',
    async (standard, _label, payload, element) => {
      const l = await learnerOn(standard === '1.2' ? c12 : c2004);
      const { sessionNo } = await launch(l.agent, l.csrf, l.attemptId, l.scoId);
      const good = standard === '1.2' ? commit12({ lesson_location: 'kept' }) : commit2004({ location: 'kept' });
      await commit(l.agent, l.attemptId, l.scoId, sessionNo, good, 1).expect(200);
      const before = await snapshot(l);
      const res = await commit(l.agent, l.attemptId, l.scoId, sessionNo, payload, 2);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ result: 'false', errorCode: 391 });
      expect((res.body.problems as { element: string }[]).map((p) => p.element)).toContain(element);
      expect(await snapshot(l)).toEqual(before);
    },
  );

  it('refuses a malformed beacon body or commit sequence', async () => {
    const l = await learnerOn(c12);
    const { sessionNo } = await launch(l.agent, l.csrf, l.attemptId, l.scoId);
    const before = await snapshot(l);
    const content = request(ctx.app.content);
    const path = commitPath(l.attemptId, l.scoId, sessionNo);
    const garbled = await content.post(`${path}?terminate=true`).set('Content-Type', 'text/plain').send('{"cmi": ');
    expect(garbled.status).toBe(400);
    expect(garbled.body).toMatchObject({ result: 'false', errorCode: 391 });
    await content
      .post(path)
      .send({ ...commit12(), commitSequence: 'x' })
      .expect(400);
    expect(await snapshot(l)).toEqual(before);
  });
});

describe('who may commit', () => {
  it("reaches another user's attempt by no route: its launch, its player and the app origin's old commit URL answer 404", async () => {
    const owner = await learnerOn(c12);
    const { sessionNo } = await launch(owner.agent, owner.csrf, owner.attemptId, owner.scoId);
    await commit(owner.agent, owner.attemptId, owner.scoId, sessionNo, commit12({ lesson_location: 'mine' }), 1).expect(200);
    const before = await snapshot(owner);
    const intruder = await learnerOn(c12);
    await intruder.agent
      .post(`/api/attempts/${owner.attemptId}/scos/${owner.scoId}/launch`)
      .set('x-csrf-token', intruder.csrf)
      .send({})
      .expect(404);
    await intruder.agent.get(`/learn/attempts/${owner.attemptId}`).expect(404);
    // The run-time API is no longer on the app origin: a session cookie and CSRF token commit nothing.
    for (const agent of [intruder, owner]) {
      await agent.agent
        .post(`/api/attempts/${owner.attemptId}/scos/${owner.scoId}/commit?session=${sessionNo}`)
        .set('x-csrf-token', agent.csrf)
        .send({ ...commit12({ lesson_status: 'passed', lesson_location: 'theirs' }), commitSequence: 5 })
        .expect(404);
    }
    // A SCO of another course, through one's own attempt, cannot even be launched.
    await intruder.agent
      .post(`/api/attempts/${intruder.attemptId}/scos/${c2004.scos[0]!.id}/launch`)
      .set('x-csrf-token', intruder.csrf)
      .send({})
      .expect(404);
    expect(await snapshot(owner)).toEqual(before);
  });

  it("takes the beacon at terminate on the launch's token, with no cookie and no CSRF token anywhere in it", async () => {
    const l = await learnerOn(c12);
    const { sessionNo } = await launch(l.agent, l.csrf, l.attemptId, l.scoId);
    const res = await beacon(
      l.agent,
      l.attemptId,
      l.scoId,
      sessionNo,
      commit12({ lesson_status: 'completed', exit: 'suspend', lesson_location: 'by-beacon' }),
      3,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual(ok('applied'));
    // The request the helper made, as the launch page makes it: only the token is in it.
    const sent = (res as unknown as { req: { getHeader(n: string): unknown; path: string } }).req;
    expect(sent.getHeader('cookie')).toBeUndefined();
    expect(sent.path).not.toContain(l.csrf);
    expect(sent.path).toMatch(/^\/l\/[A-Za-z0-9_-]{43}\/commit\?terminate=true$/);
    expect(await stateOf(ctx.db, l.attemptId, l.scoId)).toMatchObject({
      location: 'by-beacon',
      exit: 'suspend',
      completion: 'completed',
      commitSeq: 3,
    });
  });

  it('refuses a payload over 4 MB with 413, by XHR and by beacon, changing nothing', async () => {
    const l = await learnerOn(c2004);
    const { sessionNo } = await launch(l.agent, l.csrf, l.attemptId, l.scoId);
    await commit(l.agent, l.attemptId, l.scoId, sessionNo, commit2004({ location: 'kept' }), 1).expect(200);
    const before = await snapshot(l);
    const huge = commit2004({ suspend_data: 'x'.repeat(4.5 * 1024 * 1024) });
    const xhr = await commit(l.agent, l.attemptId, l.scoId, sessionNo, huge, 2);
    expect(xhr.status).toBe(413);
    const byBeacon = await beacon(l.agent, l.attemptId, l.scoId, sessionNo, huge, 3);
    expect(byBeacon.status).toBe(413);
    expect(await snapshot(l)).toEqual(before);
  });
});

describe('resume', () => {
  it('resumes SCORM 1.2 at the stored location with suspend_data, adding up the time of every session', async () => {
    const l = await learnerOn(c12);
    now = new Date(NOV_24.getTime() - 3_600_000); // session 1 commits an hour before session 2's
    const s1 = await launchBefore(l, 3600);
    await commit(
      l.agent,
      l.attemptId,
      l.scoId,
      s1.sessionNo,
      commit12({ lesson_location: 'p7', exit: 'suspend', session_time: '00:10:00' }, { suspend_data: 'page=7;answers=ab' }),
      1,
    ).expect(200, ok('applied'));

    now = NOV_24;
    const s2 = await launchBefore(l, 3600);
    expect(s2.sessionNo).toBe(2);
    expect(s2.cmi.core).toMatchObject({
      entry: 'resume',
      lesson_location: 'p7',
      total_time: '0000:10:00',
      exit: '',
      student_id: l.person.employeeNo,
    });
    expect(s2.cmi.suspend_data).toBe('page=7;answers=ab');
    await commit(
      l.agent,
      l.attemptId,
      l.scoId,
      s2.sessionNo,
      commit12({ lesson_location: 'p8', exit: '', session_time: '00:02:30' }, { suspend_data: 'page=8' }),
      1,
    ).expect(200, ok('applied'));
    expect(await stateOf(ctx.db, l.attemptId, l.scoId)).toMatchObject({ priorSessionsSeconds: 600, sessionSeconds: 150 });
    expect((await attemptRow(ctx.db, l.attemptId)).totalSeconds).toBe(750);

    // The last session ended normally: the next one is not a resume, but the time still adds up.
    const s3 = await launch(l.agent, l.csrf, l.attemptId, l.scoId);
    expect(s3.cmi.core).toMatchObject({ entry: '', total_time: '0000:12:30', lesson_location: 'p8' });
  });

  it('resumes SCORM 2004 the same way', async () => {
    const l = await learnerOn(c2004);
    const s1 = await launch(l.agent, l.csrf, l.attemptId, l.scoId);
    await commit(
      l.agent,
      l.attemptId,
      l.scoId,
      s1.sessionNo,
      commit2004({ location: 'slide-12', exit: 'suspend', suspend_data: '{"slide":12}', session_time: 'PT1H2M' }),
      1,
    ).expect(200);
    const s2 = await launch(l.agent, l.csrf, l.attemptId, l.scoId);
    expect(s2.cmi).toMatchObject({
      entry: 'resume',
      location: 'slide-12',
      suspend_data: '{"slide":12}',
      total_time: 'PT1H2M',
      exit: '',
      mode: 'normal',
    });
  });
});

it('keeps the audit chain intact', async () => {
  expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: true });
});
