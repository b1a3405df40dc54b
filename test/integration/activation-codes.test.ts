import { eq } from 'drizzle-orm';
import request from 'supertest';
import { redactSecretPath } from '../../server/activation/redact';
import { CODE_TRIES_PER_15MIN } from '../../server/activation/routes';
import { createApp } from '../../server/app';
import { staff } from '../../server/db/schema';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { makeDepartment, makeOfficer, makeStaff } from '../support/factories';

// The short codes printed on slips, on an app whose clock the test moves: they expire with the
// validity chosen, die with a retirement, and guessing them is limited per client address.

jest.setTimeout(60_000);

let now = new Date('2026-04-06T01:00:00Z');
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ clock: () => now });
});
afterAll(() => ctx.close());

const pathOf = (link: string) => new URL(link).pathname;

async function slipFor(validDays: number, printedExpiry?: string) {
  const dept = await makeDepartment(ctx.db);
  const person = await makeStaff(ctx.db, { departmentId: dept.id, password: null, email: null });
  const officer = await makeOfficer(ctx.db);
  const { agent, csrf } = await signIn(ctx.app, officer.employeeNo, officer.password);
  const res = await agent.post('/activation/issue').type('form').send({ _csrf: csrf, departmentId: dept.id, validDays }).expect(200);
  const link = /<p class="slip-url">([^<]+)<\/p>/.exec(res.text)![1]!;
  if (printedExpiry) expect(res.text).toContain(`有効期限 ${printedExpiry}`);
  return { person, short: pathOf(link) };
}

it('works until the validity chosen at issue, and not after', async () => {
  now = new Date('2026-04-06T01:00:00Z');
  // Issued at 10:00 in Japan, for a week: the slip says so, in Japan time.
  const { short } = await slipFor(7, '2026-04-13 10:00');
  now = new Date('2026-04-13T00:59:00Z');
  const opened = await request(ctx.app).get(short).expect(303);
  // The password link it opens lasts no longer than the slip.
  now = new Date('2026-04-13T01:00:00Z');
  await request(ctx.app).get(short).expect(410);
  await request(ctx.app).get(String(opened.headers.location)).expect(410);
});

it('opens a password link of an hour, which a later opening of the same slip replaces', async () => {
  now = new Date('2026-05-01T01:00:00Z');
  const { short } = await slipFor(14);
  const first = String((await request(ctx.app).get(short).expect(303)).headers.location);
  now = new Date('2026-05-01T01:30:00Z');
  const second = String((await request(ctx.app).get(short).expect(303)).headers.location);
  expect(second).not.toBe(first);
  await request(ctx.app).get(first).expect(410);
  await request(ctx.app).get(second).expect(200);
  now = new Date('2026-05-01T02:31:00Z');
  await request(ctx.app).get(second).expect(410);
});

it('stops working when its holder retires', async () => {
  now = new Date('2026-06-01T01:00:00Z');
  const { person, short } = await slipFor(14);
  await ctx.db.update(staff).set({ retiredOn: '2026-06-01' }).where(eq(staff.id, person.id));
  await request(ctx.app).get(short).expect(410);
});

it('refuses everything from an address after too many wrong codes, a right one too', async () => {
  now = new Date('2026-07-01T01:00:00Z');
  const { short } = await slipFor(14);
  // The limiter counts per app instance: a fresh app on the same database starts from nothing.
  const fresh = createApp({ config: ctx.config, database: ctx.database, clock: () => now });
  for (let i = 0; i < CODE_TRIES_PER_15MIN; i++)
    await request(fresh)
      .get(`/a/ZZZZZ${String(i).padStart(5, '0')}`)
      .expect(410);
  const blocked = await request(fresh).get(short).expect(429);
  expect(blocked.text).toContain('しばらく受け付けません');
  await request(fresh)
    .get('/a')
    .query({ code: short.slice(3) })
    .expect(429);
  // Successful openings do not count: the first app, which saw only those and a few refusals, still serves the code.
  await request(ctx.app).get(short).expect(303);
});

it('keeps codes and password tokens out of the request log', () => {
  expect(redactSecretPath('/a/7K3M9QX2PD')).toBe('/a/[redacted]');
  expect(redactSecretPath('/password/abc_DEF-123')).toBe('/password/[redacted]');
  expect(redactSecretPath('/setup/xyz')).toBe('/setup/[redacted]');
  expect(redactSecretPath('/activation')).toBe('/activation');
  expect(redactSecretPath('/a')).toBe('/a');
});
