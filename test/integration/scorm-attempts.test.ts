/** Completion rules, multi-SCO roll-up, review and retakes, attempt limits, and the officer's side. */
import { and, eq } from 'drizzle-orm';
import { verifyAuditChain } from '../../server/compliance/audit/service';
import { attempts, auditLog, courses } from '../../server/db/schema';
import { translator } from '../../server/lib/i18n';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { commit12, commit2004 } from '../support/cmi';
import { makeAdmin, makeOfficer, makeStaff } from '../support/factories';
import { attemptRow, beacon, commit, importCourse, launch, resultOf, start, stateOf, type Agent } from '../support/scorm-flow';
import { edition4th, multiSco12, singleSco12, type PackageSpec } from '../support/scorm-packages';

jest.setTimeout(60_000);

const t = translator('ja');
const NOW = new Date('2026-11-24T01:00:00Z'); // fiscal year 2026 in Japan
let now = NOW;
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ clock: () => now, env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());

type Course = Awaited<ReturnType<typeof importCourse>>;
interface Learner {
  agent: Agent;
  csrf: string;
  person: Awaited<ReturnType<typeof makeStaff>>;
  attemptId: number;
}

async function learnerOn(course: Course): Promise<Learner> {
  const person = await makeStaff(ctx.db);
  const { agent, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
  return { agent, csrf, person, attemptId: await start(agent, csrf, course.courseId) };
}

/** Launches a SCO and commits one payload in its new session. */
async function play(l: Learner, scoId: number, payload: object, seq = 1) {
  // Launched an hour before the commit: a session counts the smaller of the time the content
  // reports and the time the server measured since its launch.
  now = new Date(NOW.getTime() - 3_600_000);
  const { sessionNo } = await launch(l.agent, l.csrf, l.attemptId, scoId).finally(() => {
    now = NOW;
  });
  const res = await commit(l.agent, l.attemptId, scoId, sessionNo, payload, seq).expect(200);
  expect(res.body).toMatchObject({ result: 'true', outcome: 'applied' });
  return sessionNo;
}

const withMastery = (score: number): PackageSpec => {
  const spec = singleSco12();
  return {
    ...spec,
    manifest: spec.manifest!.replace('<title>第1章</title>', `<title>第1章</title><adlcp:masteryscore>${score}</adlcp:masteryscore>`),
  };
};
const twoVisibleScos = (): PackageSpec => {
  const spec = multiSco12();
  return { ...spec, manifest: spec.manifest!.replace(' isvisible="false"', '') };
};

describe('completion rules', () => {
  it('SCORM 1.2: a score under the mastery score fails the SCO, and rule "passed" is not met', async () => {
    const course = await importCourse(ctx.db, withMastery(80));
    const [version] = await ctx.db.select().from(courses).where(eq(courses.id, course.courseId));
    expect(version!.currentVersionId).toBe(course.versionId);
    const l = await learnerOn(course);
    const sco = course.scos[0]!.id;
    const launched = await launch(l.agent, l.csrf, l.attemptId, sco);
    expect(launched.cmi.student_data).toMatchObject({ mastery_score: '80' });
    // The content claims "passed", but 70 is under the mastery score.
    await commit(
      l.agent,
      l.attemptId,
      sco,
      launched.sessionNo,
      commit12({ lesson_status: 'passed', score: { raw: '70', min: '0', max: '100' } }),
      1,
    ).expect(200);
    expect(await stateOf(ctx.db, l.attemptId, sco)).toMatchObject({ completion: 'completed', success: 'failed', scoreRaw: 70 });
    expect(await attemptRow(ctx.db, l.attemptId)).toMatchObject({ satisfied: false, success: 'failed', completedAt: null });
    expect(await resultOf(ctx.db, l.person.id, course.courseId, 2026)).toMatchObject({ status: 'in_progress', bestScoreScaled: 0.7 });

    await commit(
      l.agent,
      l.attemptId,
      sco,
      launched.sessionNo,
      commit12({ lesson_status: 'incomplete', score: { raw: '90', min: '0', max: '100' } }),
      2,
    ).expect(200);
    expect(await attemptRow(ctx.db, l.attemptId)).toMatchObject({ satisfied: true, success: 'passed', completion: 'completed' });
    expect(await resultOf(ctx.db, l.person.id, course.courseId, 2026)).toMatchObject({ status: 'completed', bestScoreScaled: 0.9 });
  });

  it('SCORM 2004: completion threshold over progress_measure, scaled passing score over score.scaled', async () => {
    const course = await importCourse(ctx.db, edition4th()); // threshold 0.75, passing score 0.8, rule completed_and_passed
    const l = await learnerOn(course);
    const sco = course.scos[0]!.id;
    const { sessionNo } = await launch(l.agent, l.csrf, l.attemptId, sco);
    const send = (seq: number, fields: Record<string, unknown>) =>
      commit(l.agent, l.attemptId, sco, sessionNo, commit2004(fields), seq).expect(200);

    await send(1, {
      completion_status: 'completed',
      progress_measure: '0.5',
      success_status: 'passed',
      score: { scaled: '0.9', raw: '', min: '', max: '' },
    });
    expect(await stateOf(ctx.db, l.attemptId, sco)).toMatchObject({ completion: 'incomplete', success: 'passed' });
    expect((await attemptRow(ctx.db, l.attemptId)).satisfied).toBe(false);

    await send(2, {
      completion_status: 'incomplete',
      progress_measure: '0.8',
      success_status: 'passed',
      score: { scaled: '0.7', raw: '', min: '', max: '' },
    });
    expect(await stateOf(ctx.db, l.attemptId, sco)).toMatchObject({ completion: 'completed', success: 'failed' });
    expect((await attemptRow(ctx.db, l.attemptId)).satisfied).toBe(false);

    await send(3, {
      completion_status: 'incomplete',
      progress_measure: '0.8',
      success_status: 'failed',
      score: { scaled: '0.85', raw: '', min: '', max: '' },
    });
    expect(await attemptRow(ctx.db, l.attemptId)).toMatchObject({
      satisfied: true,
      completion: 'completed',
      success: 'passed',
      scoreScaled: 0.85,
    });
    expect(await resultOf(ctx.db, l.person.id, course.courseId, 2026)).toMatchObject({ status: 'completed' });
  });

  it('satisfies a multi-SCO attempt only when every SCO is, and sums their time', async () => {
    const course = await importCourse(ctx.db, twoVisibleScos(), { completionRule: 'completed' });
    const [a, b] = course.scos.filter((s) => s.scormType === 'sco');
    const l = await learnerOn(course);
    await play(l, a!.id, commit12({ lesson_status: 'completed', session_time: '00:04:00' }));
    expect(await attemptRow(ctx.db, l.attemptId)).toMatchObject({ satisfied: false, completion: 'incomplete', totalSeconds: 240 });
    expect(await resultOf(ctx.db, l.person.id, course.courseId, 2026)).toMatchObject({ status: 'in_progress' });
    await play(l, b!.id, commit12({ lesson_status: 'incomplete', session_time: '00:01:00' }));
    expect((await attemptRow(ctx.db, l.attemptId)).satisfied).toBe(false);
    await play(l, b!.id, commit12({ lesson_status: 'completed', session_time: '00:02:00' }));
    expect(await attemptRow(ctx.db, l.attemptId)).toMatchObject({ satisfied: true, completion: 'completed', totalSeconds: 420 });
    expect(await resultOf(ctx.db, l.person.id, course.courseId, 2026)).toMatchObject({ status: 'completed', attemptId: l.attemptId });
  });

  it("tells the player each SCO's status and whether the attempt is satisfied, for the learner's own attempt only", async () => {
    const course = await importCourse(ctx.db, twoVisibleScos(), { completionRule: 'completed' });
    const [a, b] = course.scos.filter((s) => s.scormType === 'sco');
    const l = await learnerOn(course);
    const contents = async () =>
      (await l.agent.get(`/api/attempts/${l.attemptId}/scos`).expect(200)).body as { satisfied: boolean; scos: unknown[] };
    const line = (id: number, key: 'completed' | 'inProgress' | 'notStarted') => ({
      id,
      status: t(`scorm.status.${key}`),
      done: key === 'completed',
    });

    expect(await contents()).toEqual({
      satisfied: false,
      scos: expect.arrayContaining([line(a!.id, 'notStarted'), line(b!.id, 'notStarted')]),
    });
    await play(l, a!.id, commit12({ lesson_status: 'completed' }));
    await play(l, b!.id, commit12({ lesson_status: 'incomplete' }));
    expect(await contents()).toEqual({
      satisfied: false,
      scos: expect.arrayContaining([line(a!.id, 'completed'), line(b!.id, 'inProgress')]),
    });
    await play(l, b!.id, commit12({ lesson_status: 'completed' }));
    expect(await contents()).toEqual({
      satisfied: true,
      scos: expect.arrayContaining([line(a!.id, 'completed'), line(b!.id, 'completed')]),
    });

    const other = await learnerOn(course);
    await other.agent.get(`/api/attempts/${l.attemptId}/scos`).expect(404);
  });

  it('does not wait for a hidden SCO the player never offers', async () => {
    const course = await importCourse(ctx.db, multiSco12(), { completionRule: 'completed' });
    const l = await learnerOn(course);
    const player = await l.agent.get(`/learn/attempts/${l.attemptId}`).expect(200);
    expect(player.text).toContain('Lesson A');
    expect(player.text).not.toContain('Lesson B'); // isvisible="false"
    await play(l, course.scos[0]!.id, commit12({ lesson_status: 'completed' }));
    expect((await attemptRow(ctx.db, l.attemptId)).satisfied).toBe(true);
  });
});

describe('after satisfaction', () => {
  it('keeps recording the satisfying session, reviews on relaunch, and retakes as attempt 2', async () => {
    const course = await importCourse(ctx.db, singleSco12());
    const sco = course.scos[0]!.id;
    const l = await learnerOn(course);
    const s1 = await play(l, sco, commit12({ lesson_status: 'completed', session_time: '00:00:00' }));
    expect((await attemptRow(ctx.db, l.attemptId)).satisfied).toBe(true);
    // The terminate commit of the same session carries its time; it counts. Content that then
    // reports itself incomplete again does not take the completion back.
    await beacon(l.agent, l.attemptId, sco, s1, commit12({ lesson_status: 'incomplete', session_time: '00:07:00', exit: '' }), 2).expect(
      200,
      { result: 'true', errorCode: 0, outcome: 'applied' },
    );
    expect(await attemptRow(ctx.db, l.attemptId)).toMatchObject({ satisfied: true, totalSeconds: 420 });

    const coursePage = (await l.agent.get(`/courses/${course.courseId}`).expect(200)).text;
    expect(coursePage).toContain(t('scorm.course.completedThisYear', { year: 2026 }));
    expect(coursePage).toContain(`/courses/${course.courseId}/retake`);

    // Starting again this year opens the satisfied attempt, in review mode.
    expect(await start(l.agent, l.csrf, course.courseId)).toBe(l.attemptId);
    const review = await launch(l.agent, l.csrf, l.attemptId, sco);
    expect(review).toMatchObject({ review: true });
    expect(review.cmi.core).toMatchObject({ credit: 'no-credit', lesson_mode: 'review', total_time: '0000:07:00' });
    const before = { state: await stateOf(ctx.db, l.attemptId, sco), attempt: await attemptRow(ctx.db, l.attemptId) };
    const res = await commit(
      l.agent,
      l.attemptId,
      sco,
      review.sessionNo,
      commit12({ lesson_status: 'failed', score: { raw: '0', min: '', max: '' } }),
      1,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ result: 'true', errorCode: 0, outcome: 'stale' });
    expect({ state: await stateOf(ctx.db, l.attemptId, sco), attempt: await attemptRow(ctx.db, l.attemptId) }).toEqual(before);

    const second = await start(l.agent, l.csrf, course.courseId, 'retake');
    expect(second).not.toBe(l.attemptId);
    expect(await attemptRow(ctx.db, second)).toMatchObject({
      number: 2,
      fiscalYear: 2026,
      satisfied: false,
      courseVersionId: course.versionId,
    });
    const fresh = await launch(l.agent, l.csrf, second, sco);
    expect(fresh).toMatchObject({ review: false, sessionNo: 1 });
    expect(fresh.cmi.core).toMatchObject({ entry: 'ab-initio', credit: 'credit', total_time: '0000:00:00' });
    // Until it is satisfied, starting (or retaking) continues attempt 2.
    expect(await start(l.agent, l.csrf, course.courseId)).toBe(second);
    expect(await start(l.agent, l.csrf, course.courseId, 'retake')).toBe(second);
    // The yearly result stays completed, from attempt 1.
    expect(await resultOf(ctx.db, l.person.id, course.courseId, 2026)).toMatchObject({ status: 'completed', attemptId: l.attemptId });
  });

  it('refuses a retake over the attempt limit with a message', async () => {
    const course = await importCourse(ctx.db, singleSco12());
    const officer = await makeOfficer(ctx.db);
    const o = await signIn(ctx.app, officer.employeeNo, officer.password);
    await o.agent
      .post(`/admin/courses/${course.courseId}/settings`)
      .type('form')
      .send({ _csrf: o.csrf, title: '年1回のコース', attemptLimit: '1' })
      .expect(303);
    const [row] = await ctx.db.select().from(courses).where(eq(courses.id, course.courseId));
    expect(row).toMatchObject({ attemptLimit: 1, title: '年1回のコース' });

    const l = await learnerOn(course);
    await play(l, course.scos[0]!.id, commit12({ lesson_status: 'completed' }));
    const refused = await l.agent.post(`/courses/${course.courseId}/retake`).type('form').send({ _csrf: l.csrf });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain(t('scorm.attempt.limitReached', { limit: 1 }));
    const mine = await ctx.db
      .select()
      .from(attempts)
      .where(and(eq(attempts.staffId, l.person.id), eq(attempts.courseId, course.courseId)));
    expect(mine).toHaveLength(1);

    await o.agent
      .post(`/admin/courses/${course.courseId}/settings`)
      .type('form')
      .send({ _csrf: o.csrf, title: '年2回のコース', attemptLimit: '2' })
      .expect(303);
    expect(await start(l.agent, l.csrf, course.courseId, 'retake')).not.toBe(l.attemptId);
  });
});

describe('the officer', () => {
  it('marks complete an attempt the package never completes, with a reason in the audit log', async () => {
    const course = await importCourse(ctx.db, singleSco12());
    const l = await learnerOn(course);
    await play(l, course.scos[0]!.id, commit12({ lesson_status: 'incomplete', session_time: '00:20:00' }));
    const officer = await makeOfficer(ctx.db);
    const o = await signIn(ctx.app, officer.employeeNo, officer.password);
    const path = `/admin/attempts/${l.attemptId}/mark-complete`;

    // Not for the learner, nor without a reason.
    await l.agent.post(path).type('form').send({ _csrf: l.csrf, reason: '自分で' }).expect(403);
    await o.agent.post(path).type('form').send({ _csrf: o.csrf, reason: '   ' }).expect(303);
    expect(await attemptRow(ctx.db, l.attemptId)).toMatchObject({ satisfied: false, markedBy: null });

    const reason = '教材が完了を報告しない不具合のため、受講画面の最終ページ到達を確認して修了とする';
    await o.agent.post(path).type('form').send({ _csrf: o.csrf, reason }).expect(303);
    expect(await attemptRow(ctx.db, l.attemptId)).toMatchObject({
      satisfied: true,
      markedBy: officer.id,
      markedReason: reason,
      completedAt: NOW,
      totalSeconds: 1200,
    });
    expect(await resultOf(ctx.db, l.person.id, course.courseId, 2026)).toMatchObject({
      status: 'completed',
      completedAt: NOW,
      attemptId: l.attemptId,
    });
    const [entry] = await ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'attempt.mark-complete'), eq(auditLog.subjectId, String(l.attemptId))));
    expect(entry).toMatchObject({ actorId: officer.id, subjectType: 'attempt' });
    expect(entry!.details).toMatchObject({ reason, staffId: l.person.id });
    const page = await o.agent.get(`/admin/attempts/${l.attemptId}`).expect(200);
    expect(page.text).toContain(reason);

    // Once is enough.
    await o.agent.post(path).type('form').send({ _csrf: o.csrf, reason: 'again' }).expect(409);
  });

  it('sees each interaction: id, response, result and latency, for both standards', async () => {
    const c12 = await importCourse(ctx.db, singleSco12());
    const l12 = await learnerOn(c12);
    await play(
      l12,
      c12.scos[0]!.id,
      commit12(
        { lesson_status: 'completed' },
        {
          interactions: {
            0: {
              id: 'q_password_length',
              type: 'choice',
              student_response: 'b',
              result: 'wrong',
              latency: '00:00:12',
              time: '10:01:00',
              weighting: '1',
              correct_responses: { 0: { pattern: 'c' } },
              objectives: {},
            },
            1: {
              id: 'q_phishing',
              type: 'true-false',
              student_response: 't',
              result: 'correct',
              latency: '00:00:04',
              time: '10:02:00',
              weighting: '1',
              correct_responses: {},
              objectives: {},
            },
          },
        },
      ),
    );
    const c2004 = await importCourse(ctx.db, edition4th());
    const l2004 = await learnerOn(c2004);
    await play(
      l2004,
      c2004.scos[0]!.id,
      commit2004({
        interactions: {
          0: {
            id: 'urn:mamoru:q:usb',
            type: 'choice',
            objectives: {},
            timestamp: '2026-11-24T10:00:00+09:00',
            weighting: '1',
            learner_response: 'usb_encrypted',
            result: 'incorrect',
            latency: 'PT1M5S',
            description: 'USBメモリの扱い',
            correct_responses: { 0: { pattern: 'usb_forbidden' } },
          },
        },
      }),
    );

    const officer = await makeOfficer(ctx.db);
    const o = await signIn(ctx.app, officer.employeeNo, officer.password);
    const p12 = (await o.agent.get(`/admin/attempts/${l12.attemptId}`).expect(200)).text;
    for (const text of ['q_password_length', '>b<', '>wrong<', '00:00:12', 'q_phishing', '>correct<', '00:00:04', l12.person.name])
      expect(p12).toContain(text);
    const p2004 = (await o.agent.get(`/admin/attempts/${l2004.attemptId}`).expect(200)).text;
    for (const text of ['urn:mamoru:q:usb', 'usb_encrypted', '>incorrect<', 'PT1M5S', 'usb_forbidden', 'USBメモリの扱い'])
      expect(p2004).toContain(text);

    // Learners do not read attempt records on this page, not even their own; admins may.
    await l12.agent.get(`/admin/attempts/${l12.attemptId}`).expect(403);
    const admin = await makeAdmin(ctx.db);
    await (await signIn(ctx.app, admin.employeeNo, admin.password)).agent.get(`/admin/attempts/${l12.attemptId}`).expect(200);
    await o.agent.get('/admin/attempts/999999').expect(404);
  });
});

it('keeps the audit chain intact through starts, completions and marks', async () => {
  const actions = (await ctx.db.select({ action: auditLog.action }).from(auditLog)).map((r) => r.action);
  expect(actions).toEqual(
    expect.arrayContaining(['course.create', 'attempt.start', 'attempt.complete', 'attempt.mark-complete', 'course.update']),
  );
  expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: true });
});
