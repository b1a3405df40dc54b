/**
 * Mail delivery against a real SMTP server the test starts: what arrives (read back by
 * mailparser, as a mail client would), the mail log, retries while SMTP is down, and each mail
 * delivered once, also by two worker instances on one PostgreSQL.
 */
import { eq, sql } from 'drizzle-orm';
import { openDatabase, type DatabaseHandle } from '../../server/db/client';
import { mailLog, outbox, staff } from '../../server/db/schema';
import { withTransaction } from '../../server/db/transaction';
import { mailComposer, queueComposedMail, queueMail, queueMails, type MailMessage } from '../../server/mail/service';
import { MAIL_JOB } from '../../server/mail/job';
import { jobHandlers } from '../../server/outbox/handlers';
import { findJob } from '../../server/outbox/service';
import { createWorker, type JobKind } from '../../server/outbox/worker';
import { testConfig } from '../support/app';
import { openTestDatabase, usingPostgres } from '../support/database';
import { makeStaff } from '../support/factories';
import { capturedLog, makeHospital, MAIL_FROM, startTestSmtp, TEST_HOSPITAL, type TestSmtp } from '../support/mail-factories';

jest.setTimeout(90_000);

const onPostgres = usingPostgres();
if (!onPostgres) {
  console.info(
    'mail-delivery.test.ts: the two-instance test is skipped — it needs PostgreSQL (set DATABASE_URL); PGlite is one connection in one process.',
  );
}
const postgresOnly = onPostgres ? it : it.skip;

const RETRY = { baseDelayMs: 60_000, maxDelayMs: 240_000, maxAttempts: 3 };
let smtp: TestSmtp;
let database: DatabaseHandle & { url?: string };
let now: Date;

const config = () =>
  testConfig({
    SMTP_URL: smtp.url,
    MAIL_FROM,
    BASE_URL: 'https://kenshu.minato-hp.example.jp',
    CONTENT_BASE_URL: 'https://content.minato-hp.example.jp',
  });

function worker(db: DatabaseHandle = database, log = capturedLog().log) {
  return createWorker(db.db, { log, clock: () => now, retry: RETRY, handlers: jobHandlers({ config: config(), database: db, log }) });
}

const queue = (message: MailMessage, db: DatabaseHandle = database) => withTransaction(db.db, now, (work) => queueMail(work, message));
const logOf = async (jobId: number) => (await database.db.select().from(mailLog).where(eq(mailLog.jobId, jobId)))[0];

beforeAll(async () => {
  smtp = await startTestSmtp();
  database = await openTestDatabase();
  await makeHospital(database.db);
});
afterAll(async () => {
  await smtp.close();
  await database.close();
});
beforeEach(async () => {
  now = new Date('2026-06-01T00:00:00Z');
  smtp.arrived.length = 0;
  await database.db.delete(mailLog);
  await database.db.delete(outbox);
  if (!listening) await smtpUp();
});
let listening = true;
async function smtpDown() {
  await smtp.stop();
  listening = false;
}
async function smtpUp() {
  await smtp.start();
  listening = true;
}

describe('a queued mail', () => {
  it('arrives with its Japanese subject and body intact, from the hospital, to the recipient; the log says sent', async () => {
    const person = await makeStaff(database.db, { name: '山田 花子', email: 'hanako@minato-hp.example.jp' });
    const subject = '【重要】情報セキュリティ研修の受講期限（6月30日）が近づいています';
    const text = '山田 花子 様\n\n「全職員向け 情報セキュリティ基礎」の受講期限は 6月30日 です。\n絵文字も📧、旧字も髙﨑も通ります。\n';
    const jobId = await queue({ to: person.email!, subject, text, topic: 'reminder', staffId: person.id });

    expect(await worker().drain()).toBe(1);

    expect(smtp.arrived).toHaveLength(1);
    const [{ mail, raw, envelope }] = smtp.arrived as [(typeof smtp.arrived)[number]];
    expect(mail.subject).toBe(subject);
    expect(mail.text).toBe(text);
    expect(mail.from?.value).toEqual([{ name: TEST_HOSPITAL, address: MAIL_FROM }]);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value : []).toEqual([{ name: '', address: 'hanako@minato-hp.example.jp' }]);
    expect(envelope).toEqual({ from: MAIL_FROM, to: ['hanako@minato-hp.example.jp'] });
    // On the wire the headers are 7-bit: the subject and the name as encoded-words, the body in UTF-8.
    const headers = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
    expect(headers).toMatch(/^Subject: =\?UTF-8\?[BQ]\?/m);
    expect(headers).toMatch(/^From: =\?UTF-8\?[BQ]\?.*\?= <kenshu@minato-hp\.example\.jp>/m);
    expect([...headers].every((ch) => ch.charCodeAt(0) < 0x80)).toBe(true);
    expect(mail.headers.get('content-type')).toMatchObject({ value: 'text/plain', params: { charset: 'utf-8' } });

    const row = await logOf(jobId);
    expect(row).toMatchObject({
      recipient: 'hanako@minato-hp.example.jp',
      subject,
      topic: 'reminder',
      staffId: person.id,
      status: 'sent',
      attempts: 1,
      lastError: null,
      sentAt: now,
    });
    // The Message-ID the log keeps is the one that arrived.
    expect(mail.messageId).toBe(row!.messageId);
    expect(row!.messageId).toMatch(/^<mamoru\.\d+\.[0-9a-z]+@minato-hp\.example\.jp>$/);
    expect(row!.smtpResponse).toMatch(/^250/);
    expect((await findJob(database.db, jobId))!.doneAt).toEqual(now);
    // Done means done: another drain sends nothing.
    expect(await worker().drain()).toBe(0);
    expect(smtp.arrived).toHaveLength(1);
  });

  it('is composed in the recipient’s language with the hospital’s name and an absolute link', async () => {
    const en = await makeStaff(database.db, { name: 'Maria Santos', email: 'maria@minato-hp.example.jp' });
    await database.db.update(staff).set({ locale: 'en' }).where(eq(staff.id, en.id));
    const ja = await makeStaff(database.db, { name: '佐藤 一郎', email: 'ichiro@minato-hp.example.jp' });
    const composer = await mailComposer(database.db, config());
    await withTransaction(database.db, now, async (work) => {
      for (const [person, locale] of [
        [ja, 'ja'],
        [en, 'en'],
      ] as const) {
        await queueComposedMail(work, composer, {
          to: person.email!,
          topic: 'test',
          staffId: person.id,
          locale,
          recipientName: person.name,
          subjectKey: 'mail.test.subject',
          bodyKey: 'mail.test.body',
          params: { sender: '情報セキュリティ担当' },
          linkPath: '/courses',
        });
      }
    });
    expect(await worker().drain()).toBe(2);
    const byTo = new Map(smtp.arrived.map((a) => [a.envelope.to[0], a.mail]));
    const jaMail = byTo.get('ichiro@minato-hp.example.jp')!;
    expect(jaMail.subject).toBe(`【${TEST_HOSPITAL}】テストメール（情報セキュリティ研修）`);
    expect(jaMail.text).toContain('佐藤 一郎 様');
    expect(jaMail.text).toContain(`これは${TEST_HOSPITAL}の情報セキュリティ研修システムから送信したテストメールです。`);
    expect(jaMail.text).toContain('システムの入口: https://kenshu.minato-hp.example.jp/courses\n');
    const enMail = byTo.get('maria@minato-hp.example.jp')!;
    expect(enMail.subject).toBe(`[${TEST_HOSPITAL}] Test message (information security training)`);
    expect(enMail.text).toContain('Dear Maria Santos,');
    expect(enMail.text).toContain('https://kenshu.minato-hp.example.jp/courses');
    // Only the names are Japanese in the English mail, none of the wording.
    expect(enMail.text!.replaceAll(TEST_HOSPITAL, '').replace('情報セキュリティ担当', '')).not.toMatch(/[\u3000-\u9fff]/);
  });

  it('keeps no password link in the mail log, and drops the body from the outbox once sent', async () => {
    const token = 'pw-8f3a1c9e2b7d4f60a5c1e9b3d7f2a4c6';
    const link = `https://kenshu.minato-hp.example.jp/password/${token}`;
    const jobId = await queue({
      to: 'new.hire@minato-hp.example.jp',
      subject: `パスワードの設定 ${link}`, // even a careless subject
      text: `次のリンクからパスワードを設定してください。\n${link}\n`,
      topic: 'invitation',
    });
    expect(await worker().drain()).toBe(1);
    // The person got the link…
    expect(smtp.arrived[0]!.mail.text).toContain(link);
    // …the log did not, in any column, nor the outbox's kept payload.
    const logged = (await database.db.execute(sql`SELECT row_to_json(m)::text AS j FROM mail_log m`)) as unknown as {
      rows: { j: string }[];
    };
    expect(logged.rows).toHaveLength(1);
    expect(logged.rows[0]!.j).not.toContain(token);
    expect(logged.rows[0]!.j).toContain('パスワードの設定');
    const job = await findJob(database.db, jobId);
    expect(JSON.stringify(job!.payload)).not.toContain(token);
    expect(job!.payload).toMatchObject({ to: 'new.hire@minato-hp.example.jp', topic: 'invitation' });
  });
});

describe('many mails at once (a reminder run)', () => {
  it('are queued in a few statements, rendered per recipient, and each delivered once', async () => {
    const composer = await mailComposer(database.db, config());
    const people = Array.from({ length: 2500 }, (_, i) => ({
      id: null,
      email: `p${i}@minato-hp.example.jp`,
      name: `職員 ${i}`,
      locale: i % 5 ? 'ja' : 'en',
    }));
    const started = Date.now();
    const ids = await withTransaction(database.db, now, (work) =>
      queueMails(
        work,
        people.map((p) => ({
          to: p.email,
          topic: 'reminder',
          staffId: p.id,
          ...composer.compose({
            locale: p.locale,
            recipientName: p.name,
            subjectKey: 'mail.test.subject',
            bodyKey: 'mail.test.body',
            params: { sender: 'x' },
            linkPath: '/',
          }),
        })),
      ),
    );
    const took = Date.now() - started;
    expect(ids).toHaveLength(people.length);
    expect(new Set(ids).size).toBe(people.length);
    // About 0.25 s here (PGlite and PostgreSQL); a VALUES list took 2-3 s. Generous for a busy machine.
    expect(took).toBeLessThan(2000);
    const [first] = await database.db.select().from(outbox).where(eq(outbox.id, ids[0]!));
    expect(first).toMatchObject({ kind: MAIL_JOB, runAfter: now, attempts: 0, payload: { to: 'p0@minato-hp.example.jp', staffId: null } });
    expect((first!.payload as { text: string }).text).toContain('Dear 職員 0,');

    // Deliver a slice of them: each exactly once, in queue order.
    await database.db.execute(sql`UPDATE outbox SET run_after = ${new Date(now.getTime() + 86_400_000)} WHERE id > ${ids[19]!}`);
    expect(await worker().drain()).toBe(20);
    expect(smtp.arrived.map((a) => a.envelope.to[0])).toEqual(people.slice(0, 20).map((p) => p.email));
  });
});

describe('with the SMTP server down', () => {
  it('fails the attempt, retries with backoff, and delivers once when the server is back; the log shows both', async () => {
    await smtpDown();
    const jobId = await queue({ to: 'a@minato-hp.example.jp', subject: '研修のお知らせ', text: '本文', topic: 'reminder' });
    const { log, lines } = capturedLog();
    const w = worker(database, log);

    expect(await w.drain()).toBe(1);
    let row = await logOf(jobId);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, sentAt: null, lastAttemptAt: now });
    expect(row!.lastError).toMatch(/ECONNREFUSED|connect/i);
    const job = (await findJob(database.db, jobId))!;
    expect(job).toMatchObject({ attempts: 1, doneAt: null, deadAt: null });
    expect(job.runAfter.getTime() - now.getTime()).toBe(RETRY.baseDelayMs);
    expect(lines.some((l) => l.level === 40 && l.jobId === jobId && /will retry/.test(l.msg))).toBe(true);

    // Not due yet: nothing is tried before the backoff is over.
    now = new Date(job.runAfter.getTime() - 1);
    expect(await w.drain()).toBe(0);

    await smtpUp();
    now = job.runAfter;
    expect(await w.drain()).toBe(1);
    expect(smtp.arrived).toHaveLength(1);
    row = await logOf(jobId);
    expect(row).toMatchObject({ status: 'sent', attempts: 2, lastError: null, sentAt: now });
    expect(smtp.arrived[0]!.mail.messageId).toBe(row!.messageId);

    now = new Date(now.getTime() + 3_600_000);
    expect(await w.drain()).toBe(0);
    expect(smtp.arrived).toHaveLength(1);
  });

  it('gives up after the last attempt and says so in the log; nothing is lost from the outbox', async () => {
    await smtpDown();
    const jobId = await queue({ to: 'b@minato-hp.example.jp', subject: '件名', text: '本文', topic: 'reminder' });
    const w = worker();
    for (let attempt = 1; attempt <= RETRY.maxAttempts; attempt++) {
      expect(await w.drain()).toBe(1);
      now = (await findJob(database.db, jobId))!.runAfter;
      if (attempt < RETRY.maxAttempts) expect((await logOf(jobId))!.status).toBe('failed');
    }
    expect(await logOf(jobId)).toMatchObject({ status: 'dead', attempts: RETRY.maxAttempts });
    expect((await findJob(database.db, jobId))!.deadAt).not.toBeNull();
    expect(smtp.arrived).toHaveLength(0);
  });

  it('waits in the outbox while mail is not configured, and is sent once it is', async () => {
    const jobId = await queue({ to: 'c@minato-hp.example.jp', subject: '件名', text: '本文', topic: 'reminder' });
    const { log, lines } = capturedLog();
    const handlers = jobHandlers({ config: testConfig(), database, log });
    expect(handlers[MAIL_JOB]).toBeUndefined();
    expect(lines.some((l) => l.level === 40 && /not configured/.test(l.msg))).toBe(true);
    expect(await createWorker(database.db, { log, clock: () => now, handlers }).drain()).toBe(0);
    expect(await findJob(database.db, jobId)).toMatchObject({ attempts: 0, doneAt: null, deadAt: null });

    expect(await worker().drain()).toBe(1);
    expect(smtp.arrived).toHaveLength(1);
  });
});

describe('a failure that cannot even be logged', () => {
  it('still counts the attempt and schedules the retry (the log is written in a savepoint of its own)', async () => {
    const jobId = await queue({ to: 'e@minato-hp.example.jp', subject: '件名', text: '本文', topic: 'reminder' });
    const { log, lines } = capturedLog();
    await database.db.execute(sql`ALTER TABLE mail_log RENAME TO mail_log_away`);
    try {
      expect(await worker(database, log).drain()).toBe(1);
    } finally {
      await database.db.execute(sql`ALTER TABLE mail_log_away RENAME TO mail_log`);
    }
    const job = (await findJob(database.db, jobId))!;
    expect(job).toMatchObject({ attempts: 1, doneAt: null, deadAt: null });
    expect(job.runAfter.getTime() - now.getTime()).toBe(RETRY.baseDelayMs);
    expect(lines.some((l) => l.level === 50 && l.jobId === jobId && /recording its failure failed/.test(l.msg))).toBe(true);
    expect(smtp.arrived).toHaveLength(0);

    now = job.runAfter;
    expect(await worker().drain()).toBe(1);
    expect(await logOf(jobId)).toMatchObject({ status: 'sent', attempts: 2 });
  });
});

describe('a mail whose send succeeded but whose job was not marked done (the claim lost before its commit)', () => {
  /** The real handler, then a failure as if the connection broke before COMMIT. */
  function losingCommitOnce(db: DatabaseHandle) {
    const kind = jobHandlers({ config: config(), database: db, log: capturedLog().log })[MAIL_JOB] as JobKind;
    let lost = false;
    const wrapped: JobKind = {
      ...kind,
      run: async (job, work) => {
        await kind.run(job, work);
        if (!lost) {
          lost = true;
          throw new Error('Connection terminated unexpectedly');
        }
      },
    };
    return createWorker(db.db, { log: capturedLog().log, clock: () => now, retry: RETRY, handlers: { [MAIL_JOB]: wrapped } });
  }

  it(
    onPostgres
      ? 'is recognised on the retry (the log’s "sent" committed on its own) and not sent again'
      : 'is sent again on PGlite with the same Message-ID (its log mark shares the lost transaction)',
    async () => {
      const jobId = await queue({ to: 'd@minato-hp.example.jp', subject: '一度だけ', text: '本文', topic: 'reminder' });
      const w = losingCommitOnce(database);
      expect(await w.drain()).toBe(1);
      expect(smtp.arrived).toHaveLength(1);
      now = (await findJob(database.db, jobId))!.runAfter;
      expect(await w.drain()).toBe(1);
      const row = await logOf(jobId);
      expect(row).toMatchObject({ status: 'sent' });
      expect((await findJob(database.db, jobId))!.doneAt).not.toBeNull();
      if (onPostgres) {
        expect(smtp.arrived).toHaveLength(1);
      } else {
        expect(smtp.arrived).toHaveLength(2);
        expect(smtp.arrived[1]!.mail.messageId).toBe(smtp.arrived[0]!.mail.messageId);
      }
      expect(smtp.arrived.every((a) => a.mail.messageId === row!.messageId)).toBe(true);
    },
  );
});

describe('two app instances on one PostgreSQL', () => {
  postgresOnly('deliver each mail exactly once between them', async () => {
    const other = await openDatabase({ databaseUrl: database.url!, poolSize: 5 });
    try {
      const ids = await withTransaction(database.db, now, async (work) => {
        const out: number[] = [];
        for (let i = 0; i < 40; i++) {
          out.push(
            await queueMail(work, { to: `staff${i}@minato-hp.example.jp`, subject: `お知らせ ${i}`, text: `本文 ${i}`, topic: 'reminder' }),
          );
        }
        return out;
      });
      const log = capturedLog().log;
      const mk = (db: DatabaseHandle) =>
        createWorker(db.db, { log, clock: () => now, concurrency: 3, handlers: jobHandlers({ config: config(), database: db, log }) });
      const [ranA, ranB] = await Promise.all([mk(database).drain(), mk(other).drain()]);
      expect(ranA + ranB).toBe(ids.length);
      expect(ranA).toBeGreaterThan(0);
      expect(ranB).toBeGreaterThan(0);

      expect(smtp.arrived).toHaveLength(ids.length);
      const subjects = smtp.arrived.map((a) => a.mail.subject).sort();
      expect(new Set(subjects).size).toBe(ids.length);
      expect(new Set(smtp.arrived.map((a) => a.mail.messageId)).size).toBe(ids.length);
      const sent = await database.db.select().from(mailLog).where(eq(mailLog.status, 'sent'));
      expect(sent.map((r) => r.jobId).sort((a, b) => a - b)).toEqual(ids);
      expect(sent.every((r) => r.attempts === 1)).toBe(true);
    } finally {
      await other.close();
    }
  });
});
