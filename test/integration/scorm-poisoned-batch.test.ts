/**
 * Commits that cannot hurt other learners: numbers that do not fit the columns are refused before
 * they are queued, a batch statement that fails is retried commit by commit (so one bad commit
 * fails only itself), and a malformed commit answers 400 in the content's terms with no stack.
 */
import { sql } from 'drizzle-orm';
import request from 'supertest';
import { createApp } from '../../server/app';
import type { Database } from '../../server/db/client';
import { createLogger } from '../../server/lib/log';
import { CommitBatcher } from '../../server/scorm/tracking/commit-batcher';
import type { CommitWrite, WrittenCommit } from '../../server/scorm/tracking/repository';
import { createTestContext, signIn, testConfig, type TestContext } from '../support/app';
import { commit12 } from '../support/cmi';
import { usingPostgres } from '../support/database';
import { makeAttempt, makeCourseVersion, makeStaff } from '../support/factories';
import { commit, commitKeyOf, commitPath, launch, stateOf } from '../support/scorm-flow';

jest.setTimeout(90_000);

const NOV_24 = new Date('2026-11-24T01:00:00Z');
const onPostgres = usingPostgres();
if (!onPostgres) {
  console.info(
    'scorm-poisoned-batch.test.ts: the concurrent batch test is skipped — it needs PostgreSQL (set DATABASE_URL); PGlite runs nothing concurrently.',
  );
}
const postgresOnly = onPostgres ? it : it.skip;

type Line = Record<string, unknown> & { level: number; msg: string };
const lines: Line[] = [];
let ctx: TestContext;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  ctx = await createTestContext({ clock: () => NOV_24, env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
  const log = createLogger('info', { write: (l: string) => void lines.push(JSON.parse(l) as Line) });
  app = createApp({ config: testConfig({ LOGIN_RATE_LIMIT_PER_15MIN: '1000' }), database: ctx.database, clock: () => NOV_24, log });
});
afterAll(() => ctx.close());

async function launched() {
  const person = await makeStaff(ctx.db);
  const version = await makeCourseVersion(ctx.db);
  const attempt = await makeAttempt(ctx.db, {
    staffId: person.id,
    courseVersionId: version.id,
    startedAt: new Date('2026-11-20T00:00:00Z'),
  });
  const { agent, csrf } = await signIn(app, person.employeeNo, person.password);
  const scoId = version.scos[0]!.id;
  const { sessionNo } = await launch(agent, csrf, attempt.id, scoId);
  return { attempt, scoId, sessionNo, agent, csrf };
}

describe('CommitBatcher, with a batch statement that fails for one attempt', () => {
  it('stores and acknowledges every other commit of the batch; only the bad one fails', async () => {
    const POISONED = 6;
    const calls: number[][] = [];
    const writeBatch = async (_db: Database, batch: CommitWrite[]): Promise<(WrittenCommit | undefined)[]> => {
      calls.push(batch.map((w) => w.attemptId));
      await new Promise((r) => setTimeout(r, 5));
      if (batch.some((w) => w.attemptId === POISONED)) throw new Error('integer out of range');
      return batch.map(() => ({
        status: {},
        completion: 'incomplete',
        success: 'unknown',
        score_raw: null,
        score_min: null,
        score_max: null,
        score_scaled: null,
      }));
    };
    const batcher = new CommitBatcher({} as Database, writeBatch);
    const write = (attemptId: number): CommitWrite => ({
      attemptId,
      scoId: 1,
      staffId: attemptId,
      sessionNo: 1,
      seq: 1,
      values: {},
      sessionSeconds: null,
      location: undefined,
      exit: undefined,
      at: NOV_24,
    });
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => batcher.write(write(i + 1))));
    // The poisoned commit did share a statement with others (that statement failed for them all).
    expect(calls.some((c) => c.includes(POISONED) && c.length > 1)).toBe(true);
    outcomes.forEach((o, i) => expect(o.status).toBe(i + 1 === POISONED ? 'rejected' : 'fulfilled'));
  });
});

describe('numbers and bodies the commit refuses before it is queued', () => {
  it('answers 400 in the content’s terms for an out-of-range sequence or session, session=abc, and bodies that are not JSON, with no unhandled error', async () => {
    const l = await launched();
    const refused = { result: 'false', errorCode: 391 };
    const content = request(app.content);
    const path = commitPath(l.attempt.id, l.scoId, l.sessionNo);
    await commit(l.agent, l.attempt.id, l.scoId, l.sessionNo, commit12(), 3_000_000_000).expect(400, refused);
    await commit(l.agent, l.attempt.id, l.scoId, l.sessionNo, commit12(), -3_000_000_000).expect(400, refused);
    await content.post(path).set('Content-Type', 'text/plain').send('{not json').expect(400, refused);
    await content.post(path).set('Content-Type', 'application/json').send('{not json').expect(400, refused);
    expect((await stateOf(ctx.db, l.attempt.id, l.scoId))!.commitSeq).toBe(-1);
    // The session is the token's: a session in the query is not read (the commit is the launch's own).
    await content
      .post(`${path}?session=99999999999`)
      .send({
        ...commit12({ lesson_location: 'query-session' }),
        commitSequence: 1,
        commitKey: commitKeyOf(l.attempt.id, l.scoId, l.sessionNo),
      })
      .expect(200);
    expect((await stateOf(ctx.db, l.attempt.id, l.scoId))!).toMatchObject({ sessionNo: l.sessionNo, location: 'query-session' });
    expect(lines.filter((x) => x.msg === 'unhandled error')).toEqual([]);
    // One warn line for the attempt this minute, however many were refused.
    expect(lines.filter((x) => x.level === 40 && String(x.attemptId) === String(l.attempt.id))).toHaveLength(1);
    // A valid commit still goes through.
    await commit(l.agent, l.attempt.id, l.scoId, l.sessionNo, commit12({ lesson_status: 'incomplete' }), 2_147_483_647).expect(200);
  });
});

describe('a commit the database refuses, batched with other learners’ commits (PostgreSQL)', () => {
  afterEach(() => ctx.db.execute(sql.raw('DROP TRIGGER IF EXISTS test_poison ON sco_states')));

  postgresOnly('fails alone: every other learner’s commit is stored and acknowledged', async () => {
    const learners = await Promise.all(Array.from({ length: 16 }, () => launched()));
    const poisoned = learners[0]!;
    await ctx.db.execute(
      sql.raw(
        `CREATE OR REPLACE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'poisoned by the test'; END $$`,
      ),
    );
    await ctx.db.execute(
      sql.raw(
        `CREATE TRIGGER test_poison BEFORE UPDATE ON sco_states FOR EACH ROW WHEN (NEW.attempt_id = ${Number(poisoned.attempt.id)}) EXECUTE FUNCTION test_poison()`,
      ),
    );
    // Three rounds, each sent at once, so the poisoned commit shares statements with the others.
    for (let round = 1; round <= 3; round++) {
      const answers = await Promise.all(
        learners.map((l) => commit(l.agent, l.attempt.id, l.scoId, l.sessionNo, commit12({ lesson_location: `r${round}` }), round)),
      );
      expect(answers[0]!.status).toBe(500);
      expect(answers.slice(1).map((a) => a.status)).toEqual(learners.slice(1).map(() => 200));
    }
    for (const l of learners.slice(1)) expect(await stateOf(ctx.db, l.attempt.id, l.scoId)).toMatchObject({ commitSeq: 3, location: 'r3' });
    expect((await stateOf(ctx.db, poisoned.attempt.id, poisoned.scoId))!.commitSeq).toBe(-1);
  });
});

describe('the run-time API limit per launch', () => {
  it('refuses a launch that floods commits (429 in the content’s terms, one log line), and leaves another launch alone', async () => {
    const flooder = await launched();
    const neighbour = await launched();
    lines.length = 0;
    const statuses: number[] = [];
    for (let seq = 1; seq <= 110; seq++) {
      statuses.push((await commit(flooder.agent, flooder.attempt.id, flooder.scoId, flooder.sessionNo, commit12(), seq)).status);
    }
    expect(statuses.slice(0, 100).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(100)).toEqual(Array(10).fill(429));
    const refused = await commit(flooder.agent, flooder.attempt.id, flooder.scoId, flooder.sessionNo, commit12(), 200);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ result: 'false', errorCode: 391 });
    // The neighbour's launch has its own allowance.
    await commit(neighbour.agent, neighbour.attempt.id, neighbour.scoId, neighbour.sessionNo, commit12({ lesson_location: 'n' }), 1).expect(
      200,
    );
    expect((await stateOf(ctx.db, neighbour.attempt.id, neighbour.scoId))!.location).toBe('n');
    // Throttled: eleven refusals, one warn line.
    expect(lines.filter((l) => l.msg === 'commit refused: too many from one launch')).toHaveLength(1);
  });
});
