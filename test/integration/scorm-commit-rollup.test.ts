/**
 * A commit's two writes (server/scorm/tracking/commit.ts): the batched statement that stores the
 * CMI, then — when the status changes or the session ends — one transaction with the derived
 * columns and the roll-up. They are safe apart because a roll-up that never happened is repaired
 * by the SCO's next commit; and every row a commit writes carries the one clock it was given.
 */
import { sql } from 'drizzle-orm';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { commit12 } from '../support/cmi';
import { makeAttempt, makeCourseVersion, makeStaff } from '../support/factories';
import { attemptRow, commit, launch, resultOf, stateOf } from '../support/scorm-flow';

jest.setTimeout(60_000);

const NOV_24 = new Date('2026-11-24T01:00:00Z'); // fiscal year 2026 in Japan; never the database's now()
let now = NOV_24;
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ clock: () => now, env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());

/** A learner signed in, with an attempt on a one-SCO course (rule "completed") and a session open. */
async function launched() {
  const person = await makeStaff(ctx.db);
  const version = await makeCourseVersion(ctx.db);
  const attempt = await makeAttempt(ctx.db, {
    staffId: person.id,
    courseVersionId: version.id,
    startedAt: new Date('2026-11-20T00:00:00Z'),
  });
  const { agent, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
  const scoId = version.scos[0]!.id;
  // Launched an hour before its commits: the server measures the session from the launch, and
  // an hour covers every session time these tests report (a session counts the smaller).
  now = new Date(NOV_24.getTime() - 3_600_000);
  const { sessionNo } = await launch(agent, csrf, attempt.id, scoId).finally(() => {
    now = NOV_24;
  });
  return {
    person,
    attempt,
    scoId,
    sessionNo,
    send: (payload: object, seq: number) => commit(agent, attempt.id, scoId, sessionNo, payload, seq),
  };
}

it('stamps every row a commit writes with the clock it is given, in the batch statement too', async () => {
  const l = await launched();
  // A new status: the batch statement, then the roll-up.
  await l.send(commit12({ lesson_location: 'p1', lesson_status: 'incomplete' }), 1).expect(200);
  expect((await stateOf(ctx.db, l.attempt.id, l.scoId))!.updatedAt).toEqual(NOV_24);
  expect((await attemptRow(ctx.db, l.attempt.id)).lastActivityAt).toEqual(NOV_24);
  expect((await resultOf(ctx.db, l.person.id, l.attempt.courseId, 2026))!.updatedAt).toEqual(NOV_24);

  // The same status with a new bookmark and time: the batch statement alone stamps the attempt.
  const before = await attemptRow(ctx.db, l.attempt.id);
  await ctx.db.execute(sql`UPDATE attempts SET last_activity_at = '2026-01-01T00:00:00Z' WHERE id = ${l.attempt.id}`);
  await l
    .send(commit12({ lesson_location: 'p2', lesson_status: 'incomplete', session_time: '00:06:00' }), 2)
    .expect(200, { result: 'true', errorCode: 0, outcome: 'applied' });
  expect(await attemptRow(ctx.db, l.attempt.id)).toEqual({ ...before, lastActivityAt: NOV_24, totalSeconds: 360, reportedSeconds: 360 });
  expect(await stateOf(ctx.db, l.attempt.id, l.scoId)).toMatchObject({ location: 'p2', updatedAt: NOV_24 });
});

describe('a roll-up that did not happen', () => {
  // Stands in for the process dying between the two writes: the database refuses the roll-up's
  // change of an attempt's status (the batch statement changes only its time and activity).
  const refuseRollUp = async (attemptId: number) => {
    await ctx.db.execute(
      sql.raw(
        `CREATE OR REPLACE FUNCTION test_refuse_roll_up() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'roll-up refused by the test'; END $$`,
      ),
    );
    await ctx.db.execute(
      sql.raw(`CREATE TRIGGER test_refuse_roll_up BEFORE UPDATE ON attempts FOR EACH ROW
        WHEN (NEW.id = ${Number(attemptId)} AND (OLD.completion IS DISTINCT FROM NEW.completion OR OLD.satisfied IS DISTINCT FROM NEW.satisfied))
        EXECUTE FUNCTION test_refuse_roll_up()`),
    );
  };
  const allowRollUp = () => ctx.db.execute(sql.raw('DROP TRIGGER IF EXISTS test_refuse_roll_up ON attempts'));
  afterEach(allowRollUp);

  it('leaves the CMI stored and the record as it was, and the next commit of the SCO rolls it up', async () => {
    const l = await launched();
    await refuseRollUp(l.attempt.id);
    const completed = commit12({ lesson_status: 'completed', lesson_location: 'end', session_time: '00:03:00' });
    const failed = await l.send(completed, 1);
    expect(failed.status).toBe(500); // not acknowledged: the content commits again

    // Write 1 is there: the CMI, the sequence, the time. Of write 2 nothing, not even the derived columns.
    const state = (await stateOf(ctx.db, l.attempt.id, l.scoId))!;
    expect(state).toMatchObject({ commitSeq: 1, sessionSeconds: 180, location: 'end', completion: 'not attempted' });
    expect((state.cmi as Record<string, string>)['cmi.core.lesson_status']).toBe('completed');
    expect(await attemptRow(ctx.db, l.attempt.id)).toMatchObject({
      satisfied: false,
      completion: 'not attempted',
      totalSeconds: 180,
      completedAt: null,
    });
    expect(await resultOf(ctx.db, l.person.id, l.attempt.courseId, 2026)).toBeUndefined();

    await allowRollUp();
    // The content's next commit reports the same status: nothing new against the last CMI, but
    // the stored columns are behind it, and that is what the commit compares with.
    await l
      .send({ ...completed, cmi: { ...completed.cmi, core: { ...completed.cmi.core, session_time: '00:04:00' } } }, 2)
      .expect(200, { result: 'true', errorCode: 0, outcome: 'applied' });
    expect(await stateOf(ctx.db, l.attempt.id, l.scoId)).toMatchObject({ commitSeq: 2, completion: 'completed', sessionSeconds: 240 });
    expect(await attemptRow(ctx.db, l.attempt.id)).toMatchObject({
      satisfied: true,
      completion: 'completed',
      totalSeconds: 240,
      completedAt: NOV_24,
    });
    expect(await resultOf(ctx.db, l.person.id, l.attempt.courseId, 2026)).toMatchObject({
      status: 'completed',
      attemptId: l.attempt.id,
      completedAt: NOV_24,
    });
  });
});
