/**
 * DESIGN.md §8: no acknowledged commit is ever lost, even if the process is killed. The real
 * server runs in its own process; four learners commit as fast as it answers, the process gets
 * SIGKILL mid-stream, and after a restart on the same data every learner's stored state must
 * hold at least the last commit the server acknowledged — for the embedded database (PGlite in
 * DATA_DIR) and, when the run uses PostgreSQL, for a PostgreSQL database.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { openDatabase, type DatabaseHandle } from '../../server/db/client';
import { scoStates } from '../../server/db/schema';
import { importPackage } from '../../server/scorm/courses/service';
import { commit12 } from '../support/cmi';
import { openTestDatabase, usingPostgres } from '../support/database';
import { makeStaff } from '../support/factories';
import { buildPackage, singleSco12 } from '../support/scorm-packages';
import {
  commitOverHttp,
  freePort,
  launchOverHttp,
  request,
  signInOverHttp,
  startAttemptOverHttp,
  startServer,
  type Browser,
  type ServerProcess,
} from '../support/server-process';

const LEARNERS = 4;
/** Kill-and-restart cycles per database, on the same data. */
const RUNS = 3;
/** Acknowledged commits (all learners together) before the kill: at least this, plus a random extra. */
const KILL_AFTER = 50;

// Four server starts (each compiles the app and opens the database) and an initdb, on two busy cores.
jest.setTimeout(120_000);

/** Every server this file started: one left running by a failed assertion is killed in afterAll. */
const started: ServerProcess[] = [];

interface Learner {
  browser: Browser;
  attemptId: number;
  scoId: number;
}

interface CommitTarget {
  port?: number;
  path: string;
  headers: Record<string, string>;
  commitKey?: string;
}

interface RunRecord {
  /** Per learner: the commit URL of the session the run opened. */
  targets: CommitTarget[];
  /** Per learner: the highest sequence answered 200 / result 'true' / 'applied' (-1: none). */
  acked: number[];
  /** Per learner: the highest sequence sent. */
  sent: number[];
  totalAcked: number;
}

/** The database the child server uses, and how this process opens it (PGlite: only while no server has the data dir). */
interface Variant {
  driver: 'pglite' | 'postgres';
  env: NodeJS.ProcessEnv;
  open(): Promise<DatabaseHandle>;
  /** open() hands out one shared handle, closed by the test's cleanup rather than after each use. */
  shared: boolean;
}

/** Commit `seq`: its lesson_location and suspend_data name the sequence, so the stored CMI tells which commit it is. */
const body = (seq: number) =>
  JSON.stringify({
    ...commit12({ lesson_location: String(seq), session_time: '00:00:01' }, { suspend_data: `seq=${seq}` }),
    commitSequence: seq,
  });

const answer = (res: { status: number; body: string }) => ({ status: res.status, body: JSON.parse(res.body) as unknown });

/** The child's environment: only what it needs, so no DATABASE_URL leaks into the PGlite variant. */
const childEnv = (dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  DATA_DIR: dataDir,
  HOST: '127.0.0.1',
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
  LOGIN_RATE_LIMIT_PER_15MIN: '100000',
  ...extra,
});

/**
 * Four learners commit in a tight loop; once KILL_AFTER + a random few commits have been
 * acknowledged, the process gets SIGKILL (a random 0–7 ms later) while commits are in flight.
 */
async function commitUntilKilled(server: ServerProcess, port: number, targets: CommitTarget[]): Promise<RunRecord> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: LEARNERS });
  const record: RunRecord = { targets, acked: targets.map(() => -1), sent: targets.map(() => -1), totalAcked: 0 };
  const killAt = KILL_AFTER + crypto.randomInt(60);
  const unexpected: string[] = [];
  let killing = false;
  let killSent = false;
  await Promise.all(
    targets.map(async (target, i) => {
      for (let seq = 0; ; seq++) {
        record.sent[i] = seq;
        let res;
        try {
          res = await commitOverHttp(port, target, body(seq), agent);
        } catch (err) {
          // The connection died with the process: this commit was never acknowledged.
          if (!killSent) unexpected.push(`learner ${i} seq ${seq}: ${(err as Error).message}`);
          return;
        }
        const a = answer(res);
        if (
          a.status !== 200 ||
          (a.body as { result?: string }).result !== 'true' ||
          (a.body as { outcome?: string }).outcome !== 'applied'
        ) {
          unexpected.push(`learner ${i} seq ${seq}: ${res.status} ${res.body.slice(0, 200)}`);
          return;
        }
        record.acked[i] = seq;
        record.totalAcked++;
        if (!killing && record.totalAcked >= killAt) {
          killing = true;
          setTimeout(() => {
            killSent = true;
            server.child.kill('SIGKILL');
          }, crypto.randomInt(8));
        }
      }
    }),
  );
  agent.destroy();
  expect(unexpected).toEqual([]);
  expect(await server.exited).toMatchObject({ signal: 'SIGKILL' });
  expect(record.totalAcked).toBeGreaterThanOrEqual(KILL_AFTER);
  return record;
}

/**
 * What survived of learner i's killed session must be one whole commit, the acknowledged one or
 * a later one that was sent but never answered: `seq` in [acked, sent]. Returns what is wrong.
 */
function keptProblem(
  run: RunRecord,
  i: number,
  kept: { seq: number | undefined; lessonLocation: unknown; suspendData: unknown },
): string[] {
  const acked = run.acked[i]!;
  if (acked < 0) return [];
  const seq = kept.seq ?? -1;
  const problems = [];
  if (!(seq >= acked))
    problems.push(`learner ${i}: LOST — commit ${acked} was acknowledged (${run.sent[i]} sent), the stored one is ${kept.seq}`);
  if (seq > run.sent[i]!) problems.push(`learner ${i}: stored commit ${seq} was never sent (last sent ${run.sent[i]})`);
  if (kept.lessonLocation !== String(seq) || kept.suspendData !== `seq=${seq}`)
    problems.push(
      `learner ${i}: commit ${seq} is not whole: lesson_location ${String(kept.lessonLocation)}, suspend_data ${String(kept.suspendData)}`,
    );
  return problems;
}

/** On the restarted app (content on `contentPort`): healthy, and each killed session's last acknowledged commit already stored. */
async function expectRecovered(port: number, contentPort: number, driver: Variant['driver'], killed: RunRecord) {
  expect(answer(await request(port, 'GET', '/healthz', null, {}))).toEqual({ status: 200, body: { status: 'ok', database: driver } });
  const problems: string[] = [];
  for (let i = 0; i < killed.targets.length; i++) {
    if (killed.acked[i]! < 0) continue;
    // Sent again, it must be stale (its sequence, or a later one, is stored): a lost commit would be applied now.
    // On its launch's token, which outlives the process (it is in the database), to the new process's content port.
    const replay = answer(await commitOverHttp(port, { ...killed.targets[i]!, port: contentPort }, body(killed.acked[i]!)));
    const stale = replay.status === 200 && (replay.body as { outcome?: string }).outcome === 'stale';
    if (!stale)
      problems.push(
        `learner ${i}: replaying acknowledged commit ${killed.acked[i]} (${killed.sent[i]} sent) was answered ${JSON.stringify(replay)}${(replay.body as { outcome?: string }).outcome === 'applied' ? ' — it had been LOST' : ''}`,
      );
  }
  expect(problems).toEqual([]);
}

async function storedStates(database: DatabaseHandle, learners: Learner[]) {
  return Promise.all(
    learners.map(async (l) => {
      const [row] = await database.db
        .select({ commitSeq: scoStates.commitSeq, location: scoStates.location, cmi: scoStates.cmi })
        .from(scoStates)
        .where(and(eq(scoStates.attemptId, l.attemptId), eq(scoStates.scoId, l.scoId)));
      return { commitSeq: row?.commitSeq, location: row?.location, cmi: (row?.cmi ?? {}) as Record<string, string> };
    }),
  );
}

async function killAndRecover(variant: Variant) {
  // Data: learners and a single-SCO SCORM 1.2 course, written while no server runs.
  const setup = await variant.open();
  const people = [];
  for (let i = 0; i < LEARNERS; i++) people.push(await makeStaff(setup.db));
  const course = await importPackage(setup.db, null, await buildPackage(singleSco12({ title: 'Durability' })), new Date());
  if (!course.ok) throw new Error(`package refused: ${JSON.stringify(course.problems)}`);
  if (!variant.shared) await setup.close();

  const learners: Learner[] = [];
  const report: string[] = [];
  let killed: RunRecord | undefined;
  for (let run = 1; ; run++) {
    const [port, contentPort] = [await freePort(), await freePort()];
    const server = await startServer('server/main.ts', { ...variant.env, PORT: String(port), CONTENT_PORT: String(contentPort) });
    started.push(server);
    if (killed) {
      await expectRecovered(port, contentPort, variant.driver, killed);
    } else {
      for (const p of people) {
        const browser = await signInOverHttp(port, p.employeeNo, p.password);
        learners.push({ browser, ...(await startAttemptOverHttp(port, browser, course.courseId)) });
      }
    }
    if (run > RUNS) {
      // The recovered server also shuts down cleanly (it closes the database on the way out).
      server.child.kill('SIGTERM');
      expect({ exit: await server.exited, output: server.output() }).toEqual({
        exit: { code: 0, signal: null },
        output: expect.stringContaining('Stopped cleanly'),
      });
      break;
    }
    // A new session per run (its commit sequence starts again at 0). What the launch preloads is
    // what the player resumes from: the killed session's last kept commit.
    const targets: CommitTarget[] = [];
    const resumeProblems: string[] = [];
    for (const [i, l] of learners.entries()) {
      const launched = await launchOverHttp(port, l.browser, l.attemptId, l.scoId);
      if (killed) {
        const cmi = launched.cmi as { core?: { lesson_location?: string }; suspend_data?: string };
        const lessonLocation = cmi.core?.lesson_location;
        resumeProblems.push(...keptProblem(killed, i, { seq: Number(lessonLocation), lessonLocation, suspendData: cmi.suspend_data }));
      }
      targets.push(launched);
    }
    expect(resumeProblems).toEqual([]);
    killed = await commitUntilKilled(server, port, targets);
    report.push(
      `run ${run}: ${killed.totalAcked} acknowledged before SIGKILL; per learner acknowledged/sent ${killed.acked.map((a, i) => `${a}/${killed!.sent[i]}`).join(' ')}`,
    );
  }

  // The last killed session, read from the database itself (PGlite: now that no server has it open).
  const database = await variant.open();
  try {
    const stored = await storedStates(database, learners);
    report.push(`stored after the last restart: ${stored.map((s) => s.commitSeq).join(' ')}`);
    const problems = stored.flatMap((s, i) => [
      ...keptProblem(killed!, i, {
        seq: s.commitSeq,
        lessonLocation: s.cmi['cmi.core.lesson_location'],
        suspendData: s.cmi['cmi.suspend_data'],
      }),
      // The derived column is written by the same statement as the CMI.
      ...(s.location === s.cmi['cmi.core.lesson_location']
        ? []
        : [`learner ${i}: location column ${s.location} differs from the CMI's ${s.cmi['cmi.core.lesson_location']}`]),
    ]);
    expect(problems).toEqual([]);
  } finally {
    if (!variant.shared) await database.close();
  }
  console.info(`commit durability (${variant.driver}):\n  ${report.join('\n  ')}`);
}

describe('acknowledged SCORM commits survive SIGKILL of the server', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const s of started) {
      if (s.child.exitCode === null && s.child.signalCode === null) {
        s.child.kill('SIGKILL');
        await s.exited;
      }
    }
    for (const c of cleanups.reverse()) await c();
  });

  it('embedded database (PGlite in DATA_DIR): every acknowledged commit is there after a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-durability-'));
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    await killAndRecover({
      driver: 'pglite',
      env: childEnv(dataDir),
      shared: false,
      open: async () => {
        const database = await openDatabase({ dataDir });
        await database.migrate();
        return database;
      },
    });
  });

  (usingPostgres() ? it : it.skip)('PostgreSQL: every acknowledged commit is there after a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-durability-pg-'));
    const database = await openTestDatabase();
    cleanups.push(async () => {
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    await killAndRecover({
      driver: 'postgres',
      env: childEnv(dataDir, { DATABASE_URL: database.url! }),
      shared: true,
      open: async () => database,
    });
  });
});
