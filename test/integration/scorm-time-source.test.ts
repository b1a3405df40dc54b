/**
 * Third-party completions say what they are: the session time the content reports is kept beside
 * the time the server measured from the launch to the session's last commit, the totals count the
 * smaller of the two per session, and the officer (and the learner) read that the completion is
 * the content's own report.
 */
import { sql } from 'drizzle-orm';
import { translator } from '../../server/lib/i18n';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { commit12, commit2004 } from '../support/cmi';
import { makeCourseVersion, makeOfficer, makeStaff } from '../support/factories';
import { attemptRow, beacon, commit, launch, start, stateOf, type Agent } from '../support/scorm-flow';

jest.setTimeout(60_000);

const t = translator('ja');
const T0 = new Date('2026-11-24T01:00:00Z'); // 10:00 in Japan, fiscal year 2026
const after = (seconds: number, from = T0) => new Date(from.getTime() + seconds * 1000);
let now = T0;
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ clock: () => now, env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());
beforeEach(() => {
  now = T0;
});

interface Learner {
  agent: Agent;
  csrf: string;
  attemptId: number;
  courseId: number;
  scoIds: number[];
}

async function learnerOn(standard: '1.2' | '2004-3rd', scoTitles = ['第1章']): Promise<Learner> {
  const version = await makeCourseVersion(ctx.db, { standard, scos: scoTitles });
  const person = await makeStaff(ctx.db);
  const { agent, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
  const attemptId = await start(agent, csrf, version.courseId);
  return { agent, csrf, attemptId, courseId: version.courseId, scoIds: version.scos.map((s) => s.id) };
}

/** Launches at `at`, then commits `payload` at `at + seconds` in the session it opened. */
async function session(l: Learner, scoId: number, at: Date, seconds: number, payload: object, terminate = false) {
  now = at;
  const { sessionNo } = await launch(l.agent, l.csrf, l.attemptId, scoId);
  now = after(seconds, at);
  await (terminate ? beacon : commit)(l.agent, l.attemptId, scoId, sessionNo, payload, 1).expect(200);
  return sessionNo;
}

const passed2004 = (sessionTime: string) =>
  commit2004({
    completion_status: 'completed',
    success_status: 'passed',
    progress_measure: '1',
    score: { scaled: '0.9', raw: '', min: '', max: '' },
    session_time: sessionTime,
  });

async function officerAgent() {
  const officer = await makeOfficer(ctx.db);
  return (await signIn(ctx.app, officer.employeeNo, officer.password)).agent;
}

describe('the time a session counts', () => {
  it('counts 40 s, not the PT1H30M the content reported 40 s after launch, and shows the officer both', async () => {
    const l = await learnerOn('2004-3rd');
    const sco = l.scoIds[0]!;
    await session(l, sco, T0, 40, passed2004('PT1H30M'), true);

    expect(await stateOf(ctx.db, l.attemptId, sco)).toMatchObject({
      sessionSeconds: 5400,
      sessionOpenedAt: T0,
      sessionMeasuredSeconds: 40,
    });
    expect(await attemptRow(ctx.db, l.attemptId)).toMatchObject({
      satisfied: true,
      totalSeconds: 40,
      reportedSeconds: 5400,
      measuredSeconds: 40,
    });

    const officer = await officerAgent();
    const page = (await officer.get(`/admin/attempts/${l.attemptId}`).expect(200)).text;
    expect(page).toMatch(/id="attempt-time">0:40 /);
    expect(page).toContain(t('scorm.time.sources', { reported: '1:30:00', measured: '0:40' }));
    expect(page).toMatch(new RegExp(`id="attempt-source">${t('scorm.source.content')}<`));
    expect(page).not.toContain('id="attempt-marked-by"');

    const table = (await officer.get(`/admin/courses/${l.courseId}`).expect(200)).text;
    const from = table.slice(table.indexOf(`/admin/attempts/${l.attemptId}"`));
    const row = from.slice(0, from.indexOf('</tr>'));
    expect(row).toContain(t('scorm.source.content'));
    expect(row).toContain('<td>0:40<br>');
    expect(row).toContain(t('scorm.time.sources', { reported: '1:30:00', measured: '0:40' }));

    // The learner reads it too, on the course page.
    const own = (await l.agent.get(`/courses/${l.courseId}`).expect(200)).text;
    expect(own).toContain(t('scorm.source.content'));
  });

  it('counts the report when it is the smaller, and sums sessions and SCOs each by its own smaller figure', async () => {
    const l = await learnerOn('1.2', ['第1章', '第2章']);
    const [a, b] = l.scoIds as [number, number];
    // SCO a, session 1: reports 4 min after 100 s (100 counts); session 2: reports 2 min after 10 min (120 counts).
    await session(l, a, T0, 100, commit12({ lesson_status: 'incomplete', session_time: '00:04:00' }));
    await session(l, a, after(3600), 600, commit12({ lesson_status: 'completed', session_time: '00:02:00' }));
    expect(await stateOf(ctx.db, l.attemptId, a)).toMatchObject({
      priorSessionsSeconds: 240,
      priorMeasuredSeconds: 100,
      priorCountedSeconds: 100,
      sessionSeconds: 120,
      sessionMeasuredSeconds: 600,
    });
    expect(await attemptRow(ctx.db, l.attemptId)).toMatchObject({ totalSeconds: 220, reportedSeconds: 360, measuredSeconds: 700 });

    // SCO b: reports 20 s after 30 s. The attempt adds a's stored figures to b's new ones.
    await session(l, b, after(7200), 30, commit12({ lesson_status: 'completed', session_time: '00:00:20' }), true);
    expect(await attemptRow(ctx.db, l.attemptId)).toMatchObject({
      satisfied: true,
      totalSeconds: 240,
      reportedSeconds: 380,
      measuredSeconds: 730,
    });
    const officer = await officerAgent();
    const page = (await officer.get(`/admin/attempts/${l.attemptId}`).expect(200)).text;
    expect(page).toContain(t('scorm.time.sources', { reported: '6:00', measured: '11:40' })); // SCO a
    expect(page).toContain(t('scorm.time.sources', { reported: '6:20', measured: '12:10' })); // the attempt
  });

  it('measures from the launch to the latest commit: never negative, never shrinking when the clock steps back', async () => {
    const l = await learnerOn('1.2');
    const sco = l.scoIds[0]!;
    now = T0;
    const { sessionNo } = await launch(l.agent, l.csrf, l.attemptId, sco);
    const send = async (at: Date, seq: number, sessionTime: string) => {
      now = at;
      await commit(l.agent, l.attemptId, sco, sessionNo, commit12({ session_time: sessionTime }), seq).expect(200);
      return { state: await stateOf(ctx.db, l.attemptId, sco), attempt: await attemptRow(ctx.db, l.attemptId) };
    };
    let r = await send(after(-5), 1, '00:01:00'); // the server's clock stepped back behind the launch
    expect(r.state).toMatchObject({ sessionMeasuredSeconds: 0 });
    expect(r.attempt).toMatchObject({ totalSeconds: 0, measuredSeconds: 0, reportedSeconds: 60 });
    r = await send(after(50), 2, '00:01:00');
    expect(r.attempt).toMatchObject({ totalSeconds: 50, measuredSeconds: 50 });
    r = await send(after(30), 3, '00:01:00');
    expect(r.attempt).toMatchObject({ totalSeconds: 50, measuredSeconds: 50 });
    r = await send(after(90), 4, '00:01:00');
    expect(r.attempt).toMatchObject({ totalSeconds: 60, measuredSeconds: 90, reportedSeconds: 60 });
  });

  it('counts the report of a session opened before launches were timed, and shows its measure as unknown', async () => {
    const l = await learnerOn('1.2');
    const sco = l.scoIds[0]!;
    now = T0;
    const { sessionNo } = await launch(l.agent, l.csrf, l.attemptId, sco);
    // As the migration leaves a session open at upgrade: no launch time, no measure.
    await ctx.db.execute(
      sql`UPDATE sco_states SET session_opened_at = NULL, session_measured_seconds = NULL, prior_measured_seconds = NULL WHERE attempt_id = ${l.attemptId}`,
    );
    now = after(10);
    await commit(l.agent, l.attemptId, sco, sessionNo, commit12({ session_time: '00:05:00' }), 1).expect(200);
    expect(await attemptRow(ctx.db, l.attemptId)).toMatchObject({ totalSeconds: 300, reportedSeconds: 300, measuredSeconds: null });

    // The next session is measured again; the SCO's measured sum stays unknown, its counted time adds up.
    await session(l, sco, after(600), 20, commit12({ session_time: '00:01:00' }));
    expect(await attemptRow(ctx.db, l.attemptId)).toMatchObject({ totalSeconds: 320, reportedSeconds: 360, measuredSeconds: null });
    const officer = await officerAgent();
    const page = (await officer.get(`/admin/attempts/${l.attemptId}`).expect(200)).text;
    expect(page).toContain(t('scorm.time.sources', { reported: '6:00', measured: '—' }));
  });
});
