/**
 * A form that fails is shown again by the one error handler (validate(Schema, { form })), outside
 * the route that took it. These are the forms whose page depends on the route's own path: the
 * record being edited, the link being used. A failure must come back as the same form, for the
 * same record, with the message — never a 500, never the "new" form.
 */
import request from 'supertest';
import { createTestContext, csrfFrom, signIn, type TestContext } from '../support/app';
import { makeAdmin, makeDepartment, makeStaff } from '../support/factories';

jest.setTimeout(30_000);

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
});
afterAll(() => ctx.close());

async function admin() {
  const a = await makeAdmin(ctx.db);
  return signIn(ctx.app, a.employeeNo, a.password);
}

it("shows a staff member's edit form again for that member, and the corrected form saves", async () => {
  const { agent, csrf } = await admin();
  const person = await makeStaff(ctx.db);
  const failed = await agent
    .post(`/staff/${person.id}`)
    .type('form')
    .send({ _csrf: csrf, employeeNo: person.employeeNo, name: '', language: 'ja' })
    .expect(400);
  expect(failed.text).toContain(`action="/staff/${person.id}"`);
  expect(failed.text).toContain('入力してください。');
  expect(failed.text).toContain(`value="${person.employeeNo}"`);
  await agent
    .post(`/staff/${person.id}`)
    .type('form')
    .send({ _csrf: csrf, employeeNo: person.employeeNo, name: '看護 花子', language: 'ja' })
    .expect(303)
    .expect('location', `/staff/${person.id}`);
});

it("puts a failed rename's message on that department's row, not on the new-department form", async () => {
  const { agent, csrf } = await admin();
  const department = await makeDepartment(ctx.db);
  const failed = await agent
    .post(`/admin/departments/${department.id}`)
    .type('form')
    .send({ _csrf: csrf, name: '', sortOrder: '1' })
    .expect(400);
  const row = failed.text.indexOf(`action="/admin/departments/${department.id}"`);
  const message = failed.text.indexOf('入力してください。');
  const addForm = failed.text.indexOf('action="/admin/departments"');
  expect(row).toBeGreaterThan(-1);
  // The message follows the row's own form and comes before the add form further down.
  expect(message).toBeGreaterThan(row);
  expect(message).toBeLessThan(addForm);
});

it('shows the set-password page again with the message when the password is refused', async () => {
  const { agent, csrf } = await admin();
  const person = await makeStaff(ctx.db, { password: null });
  const issued = await agent.post(`/staff/${person.id}/password-link`).type('form').send({ _csrf: csrf }).expect(200);
  const path = new URL(/value="(http[^"]+\/password\/[^"]+)"/.exec(issued.text)![1]!).pathname;

  const visitor = request.agent(ctx.app);
  const form = await visitor.get(path).expect(200);
  const token = csrfFrom(form.text);
  const short = await visitor.post(path).type('form').send({ _csrf: token, password: 'short', passwordConfirm: 'short' }).expect(400);
  expect(short.text).toContain(person.name);
  expect(short.text).toContain('10文字以上');
  const mismatch = await visitor
    .post(path)
    .type('form')
    .send({ _csrf: token, password: 'my-new-password', passwordConfirm: 'my-other-password' })
    .expect(400);
  expect(mismatch.text).toContain(person.name);
  // The link still works after a refused try.
  await visitor.post(path).type('form').send({ _csrf: token, password: 'my-new-password', passwordConfirm: 'my-new-password' }).expect(303);
});

it('answers a path that is not valid percent-encoding with 400 and a message, not 500', async () => {
  const { agent } = await admin();
  const page = await agent.get('/courses/%E0%A4%A').expect(400);
  expect(page.text).toContain('アドレス（URL）の形式が正しくありません。');
  await agent
    .get('/staff/%E0%A4%A')
    .set('accept', 'application/json')
    .expect(400, { error: { code: 'bad_path', message: 'アドレス（URL）の形式が正しくありません。' } });
});
