import { eq } from 'drizzle-orm';
import request from 'supertest';
import { onAccountSignedOut } from '../../server/auth/events';
import { jobCategories, sessions, staff } from '../../server/db/schema';
import { createTestContext, csrfFrom, signIn, type TestContext } from '../support/app';
import { makeAdmin, makeDepartment, makeStaff } from '../support/factories';

// Issue 13, step 12: the roster's papercuts, each through the real app and database.

jest.setTimeout(60_000);

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

type Agent = ReturnType<typeof request.agent>;

async function adminSession() {
  const admin = await makeAdmin(ctx.db);
  return signIn(ctx.app, admin.employeeNo, admin.password);
}

async function upload(agent: Agent, csrf: string, bytes: Buffer): Promise<string> {
  const res = await agent
    .post('/staff/import')
    .set('x-csrf-token', csrf)
    .field('encoding', 'auto')
    .attach('file', bytes, { filename: 'roster.csv', contentType: 'text/csv' })
    .expect(303);
  return String(res.headers.location);
}

const countOf = (html: string, kind: string) => Number(new RegExp(`class="count-${kind}"><dt>[^<]*</dt><dd>([\\d,]+)</dd>`).exec(html)![1]);

describe('the roster CSV template', () => {
  it('names only the seeded job categories, so importing it as it comes creates none', async () => {
    const { agent, csrf } = await adminSession();
    const template = await agent.get('/staff/import/template.csv').expect(200);
    const seeded = (await ctx.db.select({ name: jobCategories.name }).from(jobCategories)).map((j) => j.name);
    const column = template.text
      .replace(/^\uFEFF/, '')
      .split('\r\n')
      .slice(1)
      .filter(Boolean)
      .map((line) => line.split(',')[5]!);
    expect(column).toEqual(['看護師', '事務職']);
    for (const name of column) expect(seeded).toContain(name);

    const preview = (await agent.get(await upload(agent, csrf, Buffer.from(template.text, 'utf8'))).expect(200)).text;
    expect(preview).not.toContain('新しく作成される職種');
  });
});

describe('the import summary', () => {
  it('counts a row created as retired among the retirements, in the preview and once applied', async () => {
    const { agent, csrf } = await adminSession();
    const csv = [
      '職員番号,氏名,所属,職種,入職日,退職日',
      'PC-001,退職 済子,総務課,事務職,2010-04-01,2025-03-31',
      'PC-002,在職 太郎,総務課,事務職,2012-04-01,',
    ].join('\r\n');
    const previewPath = await upload(agent, csrf, Buffer.from(csv, 'utf8'));
    const preview = (await agent.get(previewPath).expect(200)).text;
    expect(countOf(preview, 'create')).toBe(2);
    expect(countOf(preview, 'retire')).toBe(1);
    // The retirements shown are those counted.
    const retiring = (await agent.get(previewPath).query({ show: 'retire' }).expect(200)).text;
    expect(retiring).toContain('PC-001');
    expect(retiring).not.toContain('PC-002');

    await agent.post(`${previewPath}/apply`).type('form').send({ _csrf: csrf }).expect(303);
    const list = await agent.get('/staff').expect(200);
    expect(list.text).toContain('新規 2 人、更新 0 人、退職 1 人');
  });
});

describe("a department head's roster", () => {
  it('offers only their own departments in the department filter', async () => {
    const mine = await makeDepartment(ctx.db);
    const alsoMine = await makeDepartment(ctx.db);
    const other = await makeDepartment(ctx.db);
    const head = await makeStaff(ctx.db, { departmentId: mine.id, roles: ['staff', 'manager'], manages: [mine.id, alsoMine.id] });
    const { agent } = await signIn(ctx.app, head.employeeNo, head.password);
    const page = (await agent.get('/staff').expect(200)).text;
    const select = /<select id="department" name="department">([\s\S]*?)<\/select>/.exec(page)![1]!;
    const offered = [...select.matchAll(/<option value="(\d+)"/g)].map((m) => Number(m[1])).sort();
    expect(offered).toEqual([mine.id, alsoMine.id].sort());
    expect(select).not.toContain(other.name);

    // An administrator still sees them all.
    const { agent: admin } = await adminSession();
    const all = (await admin.get('/staff').expect(200)).text;
    expect(all).toContain(`<option value="${other.id}"`);
  });
});

describe('setting a password from a link', () => {
  async function linkFor(personId: number): Promise<string> {
    const { agent, csrf } = await adminSession();
    const issued = await agent.post(`/staff/${personId}/password-link`).type('form').send({ _csrf: csrf }).expect(200);
    return new URL(/value="(http[^"]+\/password\/[^"]+)"/.exec(issued.text)![1]!).pathname;
  }
  const sessionCookie = (res: request.Response) =>
    ([] as string[])
      .concat(res.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('mamoru.sid='))
      ?.split(';')[0];

  it('signs the person in, in a new session, and ends their other sessions', async () => {
    const person = await makeStaff(ctx.db);
    const { agent: elsewhere } = await signIn(ctx.app, person.employeeNo, person.password);
    const path = await linkFor(person.id);

    const visitor = request.agent(ctx.app);
    const form = await visitor.get(path).expect(200);
    const before = sessionCookie(form);
    const set = await visitor
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), password: 'signed-in-at-once', passwordConfirm: 'signed-in-at-once' })
      .expect(303);
    expect(set.headers.location).toBe('/');
    const after = sessionCookie(set);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);

    const home = await visitor.get('/').expect(200);
    expect(home.text).toContain(`class="account-link">${person.name}<`);
    expect(home.text).toContain('パスワードを設定しました。ログインしています。');
    await visitor.get('/account').expect(200);
    const [row] = await ctx.db.select({ lastLoginAt: staff.lastLoginAt }).from(staff).where(eq(staff.id, person.id));
    expect(row!.lastLoginAt).not.toBeNull();

    // The session opened with the old password is gone; only the new one is the person's.
    await elsewhere.get('/account').expect(303);
    const theirs = (await ctx.db.select().from(sessions)).filter(
      (s) => (s.sess as { passport?: { user?: number } }).passport?.user === person.id,
    );
    expect(theirs).toHaveLength(1);
  });

  it('replaces a session signed in as someone else with the holder’s', async () => {
    const person = await makeStaff(ctx.db, { password: null });
    const bystander = await makeStaff(ctx.db);
    const path = await linkFor(person.id);
    const { agent } = await signIn(ctx.app, bystander.employeeNo, bystander.password);
    const told: [number, string | undefined][] = [];
    const stop = onAccountSignedOut((staffId, _now, scope) => void told.push([staffId, scope.loginSessionId]));
    const form = await agent.get(path).expect(200);
    try {
      await agent
        .post(path)
        .type('form')
        .send({ _csrf: csrfFrom(form.text), password: 'now-it-is-mine-1', passwordConfirm: 'now-it-is-mine-1' })
        .expect(303);
    } finally {
      stop();
    }
    // The bystander's login session ended as at a logout (their course launches in it end too).
    expect(told).toContainEqual([bystander.id, expect.any(String)]);
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain(`class="account-link">${person.name}<`);
    expect(home.text).not.toContain(`class="account-link">${bystander.name}<`);
  });
});
