import request from 'supertest';
import { issueSetupLinkIfNeeded } from '../../server/auth/service';
import { createTestContext, csrfFrom, signIn, type TestContext } from '../support/app';
import { makeAdmin, makeStaff } from '../support/factories';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());

async function loginPage(agent: ReturnType<typeof request.agent>) {
  const page = await agent.get('/login').expect(200);
  return csrfFrom(page.text);
}

describe('login', () => {
  it('signs in by employee number and by email, and regenerates the session id', async () => {
    const person = await makeStaff(ctx.db);
    const agent = request.agent(ctx.app);
    const before = await agent.get('/login').expect(200);
    const preLoginCookie = before.headers['set-cookie']?.[0]?.split(';')[0];
    expect(preLoginCookie).toMatch(/^mamoru\.sid=/);
    const res = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(before.text), identifier: person.employeeNo, password: person.password })
      .expect(303);
    expect(res.headers.location).toBe('/');
    const postLoginCookie = res.headers['set-cookie']?.[0]?.split(';')[0];
    expect(postLoginCookie).toMatch(/^mamoru\.sid=/);
    expect(postLoginCookie).not.toBe(preLoginCookie);
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain(person.name);

    await signIn(ctx.app, person.email!.toUpperCase(), person.password);
  });

  it('refuses a wrong password with a clear message and no session', async () => {
    const person = await makeStaff(ctx.db);
    const agent = request.agent(ctx.app);
    const csrf = await loginPage(agent); // before building the post: the agent attaches cookies then
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, identifier: person.employeeNo, password: 'wrong-password!' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('パスワードが正しくありません');
    await agent.get('/').expect(302).expect('location', '/login');
  });

  it('gives the same answer for an unknown account', async () => {
    const agent = request.agent(ctx.app);
    const csrf = await loginPage(agent); // before building the post: the agent attaches cookies then
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, identifier: 'NOBODY', password: 'whatever-123' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('パスワードが正しくありません');
  });

  it('holds an identifier back for a moment after five failures, even with the right password then, and never locks it', async () => {
    const person = await makeStaff(ctx.db);
    const agent = request.agent(ctx.app);
    const csrf = await loginPage(agent);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await agent
        .post('/login')
        .type('form')
        .send({ _csrf: csrf, identifier: person.employeeNo, password: `bad-${i}-password` });
      statuses.push(r.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const held = await agent.post('/login').type('form').send({ _csrf: csrf, identifier: person.employeeNo, password: person.password });
    expect(held.status).toBe(429);
    expect(held.text).toMatch(/秒後にもう一度お試しください/);
    expect(held.text).not.toMatch(/ロック/);
    // That the delay passes and grows, and who it holds back, test/integration/account-throttle.test.ts shows on the app's clock.
  });

  it('does not let retired staff sign in', async () => {
    const person = await makeStaff(ctx.db, { retiredOn: '2020-03-31' });
    const agent = request.agent(ctx.app);
    const csrf = await loginPage(agent); // before building the post: the agent attaches cookies then
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, identifier: person.employeeNo, password: person.password });
    expect(res.status).toBe(401);
  });

  it('rejects a login post without a CSRF token', async () => {
    const person = await makeStaff(ctx.db);
    const agent = request.agent(ctx.app);
    await agent.get('/login');
    const res = await agent.post('/login').type('form').send({ identifier: person.employeeNo, password: person.password });
    expect(res.status).toBe(403);
    expect(res.text).toContain('フォームの有効期限が切れたか');
  });

  it('logs out and forgets the session', async () => {
    const person = await makeStaff(ctx.db);
    const { agent, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
    await agent.post('/logout').type('form').send({ _csrf: csrf }).expect(303);
    await agent.get('/').expect(302).expect('location', '/login');
  });
});

describe('per-IP throttling', () => {
  it('answers 429 with a message once an address has tried too often', async () => {
    const limited = await createTestContext({ env: { LOGIN_RATE_LIMIT_PER_15MIN: '3' } });
    try {
      const agent = request.agent(limited.app);
      const csrf = csrfFrom((await agent.get('/login')).text);
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        codes.push(
          (
            await agent
              .post('/login')
              .type('form')
              .send({ _csrf: csrf, identifier: `X${i}`, password: 'nope-nope-nope' })
          ).status,
        );
      }
      expect(codes).toEqual([401, 401, 401, 429]);
      const last = await agent.post('/login').type('form').send({ _csrf: csrf, identifier: 'X', password: 'nope-nope-nope' });
      expect(last.text).toContain('この端末からのログイン試行が多すぎます');
    } finally {
      await limited.close();
    }
  });
});

describe('first administrator and password links', () => {
  it('creates the first admin through the one-time setup link, which then stops working', async () => {
    const fresh = await createTestContext();
    try {
      const token = await issueSetupLinkIfNeeded(fresh.db, new Date());
      expect(token).toBeDefined();
      const agent = request.agent(fresh.app);
      const form = await agent.get(`/setup/${token}`).expect(200);
      const bad = await agent
        .post(`/setup/${token}`)
        .type('form')
        .send({ _csrf: csrfFrom(form.text), employeeNo: 'A1', name: '管理 太郎', password: 'short', passwordConfirm: 'short' });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('10文字以上');
      const ok = await agent
        .post(`/setup/${token}`)
        .type('form')
        .send({
          _csrf: csrfFrom(form.text),
          employeeNo: 'A1',
          name: '管理 太郎',
          password: 'first-admin-pass',
          passwordConfirm: 'first-admin-pass',
        });
      expect(ok.status).toBe(303);
      expect(ok.headers.location).toBe('/admin/hospital');
      await agent.get('/admin/hospital').expect(200);
      expect(await issueSetupLinkIfNeeded(fresh.db, new Date())).toBeUndefined();
      await request(fresh.app).get(`/setup/${token}`).expect(410);
      await signIn(fresh.app, 'A1', 'first-admin-pass');
    } finally {
      await fresh.close();
    }
  });

  it('lets a staff member set a password through an admin-issued link, once', async () => {
    const admin = await makeAdmin(ctx.db);
    const person = await makeStaff(ctx.db, { password: null });
    const { agent, csrf } = await signIn(ctx.app, admin.employeeNo, admin.password);
    const issued = await agent.post(`/staff/${person.id}/password-link`).type('form').send({ _csrf: csrf }).expect(200);
    const link = /value="(http[^"]+\/password\/[^"]+)"/.exec(issued.text)![1]!;
    const path = new URL(link).pathname;

    const visitor = request.agent(ctx.app);
    const form = await visitor.get(path).expect(200);
    expect(form.text).toContain(person.name);
    await visitor
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), password: 'my-new-password', passwordConfirm: 'my-new-password' })
      .expect(303);
    await visitor.get(path).expect(410);
    await signIn(ctx.app, person.employeeNo, 'my-new-password');
  });

  it('changes the own password only with the current one', async () => {
    const person = await makeStaff(ctx.db);
    const { agent, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
    const wrong = await agent
      .post('/account/password')
      .type('form')
      .send({ _csrf: csrf, currentPassword: 'not-it-at-all', password: 'brand-new-pass', passwordConfirm: 'brand-new-pass' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('現在のパスワードが正しくありません');
    await agent
      .post('/account/password')
      .type('form')
      .send({ _csrf: csrf, currentPassword: person.password, password: 'brand-new-pass', passwordConfirm: 'brand-new-pass' })
      .expect(303);
    await signIn(ctx.app, person.employeeNo, 'brand-new-pass');
  });
});
