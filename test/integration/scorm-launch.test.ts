/**
 * What a launch answers: the content opens in the language the learner uses the app in now (a
 * resumed attempt too); and, since a launch writes a token and opens a session, a script that
 * launches in a loop is refused after LAUNCHES_PER_MINUTE (per person, answered in the learner's
 * language), without stopping others.
 */
import { createTestContext, csrfFrom, signIn, type TestContext } from '../support/app';
import { commit12 } from '../support/cmi';
import { makeAttempt, makeCourseVersion, makeStaff } from '../support/factories';
import { commit, launch } from '../support/scorm-flow';

jest.setTimeout(60_000);

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());

async function learnerWithAttempt() {
  const person = await makeStaff(ctx.db);
  const version = await makeCourseVersion(ctx.db);
  const attempt = await makeAttempt(ctx.db, { staffId: person.id, courseVersionId: version.id });
  const signed = await signIn(ctx.app, person.employeeNo, person.password);
  const launchOnce = () =>
    signed.agent.post(`/api/attempts/${attempt.id}/scos/${version.scos[0]!.id}/launch`).set('x-csrf-token', signed.csrf).send({});
  return { launchOnce, signed, attemptId: attempt.id, scoId: version.scos[0]!.id };
}

it("resumes in the app's current language, not the one the content saved last time", async () => {
  const l = await learnerWithAttempt();
  const relaunch = () => launch(l.signed.agent, l.signed.csrf, l.attemptId, l.scoId);
  const first = await relaunch();
  expect((first.cmi as { student_preference: { language: string } }).student_preference.language).toBe('ja');
  // Inside the content the learner chose English; then suspended.
  const saved = commit12(
    { lesson_status: 'incomplete', exit: 'suspend' },
    { student_preference: { language: 'en', audio: '0', speed: '0', text: '0' } },
  );
  await commit(l.signed.agent, l.attemptId, l.scoId, first.sessionNo, saved, 1).expect(200);
  // Back in the app, still in Japanese: the course opens in Japanese.
  const resumed = await l.launchOnce().expect(200);
  expect(resumed.body.cmi.core.entry).toBe('resume');
  expect(resumed.body.cmi.student_preference.language).toBe('ja');
  // The app switched to English: the course follows.
  await l.signed.agent.post('/locale').type('form').send({ locale: 'en', _csrf: l.signed.csrf }).expect(303);
  expect((await l.launchOnce().expect(200)).body.cmi.student_preference.language).toBe('en');
});

it('refuses the 61st launch of a minute with a message, and another learner still launches', async () => {
  const hammer = await learnerWithAttempt();
  const other = await learnerWithAttempt();
  for (let i = 0; i < 60; i++) expect((await hammer.launchOnce()).status).toBe(200);
  const refused = await hammer.launchOnce();
  expect(refused.status).toBe(429);
  expect(refused.body).toEqual({
    error: { code: 'too_many_launches', message: '短い間にコースを開いた回数が多すぎます。1分ほど待ってからもう一度お試しください。' },
  });
  expect((await other.launchOnce()).status).toBe(200);
});

describe('a launch ends with the login session it was made in', () => {
  async function twoDevices() {
    const person = await makeStaff(ctx.db);
    const version = await makeCourseVersion(ctx.db);
    const attempt = await makeAttempt(ctx.db, { staffId: person.id, courseVersionId: version.id });
    const ward = await signIn(ctx.app, person.employeeNo, person.password);
    const office = await signIn(ctx.app, person.employeeNo, person.password);
    const scoId = version.scos[0]!.id;
    const launched = await launch(ward.agent, ward.csrf, attempt.id, scoId);
    let seq = 0;
    const save = () => commit(ward.agent, attempt.id, scoId, launched.sessionNo, commit12({ lesson_location: `p${++seq}` }), seq);
    return { person, ward, office, save };
  }
  const logout = async (agent: Awaited<ReturnType<typeof signIn>>['agent']) => {
    const home = await agent.get('/').expect(200);
    await agent
      .post('/logout')
      .type('form')
      .send({ _csrf: csrfFrom(home.text) })
      .expect(303);
  };

  it("signing out on another device leaves this device's course saving; signing out here ends it", async () => {
    const d = await twoDevices();
    await d.save().expect(200);
    await logout(d.office.agent);
    await d.save().expect(200);
    await logout(d.ward.agent);
    await d.save().expect(404);
  });

  it('a new password set on another device ends the launches of every device', async () => {
    const d = await twoDevices();
    await d.save().expect(200);
    await d.office.agent
      .post('/account/password')
      .type('form')
      .send({ _csrf: d.office.csrf, currentPassword: d.person.password, password: 'a-new-password-1', passwordConfirm: 'a-new-password-1' })
      .expect(303);
    await d.save().expect(404);
  });
});
