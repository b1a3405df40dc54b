/**
 * SCORM 1.2 LMSFinish without a status: a SCO that calls LMSInitialize and LMSFinish and never
 * sets cmi.core.lesson_status is recorded as the 1.2 run-time says the LMS then sets it —
 * completed, or passed/failed against its masteryscore when it reported a raw score — and not
 * as 未着手 for ever. The content's CMI stays as it sent it; the record follows.
 */
import { createTestContext, signIn, type TestContext } from '../support/app';
import { commit12 } from '../support/cmi';
import { makeStaff } from '../support/factories';
import { attemptRow, beacon, commit, importCourse, launch, resultOf, start, stateOf } from '../support/scorm-flow';
import { navigableScos, singleSco12 } from '../support/scorm-packages';

jest.setTimeout(60_000);

const NOV_24 = new Date('2026-11-24T01:00:00Z'); // fiscal year 2026
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({ clock: () => NOV_24, env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());

/** The terminate commit scorm-again makes at LMSFinish (by beacon, `terminate=true`), on the launch's token. */
const finish = beacon;

/** What a SCO that never set lesson_status commits: the "not attempted" it was launched with. */
const untouched = (core: Record<string, unknown> = {}) =>
  commit12({ lesson_status: 'not attempted', lesson_location: '', entry: 'ab-initio', session_time: '00:00:40', ...core });

const withMastery = (score: number) => {
  const spec = singleSco12();
  return {
    ...spec,
    manifest: spec.manifest!.replace('<title>第1章</title>', `<title>第1章</title><adlcp:masteryscore>${score}</adlcp:masteryscore>`),
  };
};

async function learnerOn(course: Awaited<ReturnType<typeof importCourse>>) {
  const person = await makeStaff(ctx.db);
  const { agent, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
  const attemptId = await start(agent, csrf, course.courseId);
  return { agent, csrf, person, attemptId };
}

it('a SCO that only initializes and finishes ends completed, and so does the attempt and the year', async () => {
  const course = await importCourse(ctx.db, singleSco12());
  const { agent, csrf, person, attemptId } = await learnerOn(course);
  const scoId = course.scos[0]!.id;
  const { sessionNo } = await launch(agent, csrf, attemptId, scoId);

  // An autocommit before the finish changes nothing: the session is still open.
  expect((await commit(agent, attemptId, scoId, sessionNo, untouched(), 1)).status).toBe(200);
  expect(await stateOf(ctx.db, attemptId, scoId)).toMatchObject({ completion: 'not attempted' });

  expect((await finish(agent, attemptId, scoId, sessionNo, untouched(), 2)).status).toBe(200);
  const state = await stateOf(ctx.db, attemptId, scoId);
  expect(state).toMatchObject({ completion: 'completed', success: 'unknown' });
  // What the content sent is kept as it sent it.
  expect((state!.cmi as Record<string, string>)['cmi.core.lesson_status']).toBe('not attempted');
  expect(await attemptRow(ctx.db, attemptId)).toMatchObject({ completion: 'completed', satisfied: true });
  expect(await resultOf(ctx.db, person.id, course.courseId, 2026)).toMatchObject({ status: 'completed' });
});

it('with a mastery score, a raw score below it fails the SCO at the finish; above it passes', async () => {
  const course = await importCourse(ctx.db, withMastery(80));
  const scoId = course.scos[0]!.id;

  const low = await learnerOn(course);
  const lowSession = (await launch(low.agent, low.csrf, low.attemptId, scoId)).sessionNo;
  await finish(low.agent, low.attemptId, scoId, lowSession, untouched({ score: { raw: '60', min: '0', max: '100' } }), 1).expect(200);
  expect(await stateOf(ctx.db, low.attemptId, scoId)).toMatchObject({ completion: 'completed', success: 'failed', scoreRaw: 60 });
  expect(await attemptRow(ctx.db, low.attemptId)).toMatchObject({ completion: 'completed', success: 'failed', satisfied: false });
  expect(await resultOf(ctx.db, low.person.id, course.courseId, 2026)).toMatchObject({ status: 'in_progress' });

  const high = await learnerOn(course);
  const highSession = (await launch(high.agent, high.csrf, high.attemptId, scoId)).sessionNo;
  await finish(high.agent, high.attemptId, scoId, highSession, untouched({ score: { raw: '90', min: '0', max: '100' } }), 1).expect(200);
  expect(await attemptRow(ctx.db, high.attemptId)).toMatchObject({ completion: 'completed', success: 'passed', satisfied: true });
});

it('with a mastery score and no raw score, the finish completes the SCO but passes nothing', async () => {
  const course = await importCourse(ctx.db, withMastery(80));
  const scoId = course.scos[0]!.id;
  const { agent, csrf, attemptId } = await learnerOn(course);
  const { sessionNo } = await launch(agent, csrf, attemptId, scoId);
  await finish(agent, attemptId, scoId, sessionNo, untouched(), 1).expect(200);
  expect(await stateOf(ctx.db, attemptId, scoId)).toMatchObject({ completion: 'completed', success: 'unknown' });
  // The course counts a pass (its rule, from the mastery score): completing is not enough.
  expect(await attemptRow(ctx.db, attemptId)).toMatchObject({ completion: 'completed', satisfied: false });
});

it('what the finish settled stays when the SCO is opened again and still sends "not attempted"', async () => {
  const course = await importCourse(ctx.db, navigableScos('1.2'));
  const [first, second] = course.scos;
  const { agent, csrf, attemptId } = await learnerOn(course);
  const one = await launch(agent, csrf, attemptId, first!.id);
  await finish(agent, attemptId, first!.id, one.sessionNo, untouched(), 1).expect(200);
  expect(await stateOf(ctx.db, attemptId, first!.id)).toMatchObject({ completion: 'completed' });
  // The attempt is not done yet (the second SCO), so the first opens for credit again.
  const again = await launch(agent, csrf, attemptId, first!.id);
  expect(again.review).toBe(false);
  await commit(agent, attemptId, first!.id, again.sessionNo, untouched(), 1).expect(200);
  expect(await stateOf(ctx.db, attemptId, first!.id)).toMatchObject({ completion: 'completed' });

  // A SCO that set its status keeps it: "incomplete" at the finish is incomplete.
  const two = await launch(agent, csrf, attemptId, second!.id);
  await finish(agent, attemptId, second!.id, two.sessionNo, untouched({ lesson_status: 'incomplete' }), 1).expect(200);
  expect(await stateOf(ctx.db, attemptId, second!.id)).toMatchObject({ completion: 'incomplete' });
  expect(await attemptRow(ctx.db, attemptId)).toMatchObject({ completion: 'incomplete', satisfied: false });
});
