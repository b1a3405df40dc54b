import { eq, sql } from 'drizzle-orm';
import { historyOf, verifyAuditChain } from '../../server/compliance/audit/service';
import { outbox, questionAnswers, questions, staff } from '../../server/db/schema';
import { createTestContext, csrfFrom, signIn, type TestContext } from '../support/app';
import { makeCourse, makeCourseVersion, makeOfficer, makeStaff } from '../support/factories';
import { makeQuestion } from '../support/questions-factories';

// Each file opens its own database; on a busy 2-core machine that can outlast jest's 5 s default.
jest.setTimeout(30_000);

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000', BASE_URL: 'http://lms.hospital.example:3000' } });
});
afterAll(() => ctx.close());

const mailJobsTo = async (to: string) =>
  (await ctx.db.select().from(outbox).where(eq(outbox.kind, 'mail.send'))).filter((j) => (j.payload as { to?: string }).to === to);

const questionsOf = (staffId: number) => ctx.db.select().from(questions).where(eq(questions.staffId, staffId));

async function askAs(agent: Awaited<ReturnType<typeof signIn>>['agent'], fields: Record<string, string>, status: number) {
  const form = await agent.get('/questions/new').expect(200);
  return agent
    .post('/questions')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), ...fields })
    .expect(status);
}

async function answerAs(agent: Awaited<ReturnType<typeof signIn>>['agent'], id: number, fields: Record<string, string>, status: number) {
  const page = await agent.get(`/admin/questions/${id}`).expect(200);
  return agent
    .post(`/admin/questions/${id}/answers`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...fields })
    .expect(status);
}

describe('asking and answering a question', () => {
  it('goes from the learner to the officer and back: the learner sees the answer and is told by mail in their language', async () => {
    const course = await makeCourse(ctx.db, { title: 'USBと私物端末' });
    await makeCourseVersion(ctx.db, { courseId: course.id });
    const learner = await makeStaff(ctx.db, { name: '看護 花子' });
    const officer = await makeOfficer(ctx.db, { name: '責任 太郎' });
    const asking = await signIn(ctx.app, learner.employeeNo, learner.password);

    // The course page and the form name the course: ?course= preselects it.
    const form = await asking.agent.get(`/questions/new?course=${course.id}`).expect(200);
    expect(form.text).toMatch(new RegExp(`<option value="${course.id}" selected>USBと私物端末</option>`));
    const asked = await asking.agent
      .post('/questions')
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        courseId: String(course.id),
        subject: '私物のUSBメモリ',
        body: '病棟で私物のUSBメモリを\r\n使ってもよいですか。',
      })
      .expect(303);
    const [row] = await questionsOf(learner.id);
    expect(row).toMatchObject({ courseId: course.id, subject: '私物のUSBメモリ', body: '病棟で私物のUSBメモリを\n使ってもよいですか。' });
    expect(asked.headers.location).toBe(`/questions/${row!.id}`);
    const mine = await asking.agent.get('/questions').expect(200);
    expect(mine.text).toContain('私物のUSBメモリ');
    expect(mine.text).toContain('未回答');

    // The officer finds it among the open questions and answers.
    const answering = await signIn(ctx.app, officer.employeeNo, officer.password);
    const open = await answering.agent.get('/admin/questions?status=open').expect(200);
    expect(open.text).toContain(`/admin/questions/${row!.id}`);
    expect(open.text).toContain('看護 花子');
    const answered = await answerAs(
      answering.agent,
      row!.id,
      { body: '私物のUSBメモリは使えません。\n情報システム係の貸出品を使ってください。' },
      303,
    );
    expect(answered.headers.location).toBe(`/admin/questions/${row!.id}`);
    const after = await answering.agent.get('/admin/questions?status=open').expect(200);
    expect(after.text).not.toContain(`/admin/questions/${row!.id}"`);
    expect((await answering.agent.get('/admin/questions?status=answered').expect(200)).text).toContain(`/admin/questions/${row!.id}"`);

    // The learner reads it, line breaks kept, with who answered.
    const thread = await asking.agent.get(`/questions/${row!.id}`).expect(200);
    expect(thread.text).toContain('私物のUSBメモリは使えません。<br>情報システム係の貸出品を使ってください。');
    expect(thread.text).toContain('責任 太郎（医療情報システム安全管理責任者）');
    expect(thread.text).toContain('回答済み');

    // One mail to the learner, in Japanese (their language), with the link to the thread.
    const jobs = await mailJobsTo(learner.email!);
    expect(jobs).toHaveLength(1);
    const payload = jobs[0]!.payload as Record<string, string | number>;
    expect(payload).toMatchObject({ to: learner.email, topic: 'question.answered', staffId: learner.id });
    expect(payload.subject).toContain('質問に回答がありました：私物のUSBメモリ');
    expect(payload.text).toContain(`http://lms.hospital.example:3000/questions/${row!.id}`);
    expect(payload.text).toContain('看護 花子 様');
  });

  it('mails an English-speaking learner in English, and tells the officer when a learner has no address', async () => {
    const officer = await makeOfficer(ctx.db);
    const english = await makeStaff(ctx.db, { name: 'Maria Santos' });
    await ctx.db.update(staff).set({ locale: 'en' }).where(eq(staff.id, english.id));
    const noMail = await makeStaff(ctx.db, { email: null });
    const q1 = await makeQuestion(ctx.db, { staffId: english.id, subject: 'Phishing' });
    const q2 = await makeQuestion(ctx.db, { staffId: noMail.id, subject: 'メールなし' });
    const { agent } = await signIn(ctx.app, officer.employeeNo, officer.password);

    await answerAs(agent, q1.id, { body: 'Report it to the IT desk.' }, 303);
    const [job] = await mailJobsTo(english.email!);
    expect((job!.payload as { subject: string }).subject).toContain('Your question was answered: Phishing');
    expect((job!.payload as { text: string }).text).toContain(`Dear Maria Santos`);

    await answerAs(agent, q2.id, { body: '回答します。' }, 303);
    const page = await agent.get(`/admin/questions/${q2.id}`).expect(200);
    expect(page.text).toContain('メールアドレスが登録されていないため、メールでは知らせません');
    const jobs = (await ctx.db.select().from(outbox)).filter((j) => (j.payload as { staffId?: number }).staffId === noMail.id);
    expect(jobs).toHaveLength(0);
    expect(await ctx.db.$count(questionAnswers, eq(questionAnswers.questionId, q2.id))).toBe(1);
  });

  it('keeps everything typed when the form is refused, and saves nothing', async () => {
    const learner = await makeStaff(ctx.db);
    const { agent } = await signIn(ctx.app, learner.employeeNo, learner.password);

    const missing = await askAs(agent, { courseId: '', subject: '  ', body: 'ここに書いた長い質問の本文' }, 400);
    expect(missing.text).toContain('入力内容を確認してください。');
    expect(missing.text).toMatch(/id="subject-error">入力してください。/);
    expect(missing.text).toContain('>ここに書いた長い質問の本文</textarea>');

    const long = await askAs(agent, { subject: '長すぎる質問', body: 'あ'.repeat(4001) }, 400);
    expect(long.text).toContain('質問の内容は4000文字以内にしてください。');
    expect(long.text).toContain('value="長すぎる質問"');
    expect(long.text).toContain(`>${'あ'.repeat(4001)}</textarea>`);

    const noCourse = await askAs(agent, { courseId: '999999', subject: '存在しないコース', body: '本文' }, 400);
    expect(noCourse.text).toContain('このコースは選べません。');
    expect(noCourse.text).toContain('value="存在しないコース"');

    expect(await questionsOf(learner.id)).toHaveLength(0);
  });

  it("preselects the course our courses' 「質問する」 names by its short slug, and ignores an unknown one", async () => {
    const course = await makeCourse(ctx.db, { slug: 'mamoru-short-slug-test', title: '短い名前のコース' });
    const learner = await makeStaff(ctx.db);
    const { agent } = await signIn(ctx.app, learner.employeeNo, learner.password);
    const bySlug = await agent.get('/questions/new?course=short-slug-test').expect(200);
    expect(bySlug.text).toMatch(new RegExp(`<option value="${course.id}" selected>短い名前のコース</option>`));
    const unknown = await agent.get('/questions/new?course=no-such-course').expect(200);
    expect(unknown.text).not.toMatch(/<option value="\d+" selected>/);
  });

  it("answers 404 for another learner's question, and refuses the answering pages to plain staff", async () => {
    const owner = await makeStaff(ctx.db);
    const other = await makeStaff(ctx.db);
    const q = await makeQuestion(ctx.db, { staffId: owner.id, subject: '本人だけが読める質問' });
    const { agent } = await signIn(ctx.app, other.employeeNo, other.password);
    const res = await agent.get(`/questions/${q.id}`).expect(404);
    expect(res.text).not.toContain('本人だけが読める質問');
    await agent.get('/questions/not-a-number').expect(404);
    expect((await agent.get('/questions').expect(200)).text).not.toContain('本人だけが読める質問');
    await agent.get(`/admin/questions/${q.id}`).expect(403);
    await agent.get('/admin/questions').expect(403);
    await agent.get('/admin/questions/export.csv').expect(403);
    const own = await signIn(ctx.app, owner.employeeNo, owner.password);
    expect((await own.agent.get(`/questions/${q.id}`).expect(200)).text).toContain('本人だけが読める質問');
  });

  it('keeps answers append-only: a correction is a new entry and the first stays as written', async () => {
    const officer = await makeOfficer(ctx.db);
    const learner = await makeStaff(ctx.db);
    const q = await makeQuestion(ctx.db, { staffId: learner.id, subject: 'パスワードの長さ' });
    const other = await makeQuestion(ctx.db, { subject: '別の質問' });
    const { agent } = await signIn(ctx.app, officer.employeeNo, officer.password);

    await answerAs(agent, q.id, { body: '8文字以上です。' }, 303);
    const [first] = await ctx.db.select().from(questionAnswers).where(eq(questionAnswers.questionId, q.id));
    // A correction left empty is refused with its text box open again, and writes nothing.
    const empty = await answerAs(agent, q.id, { body: '', correctsAnswerId: String(first!.id) }, 400);
    expect(empty.text).toMatch(/<details\s+open>/);
    await answerAs(agent, q.id, { body: '訂正: 12文字以上です。', correctsAnswerId: String(first!.id) }, 303);
    // An answer of another question cannot be "corrected" from here.
    await answerAs(agent, other.id, { body: '別の回答' }, 303);
    const [foreign] = await ctx.db.select().from(questionAnswers).where(eq(questionAnswers.questionId, other.id));
    const refused = await answerAs(agent, q.id, { body: 'すり替え', correctsAnswerId: String(foreign!.id) }, 400);
    expect(refused.text).toContain('訂正する回答が見つかりません。');

    const rows = await ctx.db.select().from(questionAnswers).where(eq(questionAnswers.questionId, q.id)).orderBy(questionAnswers.id);
    expect(rows.map((r) => [r.body, r.correctsAnswerId])).toEqual([
      ['8文字以上です。', null],
      ['訂正: 12文字以上です。', first!.id],
    ]);

    const learnerView = await (await signIn(ctx.app, learner.employeeNo, learner.password)).agent.get(`/questions/${q.id}`).expect(200);
    expect(learnerView.text).toContain('8文字以上です。');
    expect(learnerView.text).toContain('回答 2 — 回答 1 の訂正');
    expect(learnerView.text).toContain('この回答は「回答 2」で訂正されています。');
    // The correction was mailed as a correction.
    const subjects = (await mailJobsTo(learner.email!)).map((j) => (j.payload as { subject: string }).subject);
    expect(subjects).toEqual([expect.stringContaining('質問に回答がありました'), expect.stringContaining('回答が訂正されました')]);

    // Nothing the app runs may rewrite or remove the record (drizzle wraps the error: its cause is PostgreSQL's message).
    const refusal = (statement: ReturnType<typeof sql>) =>
      ctx.db.execute(statement).then(
        () => 'not refused',
        (err: Error & { cause?: Error }) => err.cause?.message ?? err.message,
      );
    expect(await refusal(sql`UPDATE question_answers SET body = 'changed' WHERE id = ${first!.id}`)).toBe(
      'question_answers is append-only: UPDATE refused',
    );
    expect(await refusal(sql`DELETE FROM question_answers WHERE id = ${first!.id}`)).toBe(
      'question_answers is append-only: DELETE refused',
    );
    expect(await refusal(sql`UPDATE questions SET subject = 'changed' WHERE id = ${q.id}`)).toBe(
      'questions is append-only: UPDATE refused',
    );
    expect(await refusal(sql`TRUNCATE question_answers`)).toBe('question_answers is append-only: TRUNCATE refused');
    const [still] = await ctx.db.select().from(questionAnswers).where(eq(questionAnswers.id, first!.id));
    expect(still!.body).toBe('8文字以上です。');
  });

  it('audits the question, every answer and correction, in words an inspector reads', async () => {
    const officer = await makeOfficer(ctx.db, { name: '監査 確認' });
    const learner = await makeStaff(ctx.db, { name: '事務 一郎' });
    const { agent } = await signIn(ctx.app, learner.employeeNo, learner.password);
    await askAs(agent, { subject: '監査される質問', body: '本文' }, 303);
    const [q] = await questionsOf(learner.id);
    const answering = await signIn(ctx.app, officer.employeeNo, officer.password);
    await answerAs(answering.agent, q!.id, { body: '最初の回答' }, 303);
    const [first] = await ctx.db.select().from(questionAnswers).where(eq(questionAnswers.questionId, q!.id));
    await answerAs(answering.agent, q!.id, { body: '訂正した回答', correctsAnswerId: String(first!.id) }, 303);

    const history = await historyOf(ctx.db, 'question', q!.id);
    expect(history.map((h) => [h.action, h.actorId])).toEqual(
      expect.arrayContaining([
        ['question.ask', learner.id],
        ['question.answer', officer.id],
        ['question.correct-answer', officer.id],
      ]),
    );
    const answer = history.find((h) => h.action === 'question.answer')!;
    expect(answer.details).toMatchObject({
      question: '監査される質問',
      askedBy: `${learner.employeeNo} 事務 一郎`,
      answeredAs: 'officer',
      answer: '最初の回答',
      mailedTo: learner.email,
    });
    expect(history.find((h) => h.action === 'question.correct-answer')!.details).toMatchObject({
      correctsAnswerId: first!.id,
      answer: '訂正した回答',
    });

    // The audit page names the acts in words.
    const page = await answering.agent.get('/admin/audit').expect(200);
    expect(page.text).toContain('質問に回答');
    expect(page.text).toContain('質問への回答を訂正（元の回答は保存）');
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
  });
});
