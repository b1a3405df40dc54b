import { count, eq, inArray } from 'drizzle-orm';
import { activationInvitations, departments, oneTimeTokens, outbox, staff } from '../../server/db/schema';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { makeOfficer } from '../support/factories';

// The demo hospital's size in one issue: 1,200 staff without a password, a third of them without
// an address. Everything is written (in slices: one statement never carries them all) and the
// print page holds every slip. Times are printed for a person to read, not asserted.

jest.setTimeout(120_000);

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

it('invites a whole roster of 1,200 in one issue', async () => {
  const [dept] = await ctx.db.insert(departments).values({ name: '全院ロールアウト' }).returning();
  const rows = Array.from({ length: 1200 }, (_, i) => ({
    employeeNo: `R${String(i).padStart(5, '0')}`,
    name: `職員 ${i}`,
    email: i % 3 === 0 ? null : `r${i}@hospital.example.jp`,
    departmentId: dept!.id,
  }));
  const ids = (await ctx.db.insert(staff).values(rows).returning({ id: staff.id })).map((r) => r.id);
  const officer = await makeOfficer(ctx.db);
  const { agent, csrf } = await signIn(ctx.app, officer.employeeNo, officer.password);

  const started = Date.now();
  const res = await agent.post('/activation/issue').type('form').send({ _csrf: csrf }).expect(200);
  const ms = Date.now() - started;
  console.log(`activation: 1,200 invited (800 mails, 400 slips) in ${ms} ms; print page ${Math.round(res.text.length / 1024)} KB`);

  expect(res.text.match(/<article class="slip"/g)).toHaveLength(400);
  expect(res.text.match(/<section class="sheet"/g)).toHaveLength(50);
  const [invited] = await ctx.db.select({ n: count() }).from(activationInvitations).where(inArray(activationInvitations.staffId, ids));
  expect(invited!.n).toBe(1200);
  const [links] = await ctx.db.select({ n: count() }).from(oneTimeTokens).where(inArray(oneTimeTokens.staffId, ids));
  expect(links!.n).toBe(800);
  const [mails] = await ctx.db.select({ n: count() }).from(outbox).where(eq(outbox.kind, 'mail.send'));
  expect(mails!.n).toBe(800);

  const list = await agent.get('/activation').expect(200);
  expect(list.text.match(/<tr data-state="invited">/g)).toHaveLength(1200);
});
