import { historyOf, verifyAuditChain } from '../../server/compliance/audit/service';
import { hospital } from '../../server/db/schema';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { makeAdmin, makeOfficer, makeStaff } from '../support/factories';

// Each file opens its own database; on a busy 2-core machine that can outlast jest's 5 s default.
jest.setTimeout(30_000);

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());

const profileRow = async () => (await ctx.db.select().from(hospital))[0];

describe('hospital profile', () => {
  it('is saved by an administrator, with a full-width institution code normalised, and audited with before/after', async () => {
    const admin = await makeAdmin(ctx.db);
    const { agent, csrf } = await signIn(ctx.app, admin.employeeNo, admin.password);
    const empty = await agent.get('/admin/hospital').expect(200);
    expect(empty.text).toContain('まず医療機関の基本情報を登録してください。');

    await agent
      .post('/admin/hospital')
      .type('form')
      .send({ _csrf: csrf, name: '守る記念病院', institutionCode: '１３１２３４５６７８', licensedBeds: '450', fiscalYearStartMonth: '4' })
      .expect(303)
      .expect('location', '/admin/hospital');
    expect(await profileRow()).toMatchObject({
      id: 1,
      name: '守る記念病院',
      institutionCode: '1312345678',
      licensedBeds: 450,
      fiscalYearStartMonth: 4,
    });
    const page = await agent.get('/admin/hospital').expect(200);
    expect(page.text).toContain('医療機関情報を保存しました。');
    expect(page.text).toContain('value="守る記念病院"');
    expect(page.text).toContain('value="1312345678"');
    expect(page.text).not.toContain('まず医療機関の基本情報を登録してください。');

    await agent
      .post('/admin/hospital')
      .type('form')
      .send({ _csrf: csrf, name: '守る記念病院', institutionCode: '13-1234-5679', licensedBeds: '199', fiscalYearStartMonth: '1' })
      .expect(303);
    expect(await profileRow()).toMatchObject({ institutionCode: '1312345679', licensedBeds: 199, fiscalYearStartMonth: 1 });

    const [update, create] = await historyOf(ctx.db, 'hospital', 1);
    expect(create).toMatchObject({
      action: 'hospital.create',
      actorId: admin.id,
      details: { before: null, after: { name: '守る記念病院', institutionCode: '1312345678', licensedBeds: 450, fiscalYearStartMonth: 4 } },
    });
    expect(update).toMatchObject({
      action: 'hospital.update',
      actorId: admin.id,
      details: {
        before: { name: '守る記念病院', institutionCode: '1312345678', licensedBeds: 450, fiscalYearStartMonth: 4 },
        after: { name: '守る記念病院', institutionCode: '1312345679', licensedBeds: 199, fiscalYearStartMonth: 1 },
      },
    });
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
  });

  it('re-renders with field messages for bad values and changes nothing', async () => {
    const admin = await makeAdmin(ctx.db);
    const { agent, csrf } = await signIn(ctx.app, admin.employeeNo, admin.password);
    const before = await profileRow();
    const entries = (await verifyAuditChain(ctx.db)).entries;

    const cases: [Record<string, string>, string[]][] = [
      [{ name: '病院', licensedBeds: 'たくさん', institutionCode: '' }, ['数値を入力してください。']],
      [{ name: '病院', licensedBeds: '100', institutionCode: '131234567' }, ['医療機関コードは10桁の数字で入力してください。']],
      [{ name: '病院', licensedBeds: '', institutionCode: '' }, ['数値を入力してください。']],
      [{ name: '病院', licensedBeds: '12.5' }, ['整数を入力してください。']],
      [{ name: '病院', licensedBeds: '-3' }, ['0以上の値を入力してください。']],
      [{ name: '', licensedBeds: '100', fiscalYearStartMonth: '13' }, ['入力してください。', '値が正しくありません。']],
    ];
    for (const [values, messages] of cases) {
      const res = await agent
        .post('/admin/hospital')
        .type('form')
        .send({ _csrf: csrf, ...values });
      expect([values, res.status]).toEqual([values, 400]);
      expect(res.text).toContain('入力内容を確認してください。');
      for (const m of messages) expect([values, res.text.includes(m)]).toEqual([values, true]);
      // what was typed stays in the form
      if (values.licensedBeds) expect(res.text).toContain(`value="${values.licensedBeds}"`);
    }
    expect(await profileRow()).toEqual(before);
    expect((await verifyAuditChain(ctx.db)).entries).toBe(entries);
  });

  it('can be viewed by an officer, read-only; their post is refused', async () => {
    const officer = await makeOfficer(ctx.db);
    const { agent, csrf } = await signIn(ctx.app, officer.employeeNo, officer.password);
    const page = await agent.get('/admin/hospital').expect(200);
    expect(page.text).toContain('value="守る記念病院"');
    expect(page.text).toMatch(/id="name"[^>]*readonly/);
    expect(page.text).not.toContain('type="submit" class="primary"');
    const before = await profileRow();
    await agent.post('/admin/hospital').type('form').send({ _csrf: csrf, name: '乗っ取り病院', licensedBeds: '1' }).expect(403);
    expect(await profileRow()).toEqual(before);
  });

  it('is closed to plain staff', async () => {
    const person = await makeStaff(ctx.db);
    const { agent, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
    await agent.get('/admin/hospital').expect(403);
    await agent.post('/admin/hospital').type('form').send({ _csrf: csrf, name: '乗っ取り病院', licensedBeds: '1' }).expect(403);
    expect((await profileRow())?.name).toBe('守る記念病院');
  });
});
