// Runtime commit benchmark: `npm run bench:commit`. 64 simulated learners commit realistic
// SCORM 1.2 CMI to the real app (its own process, PostgreSQL) and to a bare Express app doing
// one INSERT per request, in the same run, BENCH_SECONDS (default 30) a phase: first each at
// capacity (back to back, alternating rounds), then both at the same paced loads (BENCH_LEVELS). Prints p50/p99
// latency, throughput, CPU and WAL per request of both, and the ratio. Figures only, no assertions.
// Budget (DESIGN.md §7): p99 <= 25 ms and throughput >= 80% of the baseline, on 2 cores.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { hashPassword } from '../../server/auth/passwords';
import { openDatabase } from '../../server/db/client';
import { staff } from '../../server/db/schema';
import { importPackage } from '../../server/scorm/courses/service';
import { buildPackage, singleSco12 } from '../support/scorm-packages';
import {
  commitOverHttp,
  freePort,
  launchOverHttp,
  signInOverHttp,
  startAttemptOverHttp,
  startServer,
  type ServerProcess,
} from '../support/server-process';

const LEARNERS = Number(process.env.BENCH_LEARNERS ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
// Each phase first runs this long unmeasured: the pools reconnect, PostgreSQL's new backends
// and the app's caches warm up after the other server's phase, as they would not under
// steady traffic. Measured the same way for both servers.
// Capacity rounds (app then baseline each): the ratio is the median round's (see main).
const CAPACITY_ROUNDS = Number(process.env.BENCH_CAPACITY_ROUNDS ?? 3);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PASSWORD = 'bench-password-123';
const SECRET = crypto.randomBytes(32).toString('hex');

// BENCH_PROFILE=<dir> writes a V8 CPU profile of each server process there.
const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
// BENCH_NODE_ARGS="..." adds Node options to both servers (GC flags, a preload probe).
const nodeArgs = [...profile, ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
const start = (script: string, env: Record<string, string>) =>
  startServer(script, { ...process.env, ...env }, { nodeArgs, echoStderr: true });

// BENCH_TRACE=<file> writes every measured commit (target, load, epoch ms due, latency ms), to set beside a server's GC log.
const trace: string[] | undefined = process.env.BENCH_TRACE ? [] : undefined;
const agent = new http.Agent({ keepAlive: true, maxSockets: LEARNERS });

/** A learner's CMI as scorm-again sends it: bookmark, 1 KB of suspend_data, a few answers. */
function cmiPayload(seq: number, learner: number) {
  const interactions = Object.fromEntries(
    Array.from({ length: 5 }, (_, i) => [
      i,
      {
        id: `q${i + 1}`,
        time: '10:00:00',
        type: 'choice',
        weighting: '1',
        student_response: 'b',
        result: i % 2 ? 'wrong' : 'correct',
        latency: '00:00:12',
        objectives: {},
        correct_responses: { 0: { pattern: 'b' } },
      },
    ]),
  );
  return JSON.stringify({
    cmi: {
      suspend_data: `state=${learner}:${seq};${'x'.repeat(1000)}`,
      launch_data: '',
      comments: '',
      comments_from_lms: '',
      core: {
        student_id: `B${learner}`,
        student_name: 'bench',
        lesson_location: `page-${seq % 20}`,
        credit: 'credit',
        lesson_status: 'incomplete',
        entry: '',
        lesson_mode: 'normal',
        exit: '',
        session_time: '00:01:00',
        score: { raw: '', min: '', max: '100' },
        total_time: '00:00:00',
      },
      objectives: {},
      student_data: { mastery_score: '', max_time_allowed: '', time_limit_action: '' },
      student_preference: { audio: '', language: '', speed: '', text: '' },
      interactions,
    },
    commitSequence: seq,
  });
}

/**
 * CPU seconds (user + system) of one process and of its children that have exited (PostgreSQL's
 * backends end with their connections), from /proc; 0 where /proc is not there.
 */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime, stime, cutime, cstime, in clock ticks (USER_HZ 100)
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of every PostgreSQL process on this machine (the server runs locally). */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of fs.existsSync('/proc') ? fs.readdirSync('/proc') : []) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') total += cpuSecondsOf(Number(pid));
    } catch {
      // The process ended between listing and reading.
    }
  }
  return total;
}

/** Where the CPU went during one load phase (the server under test, PostgreSQL, the load generator), and how much WAL PostgreSQL wrote. */
async function measured<T>(admin: pg.Client, serverPid: number, run: () => Promise<T>) {
  const walLsn = async () => (await admin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
  const walBytes = async (from: string) =>
    Number(
      (await admin.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::text AS bytes', [from])).rows[0]!.bytes,
    );
  const snapshot = async () => ({
    server: cpuSecondsOf(serverPid),
    pg: postgresCpuSeconds(),
    self: process.cpuUsage(),
    wal: await walLsn(),
  });
  // From the end of the warm-up, like the latencies.
  let before = await snapshot();
  const warm = setTimeout(() => void snapshot().then((s) => (before = s)), WARMUP_SECONDS * 1000);
  const result = await run();
  clearTimeout(warm);
  const self = process.cpuUsage(before.self);
  return {
    ...result,
    cpu: { server: cpuSecondsOf(serverPid) - before.server, pg: postgresCpuSeconds() - before.pg, load: (self.user + self.system) / 1e6 },
    walBytes: await walBytes(before.wal),
  };
}

interface Target {
  label: string;
  port: number;
  /** Each learner's request: path and headers, and the commit sequence it has reached. */
  learners: { port?: number; path: string; headers: Record<string, string>; commitKey?: string; seq: number }[];
}

/**
 * One load phase. Unpaced, every learner commits again as soon as it is answered: the server's
 * capacity. Paced, learners together offer `perSecond` commits at fixed intervals, and latency
 * counts from when a commit was due, so a stalled server cannot hide its queue by slowing the
 * learners down (coordinated omission).
 */
async function load(target: Target, perSecond?: number) {
  const latencies: number[] = [];
  let errors = 0;
  // Why each errored commit failed (status and the start of the answer), counted, printed under the table.
  const causes = new Map<string, number>();
  const countError = (res: { status: number; body: unknown }) => {
    errors++;
    const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
    const cause = `${res.status || 'no answer'} ${text.slice(0, 160)}`;
    causes.set(cause, (causes.get(cause) ?? 0) + 1);
  };
  // The load generator shares the 2 cores: when its own event loop stalls, every commit due
  // meanwhile is sent late and counted late. Its delay is printed so the figures can be read.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  setTimeout(() => loopDelay.enable(), WARMUP_SECONDS * 1000);
  const started = performance.now();
  const measuredFrom = started + WARMUP_SECONDS * 1000;
  const deadline = measuredFrom + SECONDS * 1000;
  const intervalMs = perSecond ? (target.learners.length * 1000) / perSecond : 0;
  await Promise.all(
    target.learners.map(async (l, i) => {
      let due = started + (intervalMs * i) / target.learners.length;
      while (performance.now() < deadline) {
        if (intervalMs) {
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        const body = cmiPayload(l.seq++, i);
        const t0 = intervalMs ? due : performance.now();
        // A connection the server dropped counts as an error, like a refused commit; the run goes on.
        const res = await commitOverHttp(target.port, l, body, agent).catch((err: Error) => ({ status: 0, body: err.message }));
        if (t0 >= measuredFrom) {
          latencies.push(performance.now() - t0);
          trace?.push(
            `${target.label}\t${perSecond ?? 0}\t${(performance.timeOrigin + t0).toFixed(1)}\t${(performance.now() - t0).toFixed(2)}`,
          );
          if (res.status !== 200) countError(res);
        } else if (res.status !== 200) {
          countError(res);
        }
        due += intervalMs;
      }
    }),
  );
  loopDelay.disable();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return {
    label: target.label,
    requests: latencies.length,
    errors,
    causes,
    rps: latencies.length / SECONDS,
    p50: q(0.5),
    p99: q(0.99),
    loadLagP99: loopDelay.percentile(99) / 1e6,
    loadLagMax: loopDelay.max / 1e6,
  };
}

type Result = Awaited<ReturnType<typeof load>> & { cpu?: { server: number; pg: number; load: number }; walBytes?: number };

function table(title: string, results: Result[]) {
  console.log(`\n${title}`);
  console.log(
    'target                    requests  errors    req/s   p50 ms   p99 ms   CPU ms/request: server  PostgreSQL  load   WAL KB/request   load-generator stall p99/max ms',
  );
  for (const r of results) {
    const per = (seconds: number | undefined) => (seconds === undefined ? '' : ((seconds * 1000) / r.requests).toFixed(3)).padStart(7);
    console.log(
      `${r.label.padEnd(24)} ${String(r.requests).padStart(9)} ${String(r.errors).padStart(7)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)}` +
        `                  ${per(r.cpu?.server)}  ${per(r.cpu?.pg).padStart(10)}  ${per(r.cpu?.load)}   ${(r.walBytes === undefined ? '' : (r.walBytes / 1024 / r.requests).toFixed(2)).padStart(14)}   ${r.loadLagP99.toFixed(1)}/${r.loadLagMax.toFixed(0)}`,
    );
  }
  for (const r of results) for (const [cause, n] of r.causes) console.log(`  ${r.label}: ${n} × ${cause}`);
}

async function main() {
  const dbName = `mamoru_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await admin.connect();
  } catch (err) {
    console.log(`PostgreSQL not reachable at ${ADMIN_URL} (${(err as Error).message}): skipped.`);
    return;
  }
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const children: ServerProcess[] = [];
  try {
    // Data: learners with passwords, one single-SCO SCORM 1.2 course.
    const database = await openDatabase({ databaseUrl });
    await database.migrate();
    const hash = await hashPassword(PASSWORD);
    await database.db
      .insert(staff)
      .values(Array.from({ length: LEARNERS }, (_, i) => ({ employeeNo: `B${i}`, name: `Bench ${i}`, passwordHash: hash })));
    const course = await importPackage(database.db, null, await buildPackage(singleSco12({ title: 'Bench course' })), new Date());
    if (!course.ok) throw new Error('bench package refused');
    await database.db.execute(
      'CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, body jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())',
    );
    await database.close();

    // The app, in its own process as in production.
    const appPort = await freePort();
    children.push(
      await start('server/main.ts', {
        DATABASE_URL: databaseUrl,
        PORT: String(appPort),
        CONTENT_PORT: String(await freePort()),
        HOST: '127.0.0.1',
        SESSION_SECRET: SECRET,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        LOGIN_RATE_LIMIT_PER_15MIN: '100000',
        // Its learners commit up to 27 times a second each (real content: every few seconds), to
        // load the commit path itself; the per-launch limit stays in the path, lifted.
        COMMITS_PER_LAUNCH_PER_10S: '100000000',
      }),
    );
    const learners: Target['learners'] = [];
    for (let i = 0; i < LEARNERS; i++) {
      const browser = await signInOverHttp(appPort, `B${i}`, PASSWORD, agent);
      const { attemptId, scoId } = await startAttemptOverHttp(appPort, browser, course.courseId, agent);
      learners.push({ ...(await launchOverHttp(appPort, browser, attemptId, scoId, agent)), seq: 0 });
    }
    const appPid = children[children.length - 1]!.child.pid!;
    const basePort = await freePort();
    children.push(await start('test/bench/baseline-server.ts', { DATABASE_URL: databaseUrl, PORT: String(basePort) }));
    const basePid = children[children.length - 1]!.child.pid!;
    const app: Target = { label: 'Mamoru commit', port: appPort, learners };
    const baseline: Target = {
      label: 'bare Express + INSERT',
      port: basePort,
      learners: learners.map(() => ({ path: '/commit', headers: {}, seq: 0 })),
    };

    // Capacity: each server alone on the machine, learners committing back to back, in
    // alternating rounds (app, baseline, app, baseline, ...). On this shared 2-core machine a
    // server's capacity drifts by a third between runs minutes apart, so one app phase against
    // one baseline phase says more about the minute than about the app: the ratio is judged on
    // the median of the rounds, each round's pair measured back to back. Every round is printed.
    const rounds: { app: Result; base: Result; ratio: number }[] = [];
    for (let r = 0; r < CAPACITY_ROUNDS; r++) {
      const a = await measured(admin, appPid, () => load(app));
      const b = await measured(admin, basePid, () => load(baseline));
      rounds.push({ app: { ...a, label: `${a.label} #${r + 1}` }, base: { ...b, label: `${b.label} #${r + 1}` }, ratio: a.rps / b.rps });
    }
    const medianRound = [...rounds].sort((x, y) => x.ratio - y.ratio)[Math.floor(rounds.length / 2)]!;
    const appMax = medianRound.app;
    const baseMax = medianRound.base;
    // Latency: both servers at the same offered loads, from every learner saving once a second
    // (ten times scorm-again's autocommit rate here) up to half of what the bare baseline can take
    // at most, far beyond anything a hospital produces. BENCH_LEVELS="64,256,half" picks others.
    const levels = (process.env.BENCH_LEVELS ?? `${LEARNERS},${LEARNERS * 2},${LEARNERS * 4},${LEARNERS * 8},half`).split(',').map((l) => {
      const perSecond = l.trim() === 'half' ? Math.round(baseMax.rps / 2) : Number(l);
      const every = `each learner every ${((LEARNERS * 1000) / perSecond).toFixed(0)} ms`;
      return {
        perSecond,
        label: `${perSecond} commits/s offered (${l.trim() === 'half' ? `half the baseline's capacity; ${every}` : every})`,
      };
    });
    const paced = [];
    for (const level of levels) {
      paced.push({
        level,
        app: await measured(admin, appPid, () => load(app, level.perSecond)),
        base: await measured(admin, basePid, () => load(baseline, level.perSecond)),
      });
    }

    console.log(
      `\n${LEARNERS} learners, ${SECONDS} s measured a phase after ${WARMUP_SECONDS} s of warm-up, PostgreSQL, ${os.cpus().length} cores`,
    );
    table(
      'Capacity (learners commit back to back), alternating rounds',
      rounds.flatMap((r) => [r.app, r.base]),
    );
    for (const p of paced) table(`Latency at ${p.level.label}`, [p.app, p.base]);
    const ratio = medianRound.ratio;
    console.log(`\nthroughput by round: ${rounds.map((r, i) => `#${i + 1} ${(r.ratio * 100).toFixed(0)}%`).join(', ')}`);
    console.log(
      `throughput: median ${(ratio * 100).toFixed(0)}% of the baseline over ${rounds.length} rounds (budget >= 80%): ${ratio >= 0.8 ? 'PASS' : 'FAIL'}`,
    );
    // The p99 budget is judged against the reference measured beside it: at a load the bare
    // baseline itself cannot serve within 25 ms, this machine (2 cores shared by load generator,
    // app and PostgreSQL) is the limit, not the app; those levels are printed, not judged.
    let judged = 0;
    let met = 0;
    for (const p of paced) {
      const baseWithin = p.base.p99 <= 25;
      const verdict = baseWithin
        ? p.app.p99 <= 25
          ? 'PASS'
          : 'FAIL'
        : `not judged: the baseline is over budget too (app ${p.app.p99 <= 25 ? 'within' : 'over'})`;
      if (baseWithin) {
        judged++;
        if (p.app.p99 <= 25) met++;
      }
      console.log(
        `p99 at ${String(p.level.perSecond).padStart(5)} commits/s: ${p.app.p99.toFixed(2).padStart(7)} ms, baseline ${p.base.p99.toFixed(2).padStart(7)} ms (budget <= 25 ms): ${verdict}`,
      );
    }
    console.log(`p99 budget: ${met} of ${judged} judged levels within 25 ms: ${judged > 0 && met === judged ? 'PASS' : 'FAIL'}`);
    console.log(
      `(Back to back, latency is only queueing: 64 requests always waiting make p50 about 64 / throughput, ${appMax.p50.toFixed(0)} ms here and ${baseMax.p50.toFixed(0)} ms for the baseline; the p99 budget is checked at set loads instead.)`,
    );
  } finally {
    if (trace) fs.writeFileSync(process.env.BENCH_TRACE!, trace.join('\n'));
    for (const c of children) c.child.kill('SIGTERM');
    agent.destroy();
    await new Promise((r) => setTimeout(r, 500));
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
