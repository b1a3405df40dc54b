import { asc, desc, eq, sql } from 'drizzle-orm';
import type { Viewer } from '../../server/auth/policies';
import { recordAudit, verifyAuditChain, verifyWholeChain } from '../../server/compliance/audit/service';
import { auditCheckpoints, auditLog } from '../../server/db/schema';
import { withTransaction } from '../../server/db/transaction';
import { StaffFormSchema } from '../../server/staff/schema';
import { createStaff, setRetirement } from '../../server/staff/service';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { usingPostgres } from '../support/database';
import { makeAdmin, makeStaff } from '../support/factories';

// Each file opens its own database; on a busy 2-core machine that can outlast jest's 5 s default.
jest.setTimeout(30_000);

const asViewer = (row: { id: number; employeeNo: string; name: string }): Viewer => ({
  id: row.id,
  employeeNo: row.employeeNo,
  name: row.name,
  roles: ['staff', 'admin'],
  locale: 'ja',
  managedDepartmentIds: [],
});

const onPostgres = usingPostgres();
if (!onPostgres) {
  console.info(
    'audit.test.ts: "an audited write does not wait" is skipped — it needs PostgreSQL (set DATABASE_URL); PGlite runs one transaction at a time.',
  );
}
const postgresOnly = onPostgres ? it : it.skip;

let uniq = 0;
const input = (name: string) => StaffFormSchema.parse({ employeeNo: `AU${Date.now().toString(36)}${++uniq}`, name });

/**
 * What someone with the table owner's rights could do: switch off the append-only triggers
 * (nothing the app runs does), change the log, switch them back on. The chain must show it.
 */
async function tamper(db: TestContext['db'], statement: ReturnType<typeof sql>) {
  await db.execute(sql`ALTER TABLE audit_log DISABLE TRIGGER USER`);
  try {
    await db.execute(statement);
  } finally {
    await db.execute(sql`ALTER TABLE audit_log ENABLE TRIGGER USER`);
  }
}

const seqs = async (db: TestContext['db']) =>
  (await db.select({ seq: auditLog.seq }).from(auditLog).orderBy(asc(auditLog.seq))).map((r) => r.seq);

describe('a damaged chain', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
  });
  afterAll(() => ctx.close());

  it('verifies after mutations, then reports a tampered row, a deleted row, and shows it on the audit page', async () => {
    const adminRow = await makeAdmin(ctx.db);
    const actor = asViewer(adminRow);
    const ids: number[] = [];
    for (const name of ['一号', '二号', '三号', '四号']) ids.push(await createStaff(ctx.db, actor, input(name), new Date()));
    await setRetirement(ctx.db, actor, ids[0]!, '2024-03-31', new Date());
    await setRetirement(ctx.db, actor, ids[0]!, null, new Date());

    const intact = await verifyAuditChain(ctx.db);
    expect(intact).toMatchObject({ ok: true, entries: 6 });
    expect(intact.headHash).toMatch(/^[0-9a-f]{64}$/);
    const [head] = await ctx.db.select().from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
    expect(intact.headHash).toBe(head!.hash);

    const { agent, csrf } = await signIn(ctx.app, adminRow.employeeNo, adminRow.password);
    const okPage = await agent.get('/admin/audit').expect(200);
    expect(okPage.text).toContain('改ざんされていません（6 件を検証）');
    expect(okPage.text).toContain('staff.retire');

    // Change one entry's details: the chain breaks exactly there.
    const [original] = await ctx.db.select().from(auditLog).where(eq(auditLog.seq, 3));
    await tamper(ctx.db, sql`UPDATE audit_log SET details = ${JSON.stringify({ after: { name: '改ざん' } })}::jsonb WHERE seq = 3`);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: false, brokenAtSeq: 3, reason: 'hash mismatch', entries: 2 });
    // The page verifies from its checkpoint (entry 6) on, so it does not see an older entry's
    // change by itself, and says so rather than calling the chain intact…
    const partialPage = await agent.get('/admin/audit').expect(200);
    expect(partialPage.text).not.toContain('改ざんされていません');
    expect(partialPage.text).toContain('第 6 件より前の記録は以前の検証');
    // …until every entry is recomputed (the page's button, as `mamoru verify-audit`).
    await agent.post('/admin/audit/verify').type('form').send({ _csrf: csrf }).expect(303).expect('Location', '/admin/audit');
    const brokenPage = await agent.get('/admin/audit').expect(200);
    expect(brokenPage.text).toContain('第 3 件で一致しません');
    expect(brokenPage.text).not.toContain('改ざんされていません');

    // Putting the same content back (jsonb may reorder keys) makes it whole again.
    await tamper(ctx.db, sql`UPDATE audit_log SET details = ${JSON.stringify(original!.details)}::jsonb WHERE seq = 3`);
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);

    // Changing who did it breaks it too, not only the details.
    await tamper(ctx.db, sql`UPDATE audit_log SET actor_id = NULL WHERE seq = 2`);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: false, brokenAtSeq: 2 });
    await tamper(ctx.db, sql`UPDATE audit_log SET actor_id = ${adminRow.id} WHERE seq = 2`);
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);

    // Delete the last-but-one entry.
    const all = await seqs(ctx.db);
    const victim = all[all.length - 2]!;
    await tamper(ctx.db, sql`DELETE FROM audit_log WHERE seq = ${victim}`);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: false, brokenAtSeq: victim, reason: 'missing entry' });
    const gapPage = await agent.get('/admin/audit').expect(200);
    expect(gapPage.text).toContain(`第 ${victim} 件で一致しません`);
  });

  it('also breaks when the first entry is removed', async () => {
    await tamper(ctx.db, sql`DELETE FROM audit_log WHERE seq = 1`);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: false, brokenAtSeq: 1, entries: 0 });
  });
});

describe('the log is append-only', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  it('refuses to change, delete or truncate an entry through the database itself, and keeps it as it was', async () => {
    const admin = await makeAdmin(ctx.db);
    await createStaff(ctx.db, asViewer(admin), input('追記のみ'), new Date());
    const [first] = await ctx.db.select().from(auditLog).orderBy(asc(auditLog.seq)).limit(1);
    // drizzle wraps the database's error: its cause is PostgreSQL's own message.
    const refusal = (statement: ReturnType<typeof sql>) =>
      ctx.db.execute(statement).then(
        () => 'not refused',
        (err: Error & { cause?: Error }) => err.cause?.message ?? err.message,
      );
    expect(await refusal(sql`UPDATE audit_log SET details = '{}'::jsonb WHERE seq = ${first!.seq}`)).toBe(
      'audit_log is append-only: UPDATE refused',
    );
    expect(await refusal(sql`DELETE FROM audit_log WHERE seq = ${first!.seq}`)).toBe('audit_log is append-only: DELETE refused');
    expect(await refusal(sql`TRUNCATE audit_log`)).toBe('audit_log is append-only: TRUNCATE refused');
    const [after] = await ctx.db.select().from(auditLog).where(eq(auditLog.seq, first!.seq));
    expect(after).toEqual(first);
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
    // New entries are still written.
    await createStaff(ctx.db, asViewer(admin), input('追記のみ 2'), new Date());
    expect((await seqs(ctx.db)).length).toBeGreaterThan(1);
  });
});

describe('concurrent writers', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  it('keep one valid chain with consecutive sequence numbers', async () => {
    const actor = asViewer(await makeAdmin(ctx.db));
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => createStaff(ctx.db, actor, input(`並行 ${i}`), new Date())));
    expect(new Set(ids).size).toBe(20);

    const result = await verifyAuditChain(ctx.db);
    expect(result).toMatchObject({ ok: true, entries: 20 });
    expect(await seqs(ctx.db)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const creates = await ctx.db.select({ subjectId: auditLog.subjectId }).from(auditLog).where(eq(auditLog.action, 'staff.create'));
    expect(creates.map((c) => Number(c.subjectId)).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));

    // and once more, mixed with retirements of the same people
    await Promise.all([
      ...ids.slice(0, 10).map((id) => setRetirement(ctx.db, actor, id, '2024-03-31', new Date())),
      ...Array.from({ length: 10 }, (_, i) => createStaff(ctx.db, actor, input(`並行二 ${i}`), new Date())),
    ]);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: true, entries: 40 });
    expect(await seqs(ctx.db)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
});

describe('the audit page verifies from its checkpoint', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ env: { LOGIN_RATE_LIMIT_PER_15MIN: '1000' } });
  });
  afterAll(() => ctx.close());

  const checkpoints = async () =>
    (await ctx.db.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.id))).map((c) => ({
      seq: c.seq,
      entries: c.entries,
      fullWalk: c.fullWalk,
    }));

  it('recomputes only what came after the checkpoint, finds a change there, and says what it did not recompute', async () => {
    const adminRow = await makeAdmin(ctx.db);
    const actor = asViewer(adminRow);
    const create = (name: string) => createStaff(ctx.db, actor, input(name), new Date());
    for (const name of ['甲', '乙', '丙']) await create(name);
    const { agent, csrf } = await signIn(ctx.app, adminRow.employeeNo, adminRow.password);

    // No checkpoint yet: the whole chain, recorded as a full walk.
    const first = await agent.get('/admin/audit').expect(200);
    expect(first.text).toContain('改ざんされていません（3 件を検証）');
    expect(first.text).toContain('最初の記録から全件を再計算した最後の検証');
    expect(first.text).toContain('（第 3 件まで、改ざんなし）');
    expect(await checkpoints()).toEqual([{ seq: 3, entries: 3, fullWalk: true }]);

    // Two more entries: recomputed from the checkpoint's own entry on, and a checkpoint further on.
    await create('丁');
    await create('戊');
    const second = await agent.get('/admin/audit').expect(200);
    expect(second.text).toContain('第 3 件から第 5 件まで（3 件）のハッシュを今回再計算し、すべて一致しました。');
    expect(second.text).toContain('第 3 件より前の記録は以前の検証');
    expect(second.text).not.toContain('改ざんされていません');
    expect(second.text).toContain('（第 3 件まで、改ざんなし）'); // the last full walk is still the first view's
    expect(await checkpoints()).toEqual([
      { seq: 3, entries: 3, fullWalk: true },
      { seq: 5, entries: 5, fullWalk: false },
    ]);

    // A changed entry after the checkpoint: found by the page itself.
    await create('己');
    await create('庚');
    const [sixth] = await ctx.db.select().from(auditLog).where(eq(auditLog.seq, 6));
    await tamper(ctx.db, sql`UPDATE audit_log SET details = ${JSON.stringify({ after: { name: '改ざん' } })}::jsonb WHERE seq = 6`);
    const tampered = await agent.get('/admin/audit').expect(200);
    expect(tampered.text).toContain('第 6 件で一致しません');
    expect(tampered.text).not.toContain('すべて一致しました');
    await tamper(ctx.db, sql`UPDATE audit_log SET details = ${JSON.stringify(sixth!.details)}::jsonb WHERE seq = 6`);
    expect((await agent.get('/admin/audit').expect(200)).text).toContain(
      '第 5 件から第 7 件まで（3 件）のハッシュを今回再計算し、すべて一致しました。',
    );
    expect((await checkpoints()).at(-1)).toEqual({ seq: 7, entries: 7, fullWalk: false });

    // The checkpoint's own entry must still carry the hash it was verified with: a chain rewritten
    // consistently from an earlier entry changes it.
    const [seventh] = await ctx.db.select().from(auditLog).where(eq(auditLog.seq, 7));
    await tamper(ctx.db, sql`UPDATE audit_log SET hash = ${'f'.repeat(64)} WHERE seq = 7`);
    expect((await agent.get('/admin/audit').expect(200)).text).toContain('第 7 件で一致しません');
    await tamper(ctx.db, sql`UPDATE audit_log SET hash = ${seventh!.hash} WHERE seq = 7`);

    // An older entry changed: the page (from its checkpoint at 5, which the break at 7 left) does
    // not recompute it and does not call the chain intact; the whole walk finds it and removes
    // the checkpoints it disproves, so from then on the page finds it too.
    const [firstEntry] = await ctx.db.select().from(auditLog).where(eq(auditLog.seq, 1));
    await tamper(ctx.db, sql`UPDATE audit_log SET actor_id = NULL WHERE seq = 1`);
    const unseen = await agent.get('/admin/audit').expect(200);
    expect(unseen.text).toContain('第 5 件より前の記録は以前の検証');
    expect(unseen.text).not.toContain('改ざんされていません');
    expect(await verifyWholeChain(ctx.db, new Date())).toMatchObject({ ok: false, brokenAtSeq: 1 });
    expect(await checkpoints()).toEqual([]);
    expect((await agent.get('/admin/audit').expect(200)).text).toContain('第 1 件で一致しません');

    // Repaired, and the whole walk run from the page's button: a full-walk checkpoint at the head.
    await tamper(ctx.db, sql`UPDATE audit_log SET actor_id = ${firstEntry!.actorId} WHERE seq = 1`);
    await agent.post('/admin/audit/verify').type('form').send({ _csrf: csrf }).expect(303);
    expect(await checkpoints()).toEqual([{ seq: 7, entries: 7, fullWalk: true }]);
    const repaired = await agent.get('/admin/audit').expect(200);
    expect(repaired.text).toContain('第 7 件から第 7 件まで（1 件）のハッシュを今回再計算し、すべて一致しました。');
    expect(repaired.text).toContain('（第 7 件まで、改ざんなし）');
  });

  it('refuses the full walk to someone who may not verify the audit log', async () => {
    const person = await makeStaff(ctx.db);
    const { agent, csrf } = await signIn(ctx.app, person.employeeNo, person.password);
    const before = await checkpoints();
    await agent.post('/admin/audit/verify').type('form').send({ _csrf: csrf }).expect(403);
    await agent.get('/admin/audit').expect(403);
    expect(await checkpoints()).toEqual(before);
  });
});

describe('an audited write', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  // The chain is appended just before COMMIT (withTransaction's beforeCommit), so its lock is held
  // only for the append and the commit; taking it when the event is recorded would make B wait here.
  postgresOnly('does not wait for another audited transaction that is still open', async () => {
    const actor = asViewer(await makeAdmin(ctx.db));
    let recorded!: () => void;
    const recordedInA = new Promise<void>((r) => (recorded = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a = withTransaction(ctx.db, new Date(), async (work) => {
      recordAudit(work, [{ actorId: actor.id, action: 'test.slow-change', subjectType: 'test', subjectId: 1 }]);
      await work.tx.execute(sql`INSERT INTO departments (name) VALUES (${`A-${Date.now()}`})`);
      recorded();
      await gate; // A stays open, its event recorded, until the test lets it go
    });
    try {
      await recordedInA;
      const b = createStaff(ctx.db, actor, input('B さん'), new Date()).then(() => 'committed' as const);
      const timeout = new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), 5000));
      expect(await Promise.race([b, timeout])).toBe('committed');
      // B's entry is in the chain already; A's is not.
      expect((await ctx.db.select({ action: auditLog.action }).from(auditLog)).map((r) => r.action)).toEqual(['staff.create']);
    } finally {
      release();
    }
    await a;
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: true, entries: 2 });
    expect((await ctx.db.select({ action: auditLog.action }).from(auditLog).orderBy(asc(auditLog.seq))).map((r) => r.action)).toEqual([
      'staff.create',
      'test.slow-change',
    ]);
  });
});
