import { and, eq } from 'drizzle-orm';
import request from 'supertest';
import { auditLog, oneTimeTokens, staff } from '../../server/db/schema';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { makeAdmin, makeOfficer, makeStaff } from '../support/factories';

// Acts that hand out power over others ask for the acting administrator's own password: a
// password link for an officer or administrator, and granting either role. A session alone (left
// open, or a script running in it) cannot do them.

jest.setTimeout(30_000);

type Agent = ReturnType<typeof request.agent>;

let ctx: TestContext;
let admin: { agent: Agent; csrf: string; password: string; id: number };
let uniq = 0;

beforeAll(async () => {
  ctx = await createTestContext({ env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
  const a = await makeAdmin(ctx.db);
  admin = { ...(await signIn(ctx.app, a.employeeNo, a.password)), password: a.password, id: a.id };
});
afterAll(() => ctx.close());

const linksFor = async (staffId: number) => ctx.db.select().from(oneTimeTokens).where(eq(oneTimeTokens.staffId, staffId));
const refusals = async (subjectId: number | null) =>
  (
    await ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'account.reauth-refused'), eq(auditLog.actorId, admin.id)))
  ).filter((e) => subjectId === null || e.subjectId === String(subjectId));
const rolesOf = async (id: number) => [...(await ctx.db.select().from(staff).where(eq(staff.id, id)))[0]!.roles].sort();

function issueLink(staffId: number, currentPassword?: string) {
  return admin.agent
    .post(`/staff/${staffId}/password-link`)
    .type('form')
    .send({ _csrf: admin.csrf, ...(currentPassword === undefined ? {} : { currentPassword }) });
}

function form(values: Record<string, string | string[]>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) for (const item of Array.isArray(v) ? v : [v]) p.append(k, item);
  return p.toString();
}

describe('a password link', () => {
  it.each([
    ['an officer', makeOfficer],
    ['an administrator', makeAdmin],
  ])('for %s asks for the issuer’s password: missing or wrong issues nothing, right issues it', async (_who, make) => {
    const person = await make(ctx.db);

    const missing = await issueLink(person.id);
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('この操作には、あなた自身のパスワードの入力が必要です。');
    expect(missing.text).toContain('name="currentPassword"');
    const wrong = await issueLink(person.id, 'not-my-password');
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('パスワードが正しくありません。操作は行われていません。');
    expect(wrong.text).not.toContain('/password/');
    expect(await linksFor(person.id)).toHaveLength(0);
    const refused = await refusals(person.id);
    expect(refused.map((e) => (e.details as { reason: string }).reason).sort()).toEqual(['missing', 'wrong']);
    expect(refused.every((e) => (e.details as { attempted: string }).attempted === 'account.issue-password-link')).toBe(true);

    const right = await issueLink(person.id, admin.password);
    expect(right.status).toBe(200);
    expect(right.text).toMatch(/value="http[^"]+\/password\/[^"]+"/);
    expect(await linksFor(person.id)).toHaveLength(1);

    // A plain staff member's link needs none (and the page asks for none).
    const plain = await makeStaff(ctx.db, { password: null });
    const page = await admin.agent.get(`/staff/${plain.id}`).expect(200);
    expect(page.text).not.toContain('name="currentPassword"');
    await issueLink(plain.id).expect(200);
    expect(await linksFor(plain.id)).toHaveLength(1);
  });
});

describe('granting the officer or admin role', () => {
  const editValues = (p: { employeeNo: string; name: string }, roles: string[], currentPassword?: string) =>
    form({
      _csrf: admin.csrf,
      employeeNo: p.employeeNo,
      name: p.name,
      locale: 'ja',
      roles,
      ...(currentPassword === undefined ? {} : { currentPassword }),
    });

  it('on the edit form asks for the actor’s password: missing or wrong grants nothing, right grants', async () => {
    const person = await makeStaff(ctx.db);
    const edit = (roles: string[], password?: string) =>
      admin.agent
        .post(`/staff/${person.id}`)
        .type('form')
        .send(editValues(person, roles, password));

    const missing = await edit(['staff', 'officer']);
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('この操作には、あなた自身のパスワードの入力が必要です。');
    const wrong = await edit(['staff', 'admin'], 'not-my-password');
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('パスワードが正しくありません。操作は行われていません。');
    expect(wrong.text).not.toContain('not-my-password'); // the typed password is not echoed back
    expect(await rolesOf(person.id)).toEqual(['staff']);
    expect((await refusals(person.id)).map((e) => (e.details as { roles: string[] }).roles)).toEqual([['officer'], ['admin']]);

    await edit(['staff', 'officer'], admin.password).expect(303);
    expect(await rolesOf(person.id)).toEqual(['officer', 'staff']);

    // Editing an officer's other fields, taking a role away or granting manager asks for nothing.
    await admin.agent
      .post(`/staff/${person.id}`)
      .type('form')
      .send(editValues({ employeeNo: person.employeeNo, name: '改名 事務局' }, ['staff', 'officer']))
      .expect(303);
    await admin.agent
      .post(`/staff/${person.id}`)
      .type('form')
      .send(editValues(person, ['staff', 'manager']))
      .expect(303);
    expect(await rolesOf(person.id)).toEqual(['manager', 'staff']);
  });

  it('on the new-staff form asks for it too; nobody is created without it', async () => {
    const employeeNo = `RA${Date.now().toString(36)}${++uniq}`;
    const create = (password?: string) =>
      admin.agent
        .post('/staff')
        .type('form')
        .send(editValues({ employeeNo, name: '新任 管理者' }, ['staff', 'admin'], password));
    await create('not-my-password').expect(400);
    expect(await ctx.db.select().from(staff).where(eq(staff.employeeNo, employeeNo))).toHaveLength(0);
    const made = await create(admin.password).expect(303);
    const id = Number(/\/staff\/(\d+)$/.exec(made.headers.location!)![1]);
    expect(await rolesOf(id)).toEqual(['admin', 'staff']);
  });
});
