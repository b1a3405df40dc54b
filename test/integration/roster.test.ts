import { eq } from 'drizzle-orm';
import request from 'supertest';
import { historyOf, verifyAuditChain } from '../../server/compliance/audit/service';
import { departments, jobCategories, managerDepartments, staff } from '../../server/db/schema';
import { createTestContext, csrfFrom, signIn, type TestContext } from '../support/app';
import { makeAdmin, makeDepartment, makeJobCategory, makeOfficer, makeStaff } from '../support/factories';

// Each file opens its own database; on a busy 2-core machine that can outlast jest's 5 s default.
jest.setTimeout(30_000);

type Agent = ReturnType<typeof request.agent>;
type FormValue = string | number | string[] | number[] | undefined;

/** urlencoded with repeated keys for lists, the way a browser posts checkboxes. */
function form(values: Record<string, FormValue>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) p.append(k, String(item));
  }
  return p.toString();
}

const linksTo = (html: string, id: number) => html.includes(`href="/staff/${id}"`);
const staffIdsIn = (html: string) => [...html.matchAll(/href="\/staff\/(\d+)"/g)].map((m) => Number(m[1]));
const unescapeHtml = (s: string) => s.replace(/&amp;/g, '&');

let ctx: TestContext;
let admin: Agent;
let csrf: string;
let adminPassword: string;
let uniq = 0;
const u = () => `${Date.now().toString(36)}${++uniq}`;

beforeAll(async () => {
  ctx = await createTestContext({ env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
  const a = await makeAdmin(ctx.db);
  adminPassword = a.password;
  ({ agent: admin, csrf } = await signIn(ctx.app, a.employeeNo, a.password));
});
afterAll(() => ctx.close());

async function createViaForm(values: Record<string, FormValue>) {
  return admin
    .post('/staff')
    .type('form')
    .send(form({ _csrf: csrf, locale: 'ja', ...values }));
}

async function createdId(values: Record<string, FormValue>): Promise<number> {
  const res = await createViaForm(values);
  expect(res.status).toBe(303);
  const m = /^\/staff\/(\d+)$/.exec(res.headers.location ?? '');
  expect(m).not.toBeNull();
  return Number(m![1]);
}

describe('creating staff', () => {
  it('creates a staff member with roles and managed departments', async () => {
    const dept = await makeDepartment(ctx.db);
    const other = await makeDepartment(ctx.db);
    const job = await makeJobCategory(ctx.db);
    const no = `N${u()}`;
    const id = await createdId({
      employeeNo: no,
      name: '看護 花子',
      nameKana: 'かんご はなこ',
      email: `Hanako.${no}@Hospital.example.jp`,
      departmentId: dept.id,
      jobCategoryId: job.id,
      roles: ['manager', 'officer'],
      managedDepartmentIds: [dept.id, other.id],
      locale: 'en',
      hiredOn: '2024-04-01',
      currentPassword: adminPassword, // granting the officer role asks for the administrator's own password
    });
    const [row] = await ctx.db.select().from(staff).where(eq(staff.id, id));
    expect(row).toMatchObject({
      employeeNo: no,
      name: '看護 花子',
      nameKana: 'かんご はなこ',
      email: `hanako.${no}@hospital.example.jp`.toLowerCase(),
      departmentId: dept.id,
      jobCategoryId: job.id,
      locale: 'en',
      hiredOn: '2024-04-01',
      retiredOn: null,
      passwordHash: null,
    });
    expect([...row!.roles].sort()).toEqual(['manager', 'officer', 'staff']);
    const managed = await ctx.db.select().from(managerDepartments).where(eq(managerDepartments.staffId, id));
    expect(managed.map((m) => m.departmentId).sort((a, b) => a - b)).toEqual([dept.id, other.id].sort((a, b) => a - b));

    const page = await admin.get(`/staff/${id}`).expect(200);
    expect(page.text).toContain('職員を登録しました。');
    expect(page.text).toContain('看護 花子');
    expect(page.text).toContain(dept.name);
    expect(page.text).toContain(job.name);
  });

  it('re-renders the form with field messages when the input is invalid', async () => {
    const res = await createViaForm({
      employeeNo: 'has space!',
      name: '   ',
      email: 'not-an-email',
      hiredOn: '2024-13-45',
      nameKana: 'そのまま残る',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('入力内容を確認してください。');
    expect(res.text).toContain('職員番号は半角英数字・ハイフン・アンダースコアで入力してください。');
    expect(res.text).toContain('入力してください。');
    expect(res.text).toContain('メールアドレスの形式が正しくありません。');
    expect(res.text).toContain('日付は YYYY-MM-DD の形式で入力してください。');
    expect(res.text).toMatch(/id="employeeNo-error"/);
    expect(res.text).toMatch(/id="email-error"/);
    // what was typed is kept
    expect(res.text).toContain('value="そのまま残る"');
    expect(res.text).toContain('value="not-an-email"');
  });

  it('refuses a duplicate employee number with a message', async () => {
    const existing = await makeStaff(ctx.db);
    const before = (await ctx.db.select().from(staff)).length;
    const res = await createViaForm({ employeeNo: existing.employeeNo, name: '重複 太郎' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('この職員番号はすでに登録されています。');
    expect((await ctx.db.select().from(staff)).length).toBe(before);
  });

  it('normalises a full-width employee number, so it collides with the half-width one', async () => {
    const existing = await makeStaff(ctx.db, { employeeNo: `W${u()}`.toUpperCase() });
    const fullWidth = existing.employeeNo.replace(/[0-9A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    const res = await createViaForm({ employeeNo: fullWidth, name: '全角 太郎' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('この職員番号はすでに登録されています。');
  });
});

describe('editing, retiring and reinstating', () => {
  it('edits a record, retires and reinstates it, and audits each step with before/after', async () => {
    const dept = await makeDepartment(ctx.db);
    const no = `R${u()}`;
    const id = await createdId({ employeeNo: no, name: '編集 前子', departmentId: dept.id });

    const edit = await admin.get(`/staff/${id}/edit`).expect(200);
    expect(edit.text).toContain('value="編集 前子"');
    expect(edit.text).toContain(`value="${no}"`);
    await admin
      .post(`/staff/${id}`)
      .type('form')
      .send(form({ _csrf: csrf, employeeNo: no, name: '編集 後子', nameKana: 'へんしゅう あとこ', departmentId: dept.id, locale: 'ja' }))
      .expect(303)
      .expect('location', `/staff/${id}`);
    const shown = await admin.get(`/staff/${id}`).expect(200);
    expect(shown.text).toContain('職員情報を更新しました。');
    expect(shown.text).toContain('編集 後子');

    const badEdit = await admin
      .post(`/staff/${id}`)
      .type('form')
      .send(form({ _csrf: csrf, employeeNo: no, name: '' }));
    expect(badEdit.status).toBe(400);
    expect(badEdit.text).toContain('入力してください。');

    const badRetire = await admin
      .post(`/staff/${id}/retire`)
      .type('form')
      .send(form({ _csrf: csrf, retiredOn: 'yesterday' }));
    expect(badRetire.status).toBe(400);
    expect((await ctx.db.select().from(staff).where(eq(staff.id, id)))[0]!.retiredOn).toBeNull();

    await admin
      .post(`/staff/${id}/retire`)
      .type('form')
      .send(form({ _csrf: csrf, retiredOn: '2024-03-31' }))
      .expect(303);

    const history = await historyOf(ctx.db, 'staff', id);
    const byAction = new Map(
      history.map((h) => [h.action, h.details as { before?: Record<string, unknown> | null; after?: Record<string, unknown> }]),
    );
    expect(byAction.get('staff.create')?.after).toMatchObject({
      employeeNo: no,
      name: '編集 前子',
      department: dept.name,
      retiredOn: null,
    });
    expect(byAction.get('staff.update')).toEqual({
      before: { name: '編集 前子', nameKana: null },
      after: { name: '編集 後子', nameKana: 'へんしゅう あとこ' },
    });
    expect(byAction.get('staff.retire')).toEqual({ before: { retiredOn: null }, after: { retiredOn: '2024-03-31' } });
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);

    await admin
      .post(`/staff/${id}/reinstate`)
      .type('form')
      .send(form({ _csrf: csrf }))
      .expect(303);
    const after = await historyOf(ctx.db, 'staff', id);
    expect(after[0]).toMatchObject({
      action: 'staff.reinstate',
      details: { before: { retiredOn: '2024-03-31' }, after: { retiredOn: null } },
    });
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
  });

  it('moves a retired person out of the active list, stops their login, and brings them back on reinstatement', async () => {
    const person = await makeStaff(ctx.db, { name: `退職 ${u()}` });
    const search = (status?: string) => admin.get('/staff').query({ q: person.employeeNo, ...(status ? { status } : {}) });
    expect(linksTo((await search()).text, person.id)).toBe(true);

    await admin
      .post(`/staff/${person.id}/retire`)
      .type('form')
      .send(form({ _csrf: csrf, retiredOn: '2024-03-31' }))
      .expect(303);
    const active = await search().expect(200);
    expect(linksTo(active.text, person.id)).toBe(false);
    expect(active.text).toContain('条件に合う職員はいません。');
    expect(linksTo((await search('retired')).text, person.id)).toBe(true);
    expect(linksTo((await search('all')).text, person.id)).toBe(true);

    const visitor = request.agent(ctx.app);
    const login = await visitor.get('/login');
    await visitor
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(login.text), identifier: person.employeeNo, password: person.password })
      .expect(401);

    await admin
      .post(`/staff/${person.id}/reinstate`)
      .type('form')
      .send(form({ _csrf: csrf }))
      .expect(303);
    expect(linksTo((await search()).text, person.id)).toBe(true);
    expect(linksTo((await search('retired')).text, person.id)).toBe(false);
    await signIn(ctx.app, person.employeeNo, person.password);
  });

  it('has no delete route: the record stays', async () => {
    const person = await makeStaff(ctx.db);
    await admin.delete(`/staff/${person.id}`).set('x-csrf-token', csrf).expect(404);
    await admin
      .post(`/staff/${person.id}/delete`)
      .type('form')
      .send(form({ _csrf: csrf }))
      .expect(404);
    expect(await ctx.db.select().from(staff).where(eq(staff.id, person.id))).toHaveLength(1);
  });

  it('answers 404 for an id that is not a number or does not exist', async () => {
    await admin.get('/staff/abc').expect(404);
    await admin.get('/staff/2147483647').expect(404);
    await admin.get('/staff/99999999999').expect(404);
  });
});

describe('people who are signed in', () => {
  // Viewers are cached for a few seconds per instance; a roster change made here must not wait for that.
  it('see a role change and their retirement on their next request', async () => {
    const officer = await makeOfficer(ctx.db);
    const session = await signIn(ctx.app, officer.employeeNo, officer.password);
    await session.agent.get('/staff').expect(200);

    await admin
      .post(`/staff/${officer.id}`)
      .type('form')
      .send(form({ _csrf: csrf, employeeNo: officer.employeeNo, name: officer.name, locale: 'ja', roles: ['staff'] }))
      .expect(303);
    await session.agent.get('/staff').expect(403);

    await admin
      .post(`/staff/${officer.id}/retire`)
      .type('form')
      .send(form({ _csrf: csrf, retiredOn: '2024-03-31' }))
      .expect(303);
    const gone = await session.agent.get('/account');
    expect(gone.status).toBe(303);
    expect(gone.headers.location).toBe('/login');
  });
});

describe('the list', () => {
  it('searches by name, kana, employee number and email', async () => {
    const tag = u();
    const target = await makeStaff(ctx.db, {
      employeeNo: `SRCH${tag}`,
      name: `検索対象${tag}`,
      email: `findme.${tag}@hospital.example.jp`,
    });
    await ctx.db
      .update(staff)
      .set({ nameKana: `けんさく${tag}` })
      .where(eq(staff.id, target.id));
    const bystander = await makeStaff(ctx.db);
    for (const q of [`検索対象${tag}`, `けんさく${tag}`, `srch${tag}`, `FINDME.${tag}`]) {
      const res = await admin.get('/staff').query({ q }).expect(200);
      expect([q, linksTo(res.text, target.id)]).toEqual([q, true]);
      expect(linksTo(res.text, bystander.id)).toBe(false);
    }
    // LIKE wildcards are taken literally
    const wild = await admin.get('/staff').query({ q: '%' }).expect(200);
    expect(linksTo(wild.text, target.id)).toBe(false);
  });

  it('filters by department, job category, role and status', async () => {
    const dept = await makeDepartment(ctx.db);
    const job = await makeJobCategory(ctx.db);
    const inDept = await makeStaff(ctx.db, { departmentId: dept.id });
    const inJob = await makeStaff(ctx.db, { jobCategoryId: job.id });
    const manager = await makeStaff(ctx.db, { departmentId: dept.id, roles: ['staff', 'manager'] });
    const retired = await makeStaff(ctx.db, { departmentId: dept.id, retiredOn: '2023-03-31' });

    const byDept = (await admin.get('/staff').query({ department: dept.id }).expect(200)).text;
    expect(staffIdsIn(byDept).sort()).toEqual([inDept.id, manager.id].sort());
    const byJob = (await admin.get('/staff').query({ jobCategory: job.id }).expect(200)).text;
    expect(staffIdsIn(byJob)).toEqual([inJob.id]);
    const byRole = (await admin.get('/staff').query({ department: dept.id, role: 'manager' }).expect(200)).text;
    expect(staffIdsIn(byRole)).toEqual([manager.id]);
    const retiredOnly = (await admin.get('/staff').query({ department: dept.id, status: 'retired' }).expect(200)).text;
    expect(staffIdsIn(retiredOnly)).toEqual([retired.id]);
    const everyone = (await admin.get('/staff').query({ department: dept.id, status: 'all' }).expect(200)).text;
    expect(staffIdsIn(everyone).sort()).toEqual([inDept.id, manager.id, retired.id].sort());
  });

  it('pages through 63 staff: page 2 has the rest, and the next link keeps the filter', async () => {
    const dept = await makeDepartment(ctx.db);
    const job = await makeJobCategory(ctx.db);
    const made: number[] = [];
    for (let i = 0; i < 63; i++) made.push((await makeStaff(ctx.db, { departmentId: dept.id, jobCategoryId: job.id })).id);

    const first = await admin.get('/staff').query({ department: dept.id }).expect(200);
    const page1 = staffIdsIn(first.text);
    expect(page1).toHaveLength(50);
    expect(first.text).toContain('63人中 1–50人目');
    const next = /<a href="([^"]+)" rel="next">/.exec(first.text)?.[1];
    expect(next).toBeDefined();
    const nextUrl = new URL(unescapeHtml(next!), 'http://x');
    expect(nextUrl.searchParams.get('department')).toBe(String(dept.id));
    expect(nextUrl.searchParams.get('page')).toBe('2');

    const second = await admin.get(nextUrl.pathname + nextUrl.search).expect(200);
    const page2 = staffIdsIn(second.text);
    expect(page2).toHaveLength(13);
    expect(second.text).toContain('63人中 51–63人目');
    expect(second.text).not.toMatch(/rel="next"/);
    expect([...page1, ...page2].sort((a, b) => a - b)).toEqual([...made].sort((a, b) => a - b));
  });
});

describe('HTML in names', () => {
  it('is shown escaped on the list, the detail page and the edit form', async () => {
    const evil = `<script>alert("x")</script><b>${u()}</b>`;
    const person = await makeStaff(ctx.db, { name: evil });
    await ctx.db.update(staff).set({ nameKana: '<img src=x onerror=alert(1)>' }).where(eq(staff.id, person.id));
    const pages = [
      (await admin.get('/staff').query({ q: person.employeeNo }).expect(200)).text,
      (await admin.get(`/staff/${person.id}`).expect(200)).text,
      (await admin.get(`/staff/${person.id}/edit`).expect(200)).text,
    ];
    for (const html of pages) {
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('<b>');
      expect(html).toContain('&lt;script&gt;alert(');
    }
  });
});

describe('scoping', () => {
  it("shows a manager their departments' staff only, and answers 404 for anyone else", async () => {
    const a = await makeDepartment(ctx.db);
    const b = await makeDepartment(ctx.db);
    const inA = await makeStaff(ctx.db, { departmentId: a.id, name: `所属A ${u()}` });
    const inB = await makeStaff(ctx.db, { departmentId: b.id, name: `所属B ${u()}` });
    const manager = await makeStaff(ctx.db, { departmentId: a.id, roles: ['staff', 'manager'], manages: [a.id] });
    const { agent } = await signIn(ctx.app, manager.employeeNo, manager.password);

    const list = await agent.get('/staff').query({ status: 'all' }).expect(200);
    expect(linksTo(list.text, inA.id)).toBe(true);
    expect(linksTo(list.text, inB.id)).toBe(false);
    const listB = await agent.get('/staff').query({ department: b.id }).expect(200);
    expect(linksTo(listB.text, inB.id)).toBe(false);
    const searchB = await agent.get('/staff').query({ q: inB.employeeNo }).expect(200);
    expect(linksTo(searchB.text, inB.id)).toBe(false);

    await agent.get(`/staff/${inA.id}`).expect(200);
    const hidden = await agent.get(`/staff/${inB.id}`);
    expect(hidden.status).toBe(404);
    expect(hidden.text).toContain('お探しのページまたは記録は見つかりませんでした。');
    expect(hidden.text).not.toContain(inB.name);

    const csv = await agent.get('/staff/export.csv').expect(200);
    expect(csv.text).toContain(inA.employeeNo);
    expect(csv.text).not.toContain(inB.employeeNo);
    expect(csv.text).not.toContain(inB.name);

    // a manager reads; writing stays with administrators
    await agent.get(`/staff/${inA.id}/edit`).expect(403);
  });

  it('lets an officer see everyone but not create staff', async () => {
    const officer = await makeOfficer(ctx.db);
    const someone = await makeStaff(ctx.db);
    const { agent, csrf: officerCsrf } = await signIn(ctx.app, officer.employeeNo, officer.password);
    const list = await agent.get('/staff').query({ q: someone.employeeNo }).expect(200);
    expect(linksTo(list.text, someone.id)).toBe(true);
    await agent.get(`/staff/${someone.id}`).expect(200);
    expect((await agent.get('/staff/export.csv').expect(200)).text).toContain(someone.employeeNo);
    const before = (await ctx.db.select().from(staff)).length;
    await agent
      .post('/staff')
      .type('form')
      .send(form({ _csrf: officerCsrf, employeeNo: `O${u()}`, name: '作れない' }))
      .expect(403);
    await agent
      .post(`/staff/${someone.id}/retire`)
      .type('form')
      .send(form({ _csrf: officerCsrf, retiredOn: '2024-03-31' }))
      .expect(403);
    expect((await ctx.db.select().from(staff)).length).toBe(before);
  });

  it('keeps plain staff out of the roster', async () => {
    const person = await makeStaff(ctx.db);
    const { agent } = await signIn(ctx.app, person.employeeNo, person.password);
    await agent.get('/staff').expect(403);
    await agent.get('/staff/export.csv').expect(403);
    await agent.get(`/staff/${person.id}`).expect(403);
  });
});

describe('departments and job categories', () => {
  it('adds, renames and refuses a duplicate department name', async () => {
    const name = `外科${u()}`;
    await admin
      .post('/admin/departments')
      .type('form')
      .send(form({ _csrf: csrf, name, sortOrder: 5 }))
      .expect(303);
    const [row] = await ctx.db.select().from(departments).where(eq(departments.name, name));
    expect(row).toMatchObject({ name, sortOrder: 5 });
    const page = await admin.get('/admin/departments').expect(200);
    expect(page.text).toContain(`value="${name}"`);

    const renamed = `${name}・改`;
    await admin
      .post(`/admin/departments/${row!.id}`)
      .type('form')
      .send(form({ _csrf: csrf, name: renamed, sortOrder: 5 }))
      .expect(303);
    expect((await ctx.db.select().from(departments).where(eq(departments.id, row!.id)))[0]!.name).toBe(renamed);

    const other = await makeDepartment(ctx.db);
    const dupAdd = await admin
      .post('/admin/departments')
      .type('form')
      .send(form({ _csrf: csrf, name: renamed }));
    expect(dupAdd.status).toBe(400);
    expect(dupAdd.text).toContain('この名前はすでに使われています。');
    const dupRename = await admin
      .post(`/admin/departments/${other.id}`)
      .type('form')
      .send(form({ _csrf: csrf, name: renamed }));
    expect(dupRename.status).toBe(400);
    expect(dupRename.text).toContain('この名前はすでに使われています。');
    expect((await ctx.db.select().from(departments).where(eq(departments.id, other.id)))[0]!.name).toBe(other.name);

    const empty = await admin
      .post('/admin/departments')
      .type('form')
      .send(form({ _csrf: csrf, name: '  ' }));
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('入力してください。');
    await admin
      .post('/admin/departments/999999')
      .type('form')
      .send(form({ _csrf: csrf, name: `x${u()}` }))
      .expect(404);

    const audit = await historyOf(ctx.db, 'department', row!.id);
    expect(audit.map((h) => h.action).sort()).toEqual(['department.create', 'department.update']);
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
  });

  it('adds and renames a job category with its English name; a duplicate is refused', async () => {
    const name = `薬剤師${u()}`;
    await admin
      .post('/admin/job-categories')
      .type('form')
      .send(form({ _csrf: csrf, name, nameEn: 'Pharmacist' }))
      .expect(303);
    const page = await admin.get('/admin/departments').expect(200);
    expect(page.text).toContain(`value="${name}"`);
    const [row] = await ctx.db.select().from(jobCategories).where(eq(jobCategories.name, name));
    expect(row).toMatchObject({ name, nameEn: 'Pharmacist' });
    const id = row!.id;
    await admin
      .post(`/admin/job-categories/${id}`)
      .type('form')
      .send(form({ _csrf: csrf, name: `${name}2`, nameEn: 'Pharmacist 2' }))
      .expect(303);
    expect((await admin.get('/admin/departments')).text).toContain(`value="${name}2"`);
    const dup = await admin
      .post('/admin/job-categories')
      .type('form')
      .send(form({ _csrf: csrf, name: `${name}2` }));
    expect(dup.status).toBe(400);
    expect(dup.text).toContain('この名前はすでに使われています。');
  });

  it('is for administrators only', async () => {
    const officer = await makeOfficer(ctx.db);
    const { agent, csrf: officerCsrf } = await signIn(ctx.app, officer.employeeNo, officer.password);
    await agent.get('/admin/departments').expect(403);
    await agent
      .post('/admin/departments')
      .type('form')
      .send(form({ _csrf: officerCsrf, name: `x${u()}` }))
      .expect(403);
  });
});
