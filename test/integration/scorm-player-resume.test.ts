/** Reopening an attempt resumes the SCO the learner left, not the first unfinished one. */
import { createTestContext, signIn, type TestContext } from '../support/app';
import { commit12 } from '../support/cmi';
import { makeStaff } from '../support/factories';
import { commit, importCourse, launch, start } from '../support/scorm-flow';
import { navigableScos } from '../support/scorm-packages';

let now = new Date('2026-11-24T01:00:00Z');
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ clock: () => now, env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());

const later = (minutes: number) => (now = new Date(now.getTime() + minutes * 60_000));
const startScoOf = (html: string) =>
  (JSON.parse(/<script type="application\/json" id="player-config">([^<]*)<\/script>/.exec(html)![1]!) as { startScoId: number })
    .startScoId;

it('opens the SCO opened last while it is unfinished; once it is done, the first unfinished one', async () => {
  const course = await importCourse(ctx.db, navigableScos('1.2'));
  const visible = course.scos.filter((s) => s.isVisible);
  expect(visible.length).toBe(3);
  const [first, second] = visible as [(typeof visible)[number], (typeof visible)[number]];
  const person = await makeStaff(ctx.db);
  const { agent, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
  const attemptId = await start(agent, csrf, course.courseId);
  expect(startScoOf((await agent.get(`/learn/attempts/${attemptId}`).expect(200)).text)).toBe(first.id);

  // Lesson 1 started, then the learner moved to lesson 2 and left there.
  const s1 = await launch(agent, csrf, attemptId, first.id);
  await commit(agent, attemptId, first.id, s1.sessionNo, commit12({ lesson_status: 'incomplete', lesson_location: 'p3' }), 1).expect(200);
  later(5);
  const s2 = await launch(agent, csrf, attemptId, second.id);
  await commit(agent, attemptId, second.id, s2.sessionNo, commit12({ lesson_status: 'incomplete', lesson_location: 'p1' }), 1).expect(200);
  later(60);
  expect(startScoOf((await agent.get(`/learn/attempts/${attemptId}`).expect(200)).text)).toBe(second.id);

  // Lesson 2 finished: the first unfinished one (lesson 1) is next.
  later(5);
  const s3 = await launch(agent, csrf, attemptId, second.id);
  await commit(agent, attemptId, second.id, s3.sessionNo, commit12({ lesson_status: 'completed' }), 1).expect(200);
  expect(startScoOf((await agent.get(`/learn/attempts/${attemptId}`).expect(200)).text)).toBe(first.id);
});
