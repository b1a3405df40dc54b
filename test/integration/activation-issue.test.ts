import { and, desc, eq, inArray } from 'drizzle-orm';
import request from 'supertest';
import { activationInvitations, auditLog, hospital, outbox, staff } from '../../server/db/schema';
import { createTestContext, csrfFrom, signIn, type TestContext } from '../support/app';
import { makeAdmin, makeDepartment, makeOfficer, makeStaff } from '../support/factories';

// Bulk activation against the real app and database: who is listed as activated, what an issue
// writes (invitation mails in the outbox, slips on the print page, audit entries without links),
// the officer's password for privileged accounts, and replacing earlier invitations.

jest.setTimeout(60_000);

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

type Agent = ReturnType<typeof request.agent>;

async function officerSession() {
  const officer = await makeOfficer(ctx.db);
  return { officer, ...(await signIn(ctx.app, officer.employeeNo, officer.password)) };
}

/** A department with one activated person, one to mail and one without an address. */
async function ward() {
  const dept = await makeDepartment(ctx.db);
  const activated = await makeStaff(ctx.db, { departmentId: dept.id });
  await ctx.db.update(staff).set({ lastLoginAt: new Date() }).where(eq(staff.id, activated.id));
  const mailed = await makeStaff(ctx.db, { departmentId: dept.id, password: null });
  const paper = await makeStaff(ctx.db, { departmentId: dept.id, password: null, email: null });
  const retired = await makeStaff(ctx.db, { departmentId: dept.id, password: null, email: null, retiredOn: '2020-03-31' });
  return { dept, activated, mailed, paper, retired };
}

const issue = (agent: Agent, csrf: string, form: Record<string, string | number>) =>
  agent
    .post('/activation/issue')
    .type('form')
    .send({ _csrf: csrf, ...form });

async function mailsTo(staffId: number) {
  const rows = await ctx.db.select().from(outbox).where(eq(outbox.kind, 'mail.send')).orderBy(desc(outbox.id));
  return rows.map((r) => r.payload as Record<string, unknown>).filter((p) => p.staffId === staffId);
}

const slipLinks = (html: string) => [...html.matchAll(/<p class="slip-url">([^<]+)<\/p>/g)].map((m) => m[1]!);
const pathOf = (link: string) => new URL(link).pathname;

describe('the activation page', () => {
  it('lists who has and has not activated, with the totals of the department chosen', async () => {
    const { dept, activated, mailed, paper, retired } = await ward();
    const { agent } = await officerSession();
    const page = (await agent.get('/activation').query({ department: dept.id }).expect(200)).text;
    expect(page).toContain(activated.name);
    expect(page).toContain(mailed.name);
    expect(page).toContain(paper.name);
    expect(page).not.toContain(retired.name);
    const states = [...page.matchAll(/<tr data-state="(\w+)">/g)].map((m) => m[1]).sort();
    expect(states).toEqual(['activated', 'none', 'none']);
    const counts = [...page.matchAll(/<div><dt>([^<]+)<\/dt><dd>(\d+)<\/dd><\/div>/g)].map((m) => [m[1], Number(m[2])]);
    expect(counts).toEqual([
      ['在職者', 3],
      ['有効化済み', 1],
      ['ログインしたことがある', 1],
      ['未有効化', 2],
      ['うち案内中', 0],
      ['うち未案内', 2],
    ]);
    const pending = (await agent.get('/activation').query({ department: dept.id, status: 'pending' }).expect(200)).text;
    expect(pending).not.toContain(activated.name);
    expect(pending).toContain(paper.name);
  });

  it('is for officers and administrators only', async () => {
    const person = await makeStaff(ctx.db);
    const dept = await makeDepartment(ctx.db);
    const manager = await makeStaff(ctx.db, { roles: ['staff', 'manager'], manages: [dept.id] });
    for (const who of [person, manager]) {
      const { agent, csrf } = await signIn(ctx.app, who.employeeNo, who.password);
      await agent.get('/activation').expect(403);
      await issue(agent, csrf, { departmentId: dept.id }).expect(403);
    }
    const admin = await makeAdmin(ctx.db);
    const { agent } = await signIn(ctx.app, admin.employeeNo, admin.password);
    await agent.get('/activation').expect(200);
  });
});

describe('issuing invitations', () => {
  it('mails a password link to those with an address and prints slips for the others, audited without the links', async () => {
    const { dept, activated, mailed, paper, retired } = await ward();
    const { officer, agent, csrf } = await officerSession();
    const res = await issue(agent, csrf, { departmentId: dept.id, validDays: 21 }).expect(200);

    // The print page: one slip, for the person without an address, with name, number, department, link and QR code.
    expect(res.text).toContain(paper.name);
    expect(res.text).toContain(paper.employeeNo);
    expect(res.text).toContain(dept.name);
    expect(res.text).not.toContain(mailed.name);
    expect(res.text).not.toContain(retired.name);
    expect(res.text).not.toContain('site-header');
    const links = slipLinks(res.text);
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^http:\/\/localhost:3000\/a\/[0-9A-HJKMNP-TV-Z]{10}$/);
    expect(res.text).toMatch(/<figure class="slip-qr"[^>]*><svg[^>]*viewBox/);

    // The mail: in the outbox, for the one with an address, carrying a working password link.
    const mails = await mailsTo(mailed.id);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to: mailed.email, topic: 'invitation', staffId: mailed.id });
    expect(String(mails[0]!.subject)).toContain('アカウント有効化');
    const link = /http:\/\/localhost:3000(\/password\/[A-Za-z0-9_-]+)/.exec(String(mails[0]!.text))![1]!;
    const form = await request(ctx.app).get(link).expect(200);
    expect(form.text).toContain(mailed.name);
    expect(await mailsTo(paper.id)).toHaveLength(0);
    expect(await mailsTo(activated.id)).toHaveLength(0);

    // The invitations, valid for the days chosen.
    const rows = await ctx.db
      .select()
      .from(activationInvitations)
      .where(inArray(activationInvitations.staffId, [mailed.id, paper.id]));
    expect(rows.map((r) => [r.staffId, r.channel]).sort()).toEqual(
      [
        [mailed.id, 'mail'],
        [paper.id, 'slip'],
      ].sort(),
    );
    for (const r of rows) expect(r.expiresAt.getTime() - r.issuedAt.getTime()).toBe(21 * 86_400_000);

    // The audit: who, which department, how many; never a link or a code.
    const [entry] = await ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'activation.issue'), eq(auditLog.actorId, officer.id)));
    expect(entry).toMatchObject({ subjectType: 'department', subjectId: String(dept.id) });
    expect(entry!.details).toMatchObject({ department: dept.name, invited: 2, mailed: 1, slips: 1, validDays: 21 });
    const perPerson = await ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'account.activation-issued'), inArray(auditLog.subjectId, [String(mailed.id), String(paper.id)])));
    expect(perPerson).toHaveLength(2);
    const code = pathOf(links[0]!).slice(3);
    const token = link.slice('/password/'.length);
    const everything = JSON.stringify(await ctx.db.select().from(auditLog));
    expect(everything).not.toContain(code);
    expect(everything).not.toContain(token);

    // The page now says they are invited.
    const page = (await agent.get('/activation').query({ department: dept.id }).expect(200)).text;
    expect([...page.matchAll(/<tr data-state="(\w+)">/g)].map((m) => m[1]).sort()).toEqual(['activated', 'invited', 'invited']);
  });

  it('writes the invitation in the language the person reads the app in', async () => {
    const dept = await makeDepartment(ctx.db);
    const maria = await makeStaff(ctx.db, { departmentId: dept.id, password: null, name: 'Maria Santos' });
    await ctx.db.update(staff).set({ locale: 'en' }).where(eq(staff.id, maria.id));
    const nurse = await makeStaff(ctx.db, { departmentId: dept.id, password: null, email: null });
    await ctx.db.update(staff).set({ locale: 'en' }).where(eq(staff.id, nurse.id));
    await ctx.db.insert(hospital).values({ name: 'みなと総合病院', licensedBeds: 450 }).onConflictDoNothing();
    const { agent, csrf } = await officerSession();
    const res = await issue(agent, csrf, { departmentId: dept.id }).expect(200);
    const [mail] = await mailsTo(maria.id);
    expect(mail!.subject).toBe('[みなと総合病院] Please activate your security-training account');
    expect(String(mail!.text)).toContain('information-security training system (Mamoru) of みなと総合病院');
    expect(String(mail!.text)).toMatch(/^Dear Maria Santos,/);
    // The print page is the issuer's (Japanese); the English reader's slip is in English.
    expect(res.text).toMatch(/<article class="slip" lang="en">[\s\S]*Activate your training account/);
  });

  it('by default skips people already invited, and on request replaces their invitations (old links and codes stop working)', async () => {
    const { dept, mailed, paper } = await ward();
    const { agent, csrf } = await officerSession();
    const first = await issue(agent, csrf, { departmentId: dept.id }).expect(200);
    const firstCode = pathOf(slipLinks(first.text)[0]!);
    const firstLink = /localhost:3000(\/password\/\S+)/.exec(String((await mailsTo(mailed.id))[0]!.text))![1]!;

    const again = await issue(agent, csrf, { departmentId: dept.id }).expect(303);
    const home = await agent.get(String(again.headers.location)).expect(200);
    expect(home.text).toContain('案内を発行する対象の職員はいませんでした');
    expect(await mailsTo(mailed.id)).toHaveLength(1);

    const replaced = await issue(agent, csrf, { departmentId: dept.id, include: 'all' }).expect(200);
    const secondCode = pathOf(slipLinks(replaced.text)[0]!);
    expect(secondCode).not.toBe(firstCode);
    expect(await mailsTo(mailed.id)).toHaveLength(2);
    await request(ctx.app).get(firstLink).expect(410);
    await request(ctx.app).get(firstCode).expect(410);
    expect((await request(ctx.app).get(secondCode).expect(303)).headers.location).toMatch(/^\/password\//);
    expect(paper.id).toBeGreaterThan(0);
  });

  it('prints slips for everyone when asked, sending no mail', async () => {
    const { dept, mailed, paper } = await ward();
    const { agent, csrf } = await officerSession();
    const res = await issue(agent, csrf, { departmentId: dept.id, delivery: 'slips' }).expect(200);
    expect(slipLinks(res.text)).toHaveLength(2);
    expect(res.text).toContain(mailed.name);
    expect(res.text).toContain(paper.name);
    expect(await mailsTo(mailed.id)).toHaveLength(0);
  });

  it("asks for the issuer's own password when the selection holds an officer or administrator", async () => {
    const dept = await makeDepartment(ctx.db);
    const newOfficer = await makeOfficer(ctx.db, { departmentId: dept.id, password: null, email: null });
    const { officer, agent, csrf } = await officerSession();

    const page = (await agent.get('/activation').query({ department: dept.id }).expect(200)).text;
    expect(page).toContain('name="currentPassword"');
    const refused = await issue(agent, csrf, { departmentId: dept.id }).expect(400);
    expect(refused.text).toContain('あなた自身のパスワードの入力が必要です');
    const wrong = await issue(agent, csrf, { departmentId: dept.id, currentPassword: 'not-my-password' }).expect(400);
    expect(wrong.text).toContain('パスワードが正しくありません');
    expect(wrong.text).not.toContain('not-my-password');
    expect(await ctx.db.select().from(activationInvitations).where(eq(activationInvitations.staffId, newOfficer.id))).toHaveLength(0);

    const ok = await issue(agent, csrf, { departmentId: dept.id, currentPassword: officer.password }).expect(200);
    expect(ok.text).toContain(newOfficer.name);
    const [entry] = await ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'activation.issue'), eq(auditLog.subjectId, String(dept.id))));
    expect(entry!.details).toMatchObject({ confirmedWithPassword: true });
  });

  it('refuses a validity outside 1–60 days with the form again', async () => {
    const { dept } = await ward();
    const { agent, csrf } = await officerSession();
    const res = await issue(agent, csrf, { departmentId: dept.id, validDays: 90 }).expect(400);
    expect(res.text).toContain('値が大きすぎます');
    expect(res.text).toContain('name="validDays"');
  });
});

describe('a slip’s short address', () => {
  it('opens a password page for its holder; setting the password signs them in and ends the code', async () => {
    const { dept, paper } = await ward();
    const { agent, csrf } = await officerSession();
    const res = await issue(agent, csrf, { departmentId: dept.id }).expect(200);
    const short = pathOf(slipLinks(res.text)[0]!);

    const visitor = request.agent(ctx.app);
    const opened = await visitor.get(short).expect(303);
    const passwordPath = String(opened.headers.location);
    const form = await visitor.get(passwordPath).expect(200);
    expect(form.text).toContain(paper.name);
    const set = await visitor
      .post(passwordPath)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), password: 'from-the-slip-1', passwordConfirm: 'from-the-slip-1' })
      .expect(303);
    expect(set.headers.location).toBe('/');
    const home = await visitor.get('/').expect(200);
    expect(home.text).toContain(`class="account-link">${paper.name}<`);

    // Used: the code and its password link are both dead, and the page lists the person as activated.
    await request(ctx.app).get(short).expect(410);
    await request(ctx.app).get(passwordPath).expect(410);
    const page = (await agent.get('/activation').query({ department: dept.id, status: 'activated' }).expect(200)).text;
    expect(page).toContain(paper.name);
  });

  it('accepts the code typed by hand (lower case, hyphen, O for 0) at /a', async () => {
    const { dept } = await ward();
    const { agent, csrf } = await officerSession();
    const res = await issue(agent, csrf, { departmentId: dept.id }).expect(200);
    const code = pathOf(slipLinks(res.text)[0]!).slice(3);
    const typed = `${code.slice(0, 5)}-${code.slice(5)}`.toLowerCase().replace(/0/g, 'o');
    await request(ctx.app).get('/a').expect(200);
    const opened = await request(ctx.app).get('/a').query({ code: typed }).expect(303);
    expect(opened.headers.location).toMatch(/^\/password\//);
  });

  it('answers one refusal for a code that is unknown or malformed', async () => {
    const bad = await request(ctx.app).get('/a/ZZZZZZZZZZ').expect(410);
    expect(bad.text).toContain('このコードは使えません');
    await request(ctx.app).get('/a/short').expect(410);
  });
});
