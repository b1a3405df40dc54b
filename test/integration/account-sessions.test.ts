import { eq } from 'drizzle-orm';
import type { SessionData } from 'express-session';
import request from 'supertest';
import { onAccountSignedOut } from '../../server/auth/events';
import { setPasswordFromCli } from '../../server/auth/service';
import { DatabaseSessionStore } from '../../server/auth/session-store';
import { sessions } from '../../server/db/schema';
import { createTestContext, csrfFrom, signIn, type TestContext } from '../support/app';
import { makeAdmin, makeStaff } from '../support/factories';

// Setting or changing a password ends the person's other sessions, on the pages and on the
// run-time API's fast path (which reads sessions through a few-second cache) alike.

jest.setTimeout(30_000);

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());

type Agent = ReturnType<typeof request.agent>;

/** Signed in on the pages and known to the API (its session now sits in the read cache). */
async function liveSession(identifier: string, password: string): Promise<Agent> {
  const { agent } = await signIn(ctx.app, identifier, password);
  await agent.get('/').expect(200);
  const api = await agent.get('/api/attempts/1/scos').set('Accept', 'application/json');
  expect([200, 404]).toContain(api.status);
  return agent;
}

async function expectSignedOut(agent: Agent) {
  await agent.get('/api/attempts/1/scos').set('Accept', 'application/json').expect(401);
  await agent.get('/').expect(302).expect('location', '/login');
}

async function expectSignedIn(agent: Agent) {
  await agent.get('/').expect(200);
  expect([200, 404]).toContain((await agent.get('/api/attempts/1/scos').set('Accept', 'application/json')).status);
}

async function issueLink(personId: number): Promise<string> {
  const admin = await makeAdmin(ctx.db);
  const { agent, csrf } = await signIn(ctx.app, admin.employeeNo, admin.password);
  const issued = await agent.post(`/staff/${personId}/password-link`).type('form').send({ _csrf: csrf }).expect(200);
  return new URL(/value="(http[^"]+\/password\/[^"]+)"/.exec(issued.text)![1]!).pathname;
}

describe('a password set through a link', () => {
  it('ends every session of the holder when used signed out', async () => {
    const person = await makeStaff(ctx.db);
    const first = await liveSession(person.employeeNo, person.password);
    const second = await liveSession(person.email!, person.password);
    const bystander = await makeStaff(ctx.db);
    const other = await liveSession(bystander.employeeNo, bystander.password);

    const path = await issueLink(person.id);
    const visitor = request.agent(ctx.app);
    const form = await visitor.get(path).expect(200);
    await visitor
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), password: 'linked-new-password', passwordConfirm: 'linked-new-password' })
      .expect(303);

    await expectSignedOut(first);
    await expectSignedOut(second);
    await expectSignedIn(other); // someone else's sessions are not touched
    await signIn(ctx.app, person.employeeNo, 'linked-new-password');
  });

  it('keeps the session the link is used in when that one is signed in', async () => {
    const person = await makeStaff(ctx.db);
    const elsewhere = await liveSession(person.employeeNo, person.password);
    const here = await liveSession(person.employeeNo, person.password);

    const path = await issueLink(person.id);
    const form = await here.get(path).expect(200);
    await here
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), password: 'linked-again-pass', passwordConfirm: 'linked-again-pass' })
      .expect(303);

    await expectSignedOut(elsewhere);
    await expectSignedIn(here);
  });
});

describe('a password changed on the account page', () => {
  it('ends the other sessions and keeps the current one (a wrong current password ends nothing)', async () => {
    const person = await makeStaff(ctx.db);
    const other = await liveSession(person.employeeNo, person.password);
    const { agent: current, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
    await current.get('/api/attempts/1/scos').set('Accept', 'application/json');

    await current
      .post('/account/password')
      .type('form')
      .send({ _csrf: csrf, currentPassword: 'not-the-password', password: 'changed-password-2', passwordConfirm: 'changed-password-2' })
      .expect(400);
    await expectSignedIn(other);

    await current
      .post('/account/password')
      .type('form')
      .send({ _csrf: csrf, currentPassword: person.password, password: 'changed-password-1', passwordConfirm: 'changed-password-1' })
      .expect(303);

    const page = await current.get('/account').expect(200);
    expect(page.text).toContain('パスワードを変更しました。');
    await expectSignedOut(other);
    await expectSignedIn(current);
  });
});

describe('a request under way on a session that was just ended', () => {
  it('does not write it back when it finishes (express-session saves a changed session at the end)', async () => {
    const person = await makeStaff(ctx.db);
    const store = new DatabaseSessionStore(ctx.db); // shares this database's cache with the app's store
    const sid = `in-flight-${person.id}`;
    const sess = { cookie: { expires: new Date(Date.now() + 3600_000) }, passport: { user: person.id } } as unknown as SessionData;
    const save = () => new Promise<void>((resolve, reject) => store.set(sid, sess, (err) => (err ? reject(err as Error) : resolve())));
    await save();
    await setPasswordFromCli(ctx.db, person.id, 'set-from-the-cli', new Date());
    await save(); // the request that was under way ends
    expect(await ctx.db.select().from(sessions).where(eq(sessions.sid, sid))).toHaveLength(0);
    const read = await store.peek(sid);
    expect(read).toBeNull();
  });
});

describe('signed-out listeners', () => {
  it('are told of a logout and of a password change, for that person', async () => {
    const told: number[] = [];
    const stop = onAccountSignedOut((staffId) => {
      told.push(staffId);
    });
    try {
      const person = await makeStaff(ctx.db);
      const { agent, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
      await agent
        .post('/account/password')
        .type('form')
        .send({ _csrf: csrf, currentPassword: person.password, password: 'listened-password', passwordConfirm: 'listened-password' })
        .expect(303);
      expect(told).toEqual([person.id]);
      const home = await agent.get('/').expect(200);
      await agent
        .post('/logout')
        .type('form')
        .send({ _csrf: csrfFrom(home.text) })
        .expect(303);
      expect(told).toEqual([person.id, person.id]);
    } finally {
      stop();
    }
  });

  it('do not stop a logout when one fails, and the failure is logged', async () => {
    const lines: string[] = [];
    const { createLogger } = await import('../../server/lib/log');
    const log = createLogger('error', { write: (line: string) => void lines.push(line) });
    const logged = await createTestContext({ env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
    const { createApp } = await import('../../server/app');
    const app = createApp({ config: logged.config, database: logged.database, log });
    const stop = onAccountSignedOut(() => Promise.reject(new Error('revocation store down')));
    try {
      const person = await makeStaff(logged.db);
      const { agent, csrf } = await signIn(app, person.employeeNo, person.password);
      await agent.post('/logout').type('form').send({ _csrf: csrf }).expect(303).expect('location', '/login');
      await agent.get('/').expect(302).expect('location', '/login');
      const failure = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'account signed-out listener failed');
      expect(failure).toMatchObject({ staffId: person.id });
      expect(JSON.stringify(failure)).toContain('revocation store down');
    } finally {
      stop();
      await logged.close();
    }
  });
});
