import request from 'supertest';
import { loginThrottles } from '../../server/db/schema';
import { createTestContext, csrfFrom, type TestContext } from '../support/app';
import { makeAdmin, makeStaff } from '../support/factories';

// Failed logins are counted per identifier (known or not) and per client address, and answered
// with growing delays, never a lock; nothing in the answer tells whether an account exists.

jest.setTimeout(60_000);

let ctx: TestContext;
let now = new Date('2026-06-01T09:00:00.000Z');
const advance = (ms: number) => (now = new Date(now.getTime() + ms));
let addressNo = 0;
/** A client address of its own (the app trusts the test's loopback proxy header). */
const newAddress = () => `198.51.100.${++addressNo}`;

beforeAll(async () => {
  ctx = await createTestContext({
    env: { LOGIN_RATE_LIMIT_PER_15MIN: '10000', TRUST_PROXY: 'loopback' },
    clock: () => new Date(now.getTime()),
  });
});
afterAll(() => ctx.close());

/** One browser at one address: its login page, then its posts. */
async function client(address: string) {
  const agent = request.agent(ctx.app);
  const page = await agent.get('/login').set('X-Forwarded-For', address).expect(200);
  const csrf = csrfFrom(page.text);
  return {
    csrf,
    login: (identifier: string, password: string) =>
      agent.post('/login').set('X-Forwarded-For', address).type('form').send({ _csrf: csrf, identifier, password }),
  };
}

/** The page as a person reads it, apart from what differs per browser (CSRF token) and what was typed. */
const normalised = (html: string, csrf: string, identifier: string) => html.split(csrf).join('CSRF').split(identifier).join('IDENTIFIER');

describe('an unknown identifier and an existing one', () => {
  it('get the same status and the same page at every try, the delays included', async () => {
    const person = await makeStaff(ctx.db);
    const unknown = `N${person.employeeNo.slice(1)}`; // same length and shape, names nobody
    const [a, b] = [await client(newAddress()), await client(newAddress())];
    const forExisting: { status: number; page: string }[] = [];
    const forUnknown: { status: number; page: string }[] = [];
    for (let i = 0; i < 7; i++) {
      const r1 = await a.login(person.employeeNo, `wrong-password-${i}`);
      forExisting.push({ status: r1.status, page: normalised(r1.text, a.csrf, person.employeeNo) });
      const r2 = await b.login(unknown, `wrong-password-${i}`);
      forUnknown.push({ status: r2.status, page: normalised(r2.text, b.csrf, unknown) });
    }
    expect(forExisting.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(forUnknown).toEqual(forExisting);
    expect(forExisting[0]!.page).toContain('パスワードが正しくありません');
    expect(forExisting[5]!.page).toContain('1秒後にもう一度お試しください');
    expect(forExisting[5]!.page).not.toMatch(/ロック/);
  });

  it('take as long to refuse: an unknown identifier is checked against a stand-in hash', async () => {
    const person = await makeStaff(ctx.db);
    const timeOf = async (identifier: string) => {
      const c = await client(newAddress());
      const started = process.hrtime.bigint();
      const res = await c.login(identifier, 'not-the-password');
      expect(res.status).toBe(401);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      known.push(await timeOf(person.employeeNo));
      unknown.push(await timeOf(`NOBODY-${i}-${person.employeeNo}`));
    }
    // scrypt (tens of milliseconds) dominates both; without it the unknown answer would be a few ms.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.5);
  });

  it('never store the identifier or the address as typed', async () => {
    const address = newAddress();
    const c = await client(address);
    await c.login('someone@hospital.example.jp', 'wrong-wrong-wrong').expect(401);
    const rows = await ctx.db.select().from(loginThrottles);
    expect(JSON.stringify(rows)).not.toContain('someone');
    expect(JSON.stringify(rows)).not.toContain(address);
  });
});

describe('the administrator', () => {
  it('cannot be locked out by someone else: after the delay the right password from another address works', async () => {
    const admin = await makeAdmin(ctx.db);
    const attacker = await client(newAddress());
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await attacker.login(admin.employeeNo, `guess-${i}-password`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);

    // During the delay even the right password waits, with the same answer as any other try.
    const desk = await client(newAddress());
    const early = await desk.login(admin.employeeNo, admin.password);
    expect(early.status).toBe(429);
    expect(early.text).toContain('1秒後にもう一度お試しください');

    advance(1_001);
    const res = await desk.login(admin.employeeNo, admin.password);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });

  it('waits longer after each further failure (1 s, 2 s, 4 s …), never for good', async () => {
    const person = await makeStaff(ctx.db);
    const c = await client(newAddress());
    for (let i = 0; i < 5; i++) await c.login(person.employeeNo, `bad-${i}-password`).expect(401);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const refused = await c.login(person.employeeNo, `bad-again-${i}`).expect(429);
      const seconds = Number(/(\d+)秒後/.exec(refused.text)![1]);
      waits.push(seconds);
      advance(seconds * 1000);
      await c.login(person.employeeNo, `bad-after-${i}`).expect(401);
    }
    expect(waits).toEqual([1, 2, 4, 8]);
    const refused = await c.login(person.employeeNo, person.password).expect(429);
    advance(Number(/(\d+)秒後/.exec(refused.text)![1]) * 1000);
    await c.login(person.employeeNo, person.password).expect(303);
  });

  it('caps the delay at 15 minutes and forgets the failures after a quiet window', async () => {
    const person = await makeStaff(ctx.db);
    const c = await client(newAddress());
    let longest = 0;
    for (let i = 0; i < 30; i++) {
      const r = await c.login(person.employeeNo, `bad-${i}-password`);
      if (r.status === 429) {
        const seconds = Number(/(\d+)秒後/.exec(r.text)![1]);
        longest = Math.max(longest, seconds);
        advance(seconds * 1000);
      }
    }
    expect(longest).toBe(15 * 60);
    advance(16 * 60_000); // quiet for a window after the last delay
    for (let i = 0; i < 4; i++) await c.login(person.employeeNo, `fresh-${i}-password`).expect(401);
    await c.login(person.employeeNo, person.password).expect(303);
  });
});

describe('one address', () => {
  it('trying many identifiers is held back, while another address is not', async () => {
    const person = await makeStaff(ctx.db);
    const sprayer = await client(newAddress());
    for (let i = 0; i < 30; i++) await sprayer.login(`SPRAY-${i}`, 'password-guess-1').expect(401);
    await sprayer.login(person.employeeNo, person.password).expect(429);
    const other = await client(newAddress());
    await other.login(person.employeeNo, person.password).expect(303);
  });
});

describe('old counters', () => {
  it('are swept once they count for nothing', async () => {
    const c = await client(newAddress());
    await c.login('SWEEP-ME', 'password-guess-2').expect(401);
    const before = (await ctx.db.select().from(loginThrottles)).length;
    expect(before).toBeGreaterThan(2);
    advance(60 * 60_000);
    await c.login('SWEEP-TRIGGER', 'password-guess-3').expect(401);
    const after = await ctx.db.select().from(loginThrottles);
    expect(after).toHaveLength(2); // the identifier and address of this last failure
  });
});
