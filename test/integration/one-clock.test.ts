/**
 * The caller owns the clock (withTransaction(db, now)): every row a change writes and the audit
 * entry that records it carry the same instant, the app's clock — never the database's now()
 * or a `new Date()` of some repository's own.
 */
import { eq } from 'drizzle-orm';
import { historyOf } from '../../server/compliance/audit/service';
import { departments, hospital, staff } from '../../server/db/schema';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { makeAdmin, makeDepartment, makeStaff } from '../support/factories';

jest.setTimeout(30_000);

const AT = new Date('2026-10-05T02:30:00Z');
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ clock: () => AT, env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());

it("stamps a roster, an organisation and a hospital change and their audit entries with the app's clock", async () => {
  const admin = await makeAdmin(ctx.db);
  const person = await makeStaff(ctx.db);
  const department = await makeDepartment(ctx.db);
  const { agent, csrf } = await signIn(ctx.app, admin.employeeNo, admin.password);

  await agent
    .post('/admin/hospital')
    .type('form')
    .send({ _csrf: csrf, name: '守る記念病院', licensedBeds: '450', fiscalYearStartMonth: '4' })
    .expect(303);
  await agent
    .post('/admin/hospital')
    .type('form')
    .send({ _csrf: csrf, name: '守る記念病院', licensedBeds: '451', fiscalYearStartMonth: '4' })
    .expect(303);
  await agent.post(`/staff/${person.id}/retire`).type('form').send({ _csrf: csrf, retiredOn: '2026-10-31' }).expect(303);
  await agent
    .post(`/admin/departments/${department.id}`)
    .type('form')
    .send({ _csrf: csrf, name: `${department.name}（改）`, sortOrder: '3' })
    .expect(303);

  expect((await ctx.db.select().from(hospital))[0]!.updatedAt).toEqual(AT);
  expect((await ctx.db.select().from(staff).where(eq(staff.id, person.id)))[0]!.updatedAt).toEqual(AT);
  expect((await ctx.db.select().from(departments).where(eq(departments.id, department.id)))[0]!.updatedAt).toEqual(AT);
  for (const [type, id] of [
    ['hospital', 1],
    ['staff', person.id],
    ['department', department.id],
  ] as const) {
    const [entry] = await historyOf(ctx.db, type, id);
    expect(entry).toMatchObject({ actorId: admin.id, at: AT });
  }
});
