import { asc, desc, eq, sql } from 'drizzle-orm';
import type { Viewer } from '../../server/auth/policies';
import { verifyAuditChain } from '../../server/compliance/audit/service';
import { auditLog } from '../../server/db/schema';
import { StaffFormSchema } from '../../server/staff/schema';
import { createStaff, setRetirement } from '../../server/staff/service';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { makeAdmin } from '../support/factories';

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

let uniq = 0;
const input = (name: string) => StaffFormSchema.parse({ employeeNo: `AU${Date.now().toString(36)}${++uniq}`, name });

const seqs = async (db: TestContext['db']) => (await db.select({ seq: auditLog.seq }).from(auditLog).orderBy(asc(auditLog.seq))).map((r) => r.seq);

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

    const { agent } = await signIn(ctx.app, adminRow.employeeNo, adminRow.password);
    const okPage = await agent.get('/admin/audit').expect(200);
    expect(okPage.text).toContain('改ざんされていません（6 件を検証）');
    expect(okPage.text).toContain('staff.retire');

    // Change one entry's details: the chain breaks exactly there.
    const [original] = await ctx.db.select().from(auditLog).where(eq(auditLog.seq, 3));
    await ctx.db.execute(sql`UPDATE audit_log SET details = ${JSON.stringify({ after: { name: '改ざん' } })}::jsonb WHERE seq = 3`);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: false, brokenAtSeq: 3, reason: 'hash mismatch', entries: 2 });
    const brokenPage = await agent.get('/admin/audit').expect(200);
    expect(brokenPage.text).toContain('第 3 件で一致しません');
    expect(brokenPage.text).not.toContain('改ざんされていません');

    // Putting the same content back (jsonb may reorder keys) makes it whole again.
    await ctx.db.execute(sql`UPDATE audit_log SET details = ${JSON.stringify(original!.details)}::jsonb WHERE seq = 3`);
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);

    // Changing who did it breaks it too, not only the details.
    await ctx.db.execute(sql`UPDATE audit_log SET actor_id = NULL WHERE seq = 2`);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: false, brokenAtSeq: 2 });
    await ctx.db.execute(sql`UPDATE audit_log SET actor_id = ${adminRow.id} WHERE seq = 2`);
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);

    // Delete the last-but-one entry.
    const all = await seqs(ctx.db);
    const victim = all[all.length - 2]!;
    await ctx.db.execute(sql`DELETE FROM audit_log WHERE seq = ${victim}`);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: false, brokenAtSeq: victim, reason: 'missing entry' });
    const gapPage = await agent.get('/admin/audit').expect(200);
    expect(gapPage.text).toContain(`第 ${victim} 件で一致しません`);
  });

  it('also breaks when the first entry is removed', async () => {
    await ctx.db.execute(sql`DELETE FROM audit_log WHERE seq = 1`);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: false, brokenAtSeq: 1, entries: 0 });
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
