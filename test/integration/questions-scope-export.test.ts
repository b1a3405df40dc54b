import { parse } from 'csv-parse/sync';
import { eq } from 'drizzle-orm';
import { historyOf } from '../../server/compliance/audit/service';
import { questionAnswers, questionSettings } from '../../server/db/schema';
import { fiscalYearOf } from '../../server/training/fiscal-year';
import { createTestContext, csrfFrom, signIn, type TestContext } from '../support/app';
import { makeCourse, makeDepartment, makeOfficer, makeStaff } from '../support/factories';
import { makeAnswer, makeQuestion } from '../support/questions-factories';

// Each file opens its own database; on a busy 2-core machine that can outlast jest's 5 s default.
jest.setTimeout(30_000);

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());

type Agent = Awaited<ReturnType<typeof signIn>>['agent'];

async function setManagersMayAnswer(agent: Agent, allowed: boolean) {
  const page = await agent.get('/admin/questions').expect(200);
  await agent
    .post('/admin/questions/settings')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...(allowed ? { managersMayAnswer: '1' } : {}) })
    .expect(303);
}

describe('department heads answer only when the officer allows it, and only their own staff', () => {
  it('scopes the list, the thread and the answer to their departments (404 outside), and is audited', async () => {
    const own = await makeDepartment(ctx.db, '外科病棟');
    const elsewhere = await makeDepartment(ctx.db, '薬剤部');
    const manager = await makeStaff(ctx.db, { roles: ['staff', 'manager'], manages: [own.id], name: '所属長 外科' });
    const officer = await makeOfficer(ctx.db);
    const nurse = await makeStaff(ctx.db, { departmentId: own.id, name: '外科 看護師' });
    const pharmacist = await makeStaff(ctx.db, { departmentId: elsewhere.id, name: '薬剤 師' });
    const mine = await makeQuestion(ctx.db, { staffId: nurse.id, subject: '外科の質問' });
    const theirs = await makeQuestion(ctx.db, { staffId: pharmacist.id, subject: '薬剤部の質問' });
    const head = await signIn(ctx.app, manager.employeeNo, manager.password);
    const off = await signIn(ctx.app, officer.employeeNo, officer.password);

    // Not allowed yet: the answering pages do not exist for them.
    await head.agent.get('/admin/questions').expect(404);
    await head.agent.get(`/admin/questions/${mine.id}`).expect(404);
    await head.agent
      .post(`/admin/questions/${mine.id}/answers`)
      .type('form')
      .send({ _csrf: head.csrf, body: 'まだ許可されていない回答' })
      .expect(404);
    // Nor may they allow themselves.
    await head.agent.post('/admin/questions/settings').type('form').send({ _csrf: head.csrf, managersMayAnswer: '1' }).expect(403);

    await setManagersMayAnswer(off.agent, true);
    expect((await ctx.db.select().from(questionSettings))[0]).toMatchObject({ managersMayAnswer: true, updatedBy: officer.id });
    const list = await head.agent.get('/admin/questions').expect(200);
    expect(list.text).toContain('外科の質問');
    expect(list.text).not.toContain('薬剤部の質問');
    await head.agent.get(`/admin/questions/${theirs.id}`).expect(404);
    // Outside their departments: 404, also for a refused (empty) answer, and nothing is written.
    await head.agent.post(`/admin/questions/${theirs.id}/answers`).type('form').send({ _csrf: head.csrf, body: '越権の回答' }).expect(404);
    await head.agent.post(`/admin/questions/${theirs.id}/answers`).type('form').send({ _csrf: head.csrf, body: '' }).expect(404);
    expect(await ctx.db.$count(questionAnswers, eq(questionAnswers.questionId, theirs.id))).toBe(0);
    await head.agent.get('/admin/questions/export.csv').expect(403);

    const page = await head.agent.get(`/admin/questions/${mine.id}`).expect(200);
    await head.agent
      .post(`/admin/questions/${mine.id}/answers`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), body: '所属長からの回答です。' })
      .expect(303);
    const [answer] = await ctx.db.select().from(questionAnswers).where(eq(questionAnswers.questionId, mine.id));
    expect(answer).toMatchObject({ authorId: manager.id, authorRole: 'manager', body: '所属長からの回答です。' });
    const nurseView = await (await signIn(ctx.app, nurse.employeeNo, nurse.password)).agent.get(`/questions/${mine.id}`).expect(200);
    expect(nurseView.text).toContain('所属長 外科（所属長）');

    // Taken back: they answer nothing again.
    await setManagersMayAnswer(off.agent, false);
    await head.agent.get(`/admin/questions/${mine.id}`).expect(404);
    const settingsHistory = await historyOf(ctx.db, 'question_settings', 1);
    expect(settingsHistory.map((h) => [h.action, h.actorId, h.details])).toEqual([
      ['question.disallow-managers', officer.id, { before: { managersMayAnswer: true }, after: { managersMayAnswer: false } }],
      ['question.allow-managers', officer.id, { before: { managersMayAnswer: false }, after: { managersMayAnswer: true } }],
    ]);
  });
});

describe("the officer's list", () => {
  it('filters by status and course in the URL and lists the oldest question first', async () => {
    const officer = await makeOfficer(ctx.db);
    const course = await makeCourse(ctx.db, { title: '並び順のコース' });
    const now = Date.now();
    await makeQuestion(ctx.db, { courseId: course.id, subject: '新しい質問', askedAt: new Date(now - 60_000) });
    const older = await makeQuestion(ctx.db, { courseId: course.id, subject: '古い質問', askedAt: new Date(now - 3_600_000) });
    await makeQuestion(ctx.db, { subject: '全般の質問', askedAt: new Date(now - 120_000) });
    const { agent } = await signIn(ctx.app, officer.employeeNo, officer.password);

    const byCourse = await agent.get(`/admin/questions?status=open&course=${course.id}`).expect(200);
    expect(byCourse.text.indexOf('古い質問')).toBeGreaterThan(-1);
    expect(byCourse.text.indexOf('古い質問')).toBeLessThan(byCourse.text.indexOf('新しい質問'));
    expect(byCourse.text).not.toContain('全般の質問');
    expect(byCourse.text).toMatch(new RegExp(`<option value="${course.id}" selected>並び順のコース</option>`));
    const generalOnly = await agent.get('/admin/questions?course=general').expect(200);
    expect(generalOnly.text).toContain('全般の質問');
    expect(generalOnly.text).not.toContain('古い質問');

    await makeAnswer(ctx.db, older.id, { authorId: officer.id });
    const open = await agent.get(`/admin/questions?status=open&course=${course.id}`).expect(200);
    expect(open.text).not.toContain('古い質問');
    expect(open.text).toContain('新しい質問');
    const answered = await agent.get(`/admin/questions?status=answered&course=${course.id}`).expect(200);
    expect(answered.text).toContain('古い質問');
    expect(answered.text).not.toContain('新しい質問');
    // A filter that does not parse shows the default list rather than an error.
    await agent.get('/admin/questions?status=bogus&year=abc').expect(200);
  });
});

describe('the evidence export', () => {
  it("is the year's questions and answers as UTF-8 CSV with a BOM, formulas neutralised, re-read cell by cell", async () => {
    const officer = await makeOfficer(ctx.db, { name: '責任 太郎' });
    const dept = await makeDepartment(ctx.db, '医事課');
    const clerk = await makeStaff(ctx.db, { departmentId: dept.id, name: '医事 花子', employeeNo: 'CSV001' });
    const course = await makeCourse(ctx.db, { title: 'フィッシング対策' });
    const year = fiscalYearOf(new Date());
    const base = Date.now() - 3_600_000;
    const q = await makeQuestion(ctx.db, {
      staffId: clerk.id,
      courseId: course.id,
      subject: '=HYPERLINK("http://evil.example","押して")',
      body: '不審なメールの\n見分け方は？',
      askedAt: new Date(base),
    });
    const first = await makeAnswer(ctx.db, q.id, {
      authorId: officer.id,
      body: '+差出人を確認します。',
      answeredAt: new Date(base + 60_000),
    });
    await makeAnswer(ctx.db, q.id, {
      authorId: officer.id,
      body: '@訂正：リンクを開かずに報告します。',
      correctsAnswerId: first.id,
      answeredAt: new Date(base + 120_000),
    });
    const open = await makeQuestion(ctx.db, {
      staffId: clerk.id,
      subject: '-まだ回答のない質問',
      body: '\t本文',
      askedAt: new Date(base + 180_000),
    });
    await makeQuestion(ctx.db, {
      staffId: clerk.id,
      subject: '前年度の質問',
      fiscalYear: year - 1,
      askedAt: new Date(base - 400 * 86_400_000),
    });
    const { agent } = await signIn(ctx.app, officer.employeeNo, officer.password);

    const res = await agent
      .get(`/admin/questions/export.csv?year=${year}`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers['content-disposition']).toMatch(new RegExp(`questions-FY${year}-`));
    const bytes = res.body as Buffer;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(bytes.toString('utf8').slice(1), { relax_column_count: false }) as string[][];
    expect(rows[0]).toEqual([
      '年度',
      '質問番号',
      '質問日時',
      '職員番号',
      '氏名',
      '所属',
      'コース',
      '件名',
      '質問の内容',
      '回答番号',
      '回答日時',
      '回答者',
      '回答者の立場',
      '訂正した回答の番号',
      '回答の内容',
    ]);
    const mine = rows.slice(1).filter((r) => r[3] === 'CSV001');
    // The other fiscal year is not in this year's record.
    expect(mine).toHaveLength(3);
    const [answer1, answer2, unanswered] = mine as [string[], string[], string[]];
    expect(answer1.slice(0, 2)).toEqual([String(year), String(q.id)]);
    expect(answer1[2]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(answer1.slice(3, 9)).toEqual([
      'CSV001',
      '医事 花子',
      '医事課',
      'フィッシング対策',
      `'=HYPERLINK("http://evil.example","押して")`,
      '不審なメールの\n見分け方は？',
    ]);
    expect([answer1[9], answer1[11], answer1[12], answer1[13], answer1[14]]).toEqual([
      '1',
      '責任 太郎',
      '医療情報システム安全管理責任者',
      '',
      "'+差出人を確認します。",
    ]);
    expect([answer2[9], answer2[13], answer2[14]]).toEqual(['2', '1', "'@訂正：リンクを開かずに報告します。"]);
    expect(unanswered.slice(1, 2)).toEqual([String(open.id)]);
    expect(unanswered.slice(6, 15)).toEqual(['研修全般', "'-まだ回答のない質問", "'\t本文", '', '', '', '', '', '']);
  });
});
