/**
 * Our own courses are graded on the server: installed, they ship no answer key; the server draws
 * the test once every page was reported read, grades it, keeps each answer, and only a pass it
 * graded completes the attempt. What the content reports is still stored, and a pass it claims
 * on its own is shown to the officer as not graded.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import { coursesRoot, courseDirs, loadCourse, type CourseSource } from '../../courses/_build';
import type { AppContext } from '../../server/context';
import { courses, courseVersions, gradedAnswers, gradedTests, scos } from '../../server/db/schema';
import { silentLogger } from '../../server/lib/log';
import { installBuiltinCourses } from '../../server/scorm/courses/builtin';
import { contentOriginApp } from '../../server/scorm/content/routes';
import { gradingRouter } from '../../server/scorm/grading/routes';
import { launchCommitRouter } from '../../server/scorm/tracking/routes';
import { attemptDetail } from '../../server/scorm/tracking/service';
import { presentAttempt } from '../../server/scorm/tracking/presenter';
import { completionSource } from '../../server/scorm/tracking/status';
import { translator } from '../../server/lib/i18n';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { commit2004 } from '../support/cmi';
import { makeOfficer, makeStaff } from '../support/factories';
import {
  asViewer,
  attemptRow,
  commit,
  contentPath,
  launch,
  resultOf,
  start,
  stateOf,
  tokenOf,
  type LaunchAnswer,
} from '../support/scorm-flow';

jest.setTimeout(60_000);

const COURSE_DIR = courseDirs(coursesRoot()).find((d) => path.basename(d) === 'security-basics')!;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-graded-'));
let ctx: TestContext;
// The content origin as app.ts composes it with grading (the commit router and the grading router).
let content: ReturnType<typeof request>;
let source: CourseSource;
let courseId: number;
let scoId: number;

beforeAll(async () => {
  ctx = await createTestContext({ env: { DATA_DIR: dataDir, LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
  const appCtx: AppContext = { config: ctx.config, database: ctx.database, db: ctx.db, clock: () => new Date(), log: silentLogger };
  content = request(contentOriginApp(appCtx, [launchCommitRouter(appCtx), gradingRouter(appCtx)]));
  source = loadCourse(COURSE_DIR);
  const [outcome] = await installBuiltinCourses(ctx.db, new Date(), [COURSE_DIR]);
  expect(outcome).toMatchObject({ status: 'installed' });
  const [course] = await ctx.db.select().from(courses).where(eq(courses.slug, 'mamoru-security-basics'));
  courseId = course!.id;
  const [sco] = await ctx.db.select().from(scos).where(eq(scos.courseVersionId, course!.currentVersionId!));
  scoId = sco!.id;
});
afterAll(async () => {
  await ctx.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function learner() {
  const person = await makeStaff(ctx.db);
  const signed = await signIn(ctx.app, person.employeeNo, person.password);
  const attemptId = await start(signed.agent, signed.csrf, courseId);
  const launched = await launch(signed.agent, signed.csrf, attemptId, scoId);
  return { person, ...signed, attemptId, launched };
}

const grading = (launched: LaunchAnswer, rest: string) => `/l/${tokenOf(launched)}/grading/${rest}`;
// As the course calls it: the launch's commit key in a header (the token in the URL is not enough).
const ask = (method: 'get' | 'post', launched: LaunchAnswer, rest: string) =>
  content[method](grading(launched, rest)).set('X-Mamoru-Commit-Key', launched.commitKey);

const PASSED = commit2004({
  completion_status: 'completed',
  success_status: 'passed',
  score: { scaled: '1', raw: '100', min: '0', max: '100' },
});

async function officerPage(attemptId: number) {
  const officer = await makeOfficer(ctx.db);
  const { agent } = await signIn(ctx.app, officer.employeeNo, officer.password);
  return (await agent.get(`/admin/attempts/${attemptId}`).expect(200)).text;
}

it('installs our course as server-graded, and its package serves a bank without answers', async () => {
  const [course] = await ctx.db.select().from(courses).where(eq(courses.id, courseId));
  const [version] = await ctx.db.select().from(courseVersions).where(eq(courseVersions.id, course!.currentVersionId!));
  expect(version!.gradedByServer).toBe(true);
  const l = await learner();
  const text = (await content.get(contentPath(l.launched, 'course-data.js')).expect(200)).text;
  expect(text).toContain('"hosted":true');
  expect(text).not.toContain('"answer"');
  expect(text).not.toContain('"explanation"');
});

describe('a pass the content reports on its own', () => {
  it('is stored but does not complete the attempt nor the year', async () => {
    const l = await learner();
    await commit(l.agent, l.attemptId, scoId, l.launched.sessionNo, PASSED, 1).expect(200);
    const state = await stateOf(ctx.db, l.attemptId, scoId);
    expect(state).toMatchObject({ completion: 'completed', success: 'passed' });
    const attempt = await attemptRow(ctx.db, l.attemptId);
    expect(attempt.satisfied).toBe(false);
    const result = await resultOf(ctx.db, l.person.id, courseId, attempt.fiscalYear);
    expect(result?.status).not.toBe('completed');
    // The officer's attempt page, from its presenter given the version's flag.
    const officer = await makeOfficer(ctx.db);
    const detail = await attemptDetail(ctx.db, asViewer(officer), l.attemptId);
    const view = presentAttempt({ ...detail, gradedByServer: true }, translator('en'));
    expect(view.ungradedPass).toBe(
      'The content reported a pass the server did not grade. This course is graded by the server, so the attempt is not complete.',
    );
    expect(view.completionSource).toBeNull();
  });

  it('is named on the officer page (needs findAttempt to select course_versions.graded_by_server)', async () => {
    const l = await learner();
    await commit(l.agent, l.attemptId, scoId, l.launched.sessionNo, PASSED, 1).expect(200);
    const page = await officerPage(l.attemptId);
    expect(page).toContain('id="attempt-ungraded-pass"');
    expect(page).toContain('コンテンツは合格を報告しましたが、サーバーはこの合格を採点していません。');
  });
});

describe('the server-graded test', () => {
  it('opens after every page is read, grades a fail and a pass, and the pass completes', async () => {
    const l = await learner();
    // Before the pages are read: refused, naming the pages left.
    const locked = await ask('get', l.launched, 'test').expect(409);
    expect(locked.body).toEqual({ error: 'pages_unread', unread: source.pages.map((p) => p.id) });
    // A page the course does not have is not taken.
    await ask('post', l.launched, 'pages/no-such-page/read').expect(404);
    for (const p of source.pages.slice(0, -1)) await ask('post', l.launched, `pages/${p.id}/read`).expect(200);
    expect((await ask('get', l.launched, 'test').expect(409)).body.unread).toEqual([source.pages.at(-1)!.id]);
    await ask('post', l.launched, `pages/${source.pages.at(-1)!.id}/read`).expect(200);

    const drawn = await ask('get', l.launched, 'test').expect(200);
    const questions = drawn.body.questions as { id: string; choices: { id: string }[] }[];
    expect(questions).toHaveLength(Math.min(source.meta.test.draw, source.questions.length));
    expect(drawn.body.passPercent).toBe(source.meta.test.passPercent);
    expect(JSON.stringify(drawn.body)).not.toMatch(/"answer"|"explanation"|"correct"/);
    // Asked again before answering: the same draw.
    expect((await ask('get', l.launched, 'test').expect(200)).body.questions.map((q: { id: string }) => q.id)).toEqual(
      questions.map((q) => q.id),
    );

    const bank = new Map(source.questions.map((q) => [q.id, q]));
    const wrong = questions.map((q) => ({ questionId: q.id, choice: q.choices.find((c) => c.id !== bank.get(q.id)!.answer)!.id }));
    // Answers for other questions than those drawn are refused.
    await ask('post', l.launched, 'test')
      .send({ answers: wrong.slice(1) })
      .expect(400);
    const failed = await ask('post', l.launched, 'test').send({ answers: wrong }).expect(200);
    expect(failed.body).toMatchObject({ score: 0, passed: false });
    expect(failed.body.results[0]).toEqual({
      questionId: questions[0]!.id,
      choice: wrong[0]!.choice,
      correct: false,
      answer: bank.get(questions[0]!.id)!.answer,
      explanation: bank.get(questions[0]!.id)!.explanation,
    });
    const [failedTest] = await ctx.db.select().from(gradedTests).where(eq(gradedTests.attemptId, l.attemptId));
    expect(failedTest).toMatchObject({ passed: false, scorePercent: 0, staffId: l.person.id, questionIds: questions.map((q) => q.id) });
    const recorded = await ctx.db.select().from(gradedAnswers).where(eq(gradedAnswers.testId, failedTest!.id));
    expect(recorded).toHaveLength(questions.length);
    expect(recorded.every((a) => !a.correct)).toBe(true);
    // The same draw is not graded twice.
    await ask('post', l.launched, 'test').send({ answers: wrong }).expect(409);

    const retake = (await ask('get', l.launched, 'test').expect(200)).body.questions as { id: string }[];
    const right = retake.map((q) => ({ questionId: q.id, choice: bank.get(q.id)!.answer }));
    const passed = await ask('post', l.launched, 'test').send({ answers: right }).expect(200);
    expect(passed.body).toMatchObject({ score: 100, passed: true });
    expect(passed.body.results.every((r: { correct: boolean }) => r.correct)).toBe(true);
    // The graded pass completes at once: the year's result does not wait for the content's next
    // commit (content that never commits again still leaves a completed course).
    const atPass = await attemptRow(ctx.db, l.attemptId);
    expect(atPass.satisfied).toBe(true);
    expect((await resultOf(ctx.db, l.person.id, courseId, atPass.fiscalYear))?.status).toBe('completed');

    await commit(l.agent, l.attemptId, scoId, l.launched.sessionNo, PASSED, 1).expect(200);
    const attempt = await attemptRow(ctx.db, l.attemptId);
    expect(attempt.satisfied).toBe(true);
    expect(attempt.completedAt).toEqual(atPass.completedAt);
    expect(completionSource(attempt, true)).toBe('server');
    expect((await resultOf(ctx.db, l.person.id, courseId, attempt.fiscalYear))?.status).toBe('completed');
    const officer = await makeOfficer(ctx.db);
    const view = presentAttempt(
      { ...(await attemptDetail(ctx.db, asViewer(officer), l.attemptId)), gradedByServer: true },
      translator('ja'),
    );
    expect(view.completionSource?.source).toBe('server');
    expect(view.ungradedPass).toBeNull();
    // Every page that shows the result says the server graded it: the attempt page (from the
    // database, not a flag given by hand), the course's table, the learner's course page.
    const { agent } = await signIn(ctx.app, officer.employeeNo, officer.password);
    const serverGraded = translator('ja')('scorm.source.server');
    expect((await agent.get(`/admin/attempts/${l.attemptId}`).expect(200)).text).toContain(serverGraded);
    const table = (await agent.get(`/admin/courses/${courseId}`).expect(200)).text;
    expect(table).toContain(serverGraded);
    expect(table).not.toContain(translator('ja')('scorm.source.content'));
    expect((await l.agent.get(`/courses/${courseId}`).expect(200)).text).toContain(serverGraded);
  });

  it('refuses a launch token that opens nothing, and a course the server does not grade answers 404', async () => {
    await content.get(`/l/${'A'.repeat(43)}/grading/test`).expect(404);
  });

  it('opens nothing on the token alone (it is in URLs): without the launch commit key, or with another launch key, 404', async () => {
    const l = await learner();
    const other = await learner();
    const page = source.pages[0]!.id;
    await content.post(grading(l.launched, `pages/${page}/read`)).expect(404);
    await content.get(grading(l.launched, 'test')).expect(404);
    await content
      .post(grading(l.launched, `pages/${page}/read`))
      .set('X-Mamoru-Commit-Key', other.launched.commitKey)
      .expect(404);
    expect(await ctx.db.select().from(gradedTests).where(eq(gradedTests.attemptId, l.attemptId))).toEqual([]);
    await ask('post', l.launched, `pages/${page}/read`).expect(200);
  });

  it('limits the grading requests of one launch (a script, not a learner), without touching another launch', async () => {
    const l = await learner();
    const other = await learner();
    const page = source.pages[0]!.id;
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) statuses.push((await ask('post', l.launched, `pages/${page}/read`)).status);
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    const refused = await ask('post', l.launched, `pages/${page}/read`).expect(429);
    expect(refused.body).toEqual({ error: 'too_many' });
    await ask('post', other.launched, `pages/${page}/read`).expect(200);
  });
});
