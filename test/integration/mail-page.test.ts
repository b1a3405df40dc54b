/**
 * The mail page (/admin/mail): who may see it, the log and the counts, a test message sent
 * through the outbox to a real SMTP server, "retry now" for a failed mail; audited.
 */
import { and, eq } from 'drizzle-orm';
import { createApp } from '../../server/app';
import { auditLog, mailLog, outbox } from '../../server/db/schema';
import { withTransaction } from '../../server/db/transaction';
import { queueMail } from '../../server/mail/service';
import { jobHandlers } from '../../server/outbox/handlers';
import { findJob } from '../../server/outbox/service';
import { createWorker } from '../../server/outbox/worker';
import { createTestContext, csrfFrom, signIn, testConfig, type TestContext } from '../support/app';
import { makeAdmin, makeOfficer, makeStaff } from '../support/factories';
import { capturedLog, makeHospital, MAIL_FROM, startTestSmtp, TEST_HOSPITAL, type TestSmtp } from '../support/mail-factories';

jest.setTimeout(90_000);

const NOW = new Date('2026-06-01T00:00:00Z');
let smtp: TestSmtp;
let ctx: TestContext;
let env: Record<string, string>;

beforeAll(async () => {
  smtp = await startTestSmtp();
  env = { SMTP_URL: smtp.url, MAIL_FROM, LOGIN_RATE_LIMIT_PER_15MIN: '1000' };
  ctx = await createTestContext({ env, clock: () => NOW });
  await makeHospital(ctx.db);
});
beforeEach(async () => {
  await ctx.db.delete(mailLog);
  await ctx.db.delete(outbox);
});
afterAll(async () => {
  await smtp.close();
  await ctx.close();
});

const drain = (at: Date = NOW) => {
  const log = capturedLog().log;
  return createWorker(ctx.db, {
    log,
    clock: () => at,
    retry: { baseDelayMs: 60_000, maxDelayMs: 60_000, maxAttempts: 2 },
    handlers: jobHandlers({ config: ctx.config, database: ctx.database, log }),
  }).drain();
};

const auditOf = (action: string) => ctx.db.select().from(auditLog).where(eq(auditLog.action, action));

describe('/admin/mail', () => {
  it('is for officers and admins: a plain staff member and a department head are refused', async () => {
    const staffMember = await makeStaff(ctx.db);
    const manager = await makeStaff(ctx.db, { roles: ['staff', 'manager'] });
    for (const person of [staffMember, manager]) {
      const { agent, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
      expect((await agent.get('/admin/mail')).status).toBe(403);
      expect((await agent.post('/admin/mail/test').type('form').send({ _csrf: csrf, to: 'x@example.jp' })).status).toBe(403);
    }
    expect(await ctx.db.$count(outbox)).toBe(0);
    const admin = await makeAdmin(ctx.db);
    const { agent } = await signIn(ctx.app, admin.employeeNo, admin.password);
    expect((await agent.get('/admin/mail')).status).toBe(200);
  });

  it('sends a test message through the outbox, audited, and shows it in the log with the counts', async () => {
    const officer = await makeOfficer(ctx.db, { name: '情報 担当子' });
    const { agent } = await signIn(ctx.app, officer.employeeNo, officer.password);
    const page = await agent.get('/admin/mail').expect(200);
    expect(page.text).toContain(`差出人: ${MAIL_FROM}（差出人名: ${TEST_HOSPITAL}）`);
    // The page names the server, never its credentials.
    expect(page.text).toContain(`smtp://127.0.0.1:${smtp.port}`);

    const res = await agent
      .post('/admin/mail/test')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), to: 'Check@Minato-HP.example.jp' });
    expect(res.status).toBe(303);
    const [job] = await ctx.db.select().from(outbox).where(eq(outbox.kind, 'mail.send'));
    expect(job!.payload).toMatchObject({ to: 'check@minato-hp.example.jp', topic: 'test', staffId: null });
    const [audit] = await auditOf('mail.test');
    expect(audit).toMatchObject({
      actorId: officer.id,
      subjectType: 'mail',
      subjectId: String(job!.id),
      details: { to: 'check@minato-hp.example.jp' },
    });

    const queued = await agent.get('/admin/mail').expect(200);
    expect(queued.text).toMatch(/data-count="queued">1</);

    expect(await drain()).toBe(1);
    const arrived = smtp.arrived.find((a) => a.envelope.to[0] === 'check@minato-hp.example.jp')!;
    expect(arrived.mail.subject).toBe(`【${TEST_HOSPITAL}】テストメール（情報セキュリティ研修）`);
    expect(arrived.mail.text).toContain('送信を依頼した人: 情報 担当子');

    const after = await agent.get('/admin/mail').expect(200);
    expect(after.text).toMatch(/data-count="queued">0</);
    expect(after.text).toMatch(/data-count="sent">1</);
    expect(after.text).toMatch(new RegExp(`<tr data-job="${job!.id}" data-status="sent">`));
    expect(after.text).toContain('check@minato-hp.example.jp');
    expect(after.text).toContain('テストメール');

    // The audit page reads it in words.
    const auditPage = await agent.get('/admin/audit').expect(200);
    expect(auditPage.text).toContain('テストメールの送信');
  });

  it('refuses a test message to something that is not an address, at the form', async () => {
    const officer = await makeOfficer(ctx.db);
    const { agent, csrf } = await signIn(ctx.app, officer.employeeNo, officer.password);
    const before = await ctx.db.$count(outbox);
    const res = await agent.post('/admin/mail/test').type('form').send({ _csrf: csrf, to: 'not-an-address' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('id="to-error"');
    expect(res.text).toContain('value="not-an-address"');
    expect(await ctx.db.$count(outbox)).toBe(before);
  });

  it('retries a failed mail now, audited; a sent one cannot be retried', async () => {
    await smtp.stop();
    const jobId = await withTransaction(ctx.db, NOW, (work) =>
      queueMail(work, { to: 'late@minato-hp.example.jp', subject: '受講期限のお知らせ', text: '本文', topic: 'reminder' }),
    );
    try {
      expect(await drain()).toBe(1);
    } finally {
      await smtp.start();
    }
    const failed = (await findJob(ctx.db, jobId))!;
    expect(failed.runAfter.getTime()).toBeGreaterThan(NOW.getTime());

    const officer = await makeOfficer(ctx.db);
    const { agent } = await signIn(ctx.app, officer.employeeNo, officer.password);
    const page = await agent.get('/admin/mail?status=failed').expect(200);
    expect(page.text).toMatch(new RegExp(`<tr data-job="${jobId}" data-status="failed">`));
    expect(page.text).toContain(`action="/admin/mail/${jobId}/retry"`);
    expect(page.text).toMatch(/ECONNREFUSED|connect/i);
    expect(page.text).toMatch(/data-count="retrying">1</);

    const res = await agent
      .post(`/admin/mail/${jobId}/retry`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    expect((await findJob(ctx.db, jobId))!.runAfter).toEqual(NOW);
    const audits = await auditOf('mail.retry');
    expect(audits.at(-1)).toMatchObject({ actorId: officer.id, subjectId: String(jobId), details: { to: 'late@minato-hp.example.jp' } });

    // Due now: the worker sends it without waiting for its backoff.
    expect(await drain()).toBe(1);
    const [row] = await ctx.db.select().from(mailLog).where(eq(mailLog.jobId, jobId));
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });

    const sentPage = await agent.get('/admin/mail').expect(200);
    expect(sentPage.text).not.toContain(`action="/admin/mail/${jobId}/retry"`);
    const again = await agent
      .post(`/admin/mail/${jobId}/retry`)
      .type('form')
      .send({ _csrf: csrfFrom(sentPage.text) });
    expect(again.status).toBe(404);
    expect((await auditOf('mail.retry')).length).toBe(audits.length);
  });

  it('brings a given-up mail back for one more attempt', async () => {
    await smtp.stop();
    const jobId = await withTransaction(ctx.db, NOW, (work) =>
      queueMail(work, { to: 'dead@minato-hp.example.jp', subject: '件名', text: '本文', topic: 'reminder' }),
    );
    try {
      expect(await drain()).toBe(1);
      expect(await drain(new Date(NOW.getTime() + 120_000))).toBe(1);
    } finally {
      await smtp.start();
    }
    expect((await findJob(ctx.db, jobId))!.deadAt).not.toBeNull();
    const officer = await makeOfficer(ctx.db);
    const { agent } = await signIn(ctx.app, officer.employeeNo, officer.password);
    const page = await agent.get('/admin/mail?status=dead').expect(200);
    expect(page.text).toMatch(new RegExp(`<tr data-job="${jobId}" data-status="dead">`));
    await agent
      .post(`/admin/mail/${jobId}/retry`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);
    expect(await findJob(ctx.db, jobId)).toMatchObject({ deadAt: null, runAfter: NOW });
    expect(await drain()).toBe(1);
    expect(smtp.arrived.filter((a) => a.envelope.to[0] === 'dead@minato-hp.example.jp')).toHaveLength(1);
    const [audit] = await ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'mail.retry'), eq(auditLog.subjectId, String(jobId))));
    expect(audit!.details).toMatchObject({ wasGivenUp: true });
  });

  it('retries every failed and given-up mail at once after an outage, audited', async () => {
    await smtp.stop();
    const ids = await withTransaction(ctx.db, NOW, async (work) => [
      await queueMail(work, { to: 'o1@minato-hp.example.jp', subject: '件名1', text: '本文', topic: 'reminder' }),
      await queueMail(work, { to: 'o2@minato-hp.example.jp', subject: '件名2', text: '本文', topic: 'reminder' }),
    ]);
    try {
      expect(await drain()).toBe(2);
      // Two attempts each (the test's limit): both given up.
      expect(await drain(new Date(NOW.getTime() + 120_000))).toBe(2);
    } finally {
      await smtp.start();
    }
    const queuedLater = await withTransaction(ctx.db, NOW, (work) =>
      queueMail(work, { to: 'o3@minato-hp.example.jp', subject: '件名3', text: '本文', topic: 'reminder' }),
    );
    const officer = await makeOfficer(ctx.db);
    const { agent } = await signIn(ctx.app, officer.employeeNo, officer.password);
    const page = await agent.get('/admin/mail').expect(200);
    expect(page.text).toMatch(/data-count="dead">2</);
    expect(page.text).toContain('action="/admin/mail/retry-failed"');
    await agent
      .post('/admin/mail/retry-failed')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);
    for (const id of ids) expect(await findJob(ctx.db, id)).toMatchObject({ deadAt: null, runAfter: NOW });
    // A mail that never failed is not touched.
    expect((await findJob(ctx.db, queuedLater))!.attempts).toBe(0);
    const [audit] = (await auditOf('mail.retry-all')).slice(-1);
    expect(audit).toMatchObject({ actorId: officer.id, details: { count: 2 } });
    expect(await drain()).toBe(3);
    const after = await agent.get('/admin/mail').expect(200);
    expect(after.text).toMatch(/data-count="dead">0</);
    expect(after.text).not.toContain('action="/admin/mail/retry-failed"');
  });

  it('says when mail is not configured, and refuses a test message then', async () => {
    const app = createApp({ config: testConfig({ LOGIN_RATE_LIMIT_PER_15MIN: '1000' }), database: ctx.database, clock: () => NOW });
    const officer = await makeOfficer(ctx.db);
    const { agent } = await signIn(app, officer.employeeNo, officer.password);
    const page = await agent.get('/admin/mail').expect(200);
    expect(page.text).toContain('メール送信が設定されていません');
    const before = await ctx.db.$count(outbox);
    const res = await agent
      .post('/admin/mail/test')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), to: 'x@minato-hp.example.jp' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('メール送信が設定されていないため、テストメールは送れません。');
    expect(await ctx.db.$count(outbox)).toBe(before);
  });
});
