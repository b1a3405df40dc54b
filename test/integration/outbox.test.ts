import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../../server/db/client';
import { openDatabase } from '../../server/db/client';
import { outbox } from '../../server/db/schema';
import { withTransaction } from '../../server/db/transaction';
import { createLogger } from '../../server/lib/log';
import { enqueue, findJob } from '../../server/outbox/service';
import { createWorker, retryDelayMs, type JobHandler } from '../../server/outbox/worker';
import { openTestDatabase, usingPostgres } from '../support/database';

jest.setTimeout(60_000);

const onPostgres = usingPostgres();
if (!onPostgres) {
  console.info(
    'outbox.test.ts: the two-instance test is skipped — it needs PostgreSQL (set DATABASE_URL); PGlite is one connection in one process.',
  );
}
const postgresOnly = onPostgres ? it : it.skip;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A logger whose lines the test reads. */
function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

let database: DatabaseHandle & { url?: string };
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());
beforeEach(async () => {
  await database.db.delete(outbox);
});

async function enqueueNow(kind: string, payload: Record<string, unknown>, now = new Date()): Promise<number> {
  return withTransaction(database.db, now, (work) => enqueue(work, kind, payload));
}

/** Counts runs per job id, and how many ran at the same moment at most. */
function countingHandler(delayMs: number) {
  const runs = new Map<number, number>();
  let running = 0;
  let maxRunning = 0;
  const handler: JobHandler = async (job) => {
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
    await sleep(delayMs);
    running -= 1;
  };
  return { handler, runs, maxRunning: () => maxRunning };
}

describe('the outbox', () => {
  it('runs an enqueued job once, with its payload, and marks it done; its writes commit with it', async () => {
    const seen: unknown[] = [];
    const id = await enqueueNow('test.hello', { to: 'someone', at: new Date('2026-04-01T00:00:00Z'), skipped: undefined });
    const worker = createWorker(database.db, {
      log: capturedLog().log,
      handlers: {
        'test.hello': async (job, work) => {
          seen.push({ id: job.id, kind: job.kind, payload: job.payload, attempt: job.attempt });
          await work.tx.execute(sql`INSERT INTO departments (name) VALUES (${`outbox-${job.id}`})`);
        },
      },
    });

    expect(await worker.drain()).toBe(1);
    expect(await worker.drain()).toBe(0);
    // What the handler gets is what jsonb kept: a Date became its ISO string, undefined is gone.
    expect(seen).toEqual([{ id, kind: 'test.hello', payload: { to: 'someone', at: '2026-04-01T00:00:00.000Z' }, attempt: 1 }]);
    const row = await findJob(database.db, id);
    expect(row).toMatchObject({ attempts: 1, lastError: null, deadAt: null });
    expect(row!.doneAt).toBeInstanceOf(Date);
    const dept = (await database.db.execute(sql`SELECT count(*)::int AS n FROM departments WHERE name = ${`outbox-${id}`}`)) as unknown as {
      rows: { n: number }[];
    };
    expect(dept.rows[0]!.n).toBe(1);
  });

  it('retries a failing job with growing delays up to the cap, then keeps it dead with its last error', async () => {
    let now = new Date('2026-05-01T09:00:00Z');
    const { log, lines } = capturedLog();
    const retry = { baseDelayMs: 1000, maxDelayMs: 4000, maxAttempts: 5 };
    let runs = 0;
    const worker = createWorker(database.db, {
      log,
      clock: () => now,
      retry,
      handlers: {
        'test.flaky': async (_job, work) => {
          runs += 1;
          // Written, then undone with the failed run: a failing handler leaves nothing behind.
          await work.tx.execute(sql`INSERT INTO departments (name) VALUES (${`flaky-${runs}`})`);
          throw new Error(`boom ${runs}`);
        },
      },
    });
    const id = await enqueueNow('test.flaky', {}, now);

    const delays: number[] = [];
    for (let attempt = 1; attempt <= retry.maxAttempts; attempt++) {
      expect(await worker.drain()).toBe(1);
      const row = (await findJob(database.db, id))!;
      expect(row).toMatchObject({ attempts: attempt, lastError: `Error: boom ${attempt}`, doneAt: null });
      if (attempt < retry.maxAttempts) {
        expect(row.deadAt).toBeNull();
        delays.push(row.runAfter.getTime() - now.getTime());
        // Not due yet: a drain a moment before its time takes nothing.
        now = new Date(row.runAfter.getTime() - 1);
        expect(await worker.drain()).toBe(0);
        now = row.runAfter;
      } else {
        expect(row.deadAt).toEqual(now);
      }
    }
    expect(delays).toEqual([1000, 2000, 4000, 4000]);
    expect(delays.map((_, i) => retryDelayMs(i + 1, retry))).toEqual(delays);

    // Dead: never taken again, however late it gets.
    now = new Date(now.getTime() + 24 * 3600_000);
    expect(await worker.drain()).toBe(0);
    expect(runs).toBe(retry.maxAttempts);
    expect((await findJob(database.db, id))!.lastError).toBe('Error: boom 5');

    const warnings = lines.filter((l) => l.level === 40 && l.jobId === id);
    expect(warnings).toHaveLength(retry.maxAttempts - 1);
    expect(lines.filter((l) => l.level === 50 && l.jobId === id)).toEqual([
      expect.objectContaining({ kind: 'test.flaky', attempts: 5, msg: expect.stringContaining('dead') }),
    ]);
    const left = (await database.db.execute(sql`SELECT count(*)::int AS n FROM departments WHERE name LIKE 'flaky-%'`)) as unknown as {
      rows: { n: number }[];
    };
    expect(left.rows[0]!.n).toBe(0);
  });

  it('never runs a job whose transaction rolled back', async () => {
    const { handler, runs } = countingHandler(0);
    await expect(
      withTransaction(database.db, new Date(), async (work) => {
        await enqueue(work, 'test.count', { n: 1 });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const worker = createWorker(database.db, { log: capturedLog().log, handlers: { 'test.count': handler } });
    expect(await worker.drain()).toBe(0);
    expect(runs.size).toBe(0);
    expect(await database.db.$count(outbox)).toBe(0);
  });

  it('leaves a kind it has no handler for to a worker that has one', async () => {
    const id = await enqueueNow('test.other', {});
    const { handler, runs } = countingHandler(0);
    const worker = createWorker(database.db, { log: capturedLog().log, handlers: { 'test.count': handler } });
    expect(await worker.drain()).toBe(0);
    expect(runs.size).toBe(0);
    expect(await findJob(database.db, id)).toMatchObject({ attempts: 0, doneAt: null, deadAt: null });
  });

  it('runs in a loop once started, and a stop lets the job in flight finish and commit', async () => {
    let release: () => void = () => {};
    const started: number[] = [];
    const worker = createWorker(database.db, {
      log: capturedLog().log,
      pollMs: 50,
      handlers: {
        'test.slow': async (job) => {
          started.push(job.id);
          await new Promise<void>((r) => (release = r));
        },
      },
    });
    const [first, second] = await withTransaction(database.db, new Date(), async (work) => [
      await enqueue(work, 'test.slow', {}),
      await enqueue(work, 'test.slow', {}),
    ]);
    worker.start();
    while (started.length === 0) await sleep(20);

    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await sleep(200);
    expect(stopped).toBe(false); // waiting for the job in flight
    release();
    await stopping;
    expect(started).toEqual([first]);
    expect((await findJob(database.db, first))!.doneAt).toBeInstanceOf(Date);
    // Taken by no one after the stop.
    expect(await findJob(database.db, second)).toMatchObject({ attempts: 0, doneAt: null });
  });

  it('keeps looping when a drain fails (the database away), and runs the job once it is back', async () => {
    const { log, lines } = capturedLog();
    const { handler, runs } = countingHandler(0);
    const id = await enqueueNow('test.count', {});
    await database.db.execute(sql`ALTER TABLE outbox RENAME TO outbox_away`);
    const worker = createWorker(database.db, { log, pollMs: 30, handlers: { 'test.count': handler } });
    try {
      worker.start();
      while (!lines.some((l) => l.level === 40)) await sleep(20);
    } finally {
      await database.db.execute(sql`ALTER TABLE outbox_away RENAME TO outbox`);
    }
    while (runs.size === 0) await sleep(20);
    await worker.stop();
    expect(runs.get(id)).toBe(1);
    expect(lines.find((l) => l.level === 40)).toMatchObject({ msg: expect.stringContaining('could not drain') });
  });

  it('gives each job to exactly one of two workers draining one database handle', async () => {
    const ids = await withTransaction(database.db, new Date(), async (work) => {
      const out: number[] = [];
      for (let i = 0; i < 30; i++) out.push(await enqueue(work, 'test.count', { i }));
      return out;
    });
    const { handler, runs } = countingHandler(5);
    const a = createWorker(database.db, { log: capturedLog().log, handlers: { 'test.count': handler }, concurrency: 2 });
    const b = createWorker(database.db, { log: capturedLog().log, handlers: { 'test.count': handler }, concurrency: 2 });
    const [ranA, ranB] = await Promise.all([a.drain(), b.drain()]);
    expect(ranA + ranB).toBe(ids.length);
    expect([...runs.keys()].sort((x, y) => x - y)).toEqual(ids);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
  });

  // Two app instances: two processes, two connection pools, one database.
  postgresOnly('gives each job to exactly one of two instances with their own connection pools', async () => {
    const other = await openDatabase({ databaseUrl: database.url!, poolSize: 4 });
    try {
      const ids = await withTransaction(database.db, new Date(), async (work) => {
        const out: number[] = [];
        for (let i = 0; i < 60; i++) out.push(await enqueue(work, 'test.count', { i }));
        return out;
      });
      const { handler, runs, maxRunning } = countingHandler(15);
      const perInstance = new Map<string, number>();
      const tally =
        (name: string): JobHandler =>
        async (job, work) => {
          perInstance.set(name, (perInstance.get(name) ?? 0) + 1);
          await handler(job, work);
        };
      const a = createWorker(database.db, { log: capturedLog().log, handlers: { 'test.count': tally('a') }, concurrency: 3 });
      const b = createWorker(other.db, { log: capturedLog().log, handlers: { 'test.count': tally('b') }, concurrency: 3 });
      const [ranA, ranB] = await Promise.all([a.drain(), b.drain()]);

      expect(ranA + ranB).toBe(ids.length);
      expect([...runs.keys()].sort((x, y) => x - y)).toEqual(ids);
      expect([...runs.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      // They really ran side by side: both instances took jobs, several at once.
      expect(perInstance.get('a')).toBeGreaterThan(0);
      expect(perInstance.get('b')).toBeGreaterThan(0);
      expect(maxRunning()).toBeGreaterThan(1);
      const pending = (await database.db.execute(sql`SELECT count(*)::int AS n FROM outbox WHERE done_at IS NULL`)) as unknown as {
        rows: { n: number }[];
      };
      expect(pending.rows[0]!.n).toBe(0);
    } finally {
      await other.close();
    }
  });
});
