// Roster import benchmark: `npm run bench:import`. Times a 5,000-row import (parse + preview,
// apply) and a second, modified import (500 updates + 100 retires) on embedded PGlite and on
// PostgreSQL, through the same service the upload screen and the CLI use. Figures only, no
// assertions; the budget (DESIGN.md §7 style) is a whole import of 5,000 rows under 10 s.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import pg from 'pg';
import { DEMO_DEPARTMENT_NAMES, DEMO_ROSTER_HEADER, demoRosterRows } from '../../server/cli/demo';
import { openDatabase, type DatabaseHandle } from '../../server/db/client';
import { applyImport, loadPreview, previewImport } from '../../server/staff/import/service';

const ROWS = 5_000;
const UPDATES = 500;
const RETIRES = 100;
const BUDGET_SECONDS = 10;
const DEFAULT_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Deterministic rows of the same generator as `npm run demo`, so every run imports the same file. */
const rosterRows = (): string[][] => demoRosterRows(ROWS, 'H');

/** The next month's HR export: 500 people changed (moves, renames), 100 retired. */
function modifiedRows(rows: string[][]): string[][] {
  return rows.map((r, i) => {
    const next = [...r];
    if (i < UPDATES) {
      if (i % 2 === 0) next[4] = DEMO_DEPARTMENT_NAMES[(DEMO_DEPARTMENT_NAMES.indexOf(r[4]!) + 1) % DEMO_DEPARTMENT_NAMES.length]!;
      else next[1] = `${r[1]}（旧姓）`;
    } else if (i < UPDATES + RETIRES) {
      next[7] = '2026-03-31';
    }
    return next;
  });
}

const csv = (rows: string[][]) => Buffer.from(stringify([DEMO_ROSTER_HEADER, ...rows], { record_delimiter: '\r\n' }), 'utf8');

interface Figures {
  open: number;
  preview1: number;
  apply1: number;
  preview2: number;
  apply2: number;
  summaries: string[];
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, (performance.now() - start) / 1000];
}

async function importOnce(database: DatabaseHandle, bytes: Buffer, filename: string) {
  const [preview, previewSeconds] = await time(async () => {
    const id = await previewImport(database.db, null, { bytes, filename }, { encoding: 'auto', retireMissing: false });
    return loadPreview(database.db, id, new Date());
  });
  if (preview.errors.length) throw new Error(`${filename}: ${preview.errors.length} errors, first ${JSON.stringify(preview.errors[0])}`);
  const [summary, applySeconds] = await time(() => applyImport(database.db, null, preview.id, new Date()));
  return { previewSeconds, applySeconds, summary };
}

async function run(open: () => Promise<DatabaseHandle>, first: Buffer, second: Buffer): Promise<Figures> {
  const [database, openSeconds] = await time(async () => {
    const d = await open();
    await d.migrate();
    return d;
  });
  try {
    const a = await importOnce(database, first, 'roster-2026-04.csv');
    const b = await importOnce(database, second, 'roster-2026-05.csv');
    const fmt = (s: typeof a.summary) => `create ${s.create}, update ${s.update}, retire ${s.retire}, unchanged ${s.unchanged}`;
    return {
      open: openSeconds,
      preview1: a.previewSeconds,
      apply1: a.applySeconds,
      preview2: b.previewSeconds,
      apply2: b.applySeconds,
      summaries: [fmt(a.summary), fmt(b.summary)],
    };
  } finally {
    await database.close();
  }
}

async function runPglite(first: Buffer, second: Buffer): Promise<Figures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-bench-'));
  try {
    return await run(() => openDatabase({ dataDir: dir }), first, second);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function runPostgres(first: Buffer, second: Buffer): Promise<Figures | string> {
  const serverUrl = process.env.DATABASE_URL || DEFAULT_POSTGRES;
  const name = `mamoru_bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (err) {
    await admin.end().catch(() => undefined);
    return `skipped: cannot create a database on ${new URL(serverUrl).host} (${err instanceof Error ? err.message : String(err)})`;
  }
  try {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return await run(() => openDatabase({ databaseUrl: url.toString(), poolSize: 5 }), first, second);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

function report(results: [string, Figures | string][], firstBytes: number): void {
  const cell = (f: Figures | string, pick: (f: Figures) => number) => (typeof f === 'string' ? '—' : pick(f).toFixed(2)).padStart(12);
  const lines: [string, (f: Figures) => number][] = [
    ['open + migrate (not in budget)', (f) => f.open],
    [`parse + preview, ${ROWS} rows`, (f) => f.preview1],
    [`apply, ${ROWS} creates`, (f) => f.apply1],
    [`parse + preview, modified file`, (f) => f.preview2],
    [`apply, ${UPDATES} updates + ${RETIRES} retires`, (f) => f.apply2],
    [`whole first import`, (f) => f.preview1 + f.apply1],
    [`whole second import`, (f) => f.preview2 + f.apply2],
  ];
  console.log(
    `\nRoster import, ${ROWS} rows (${(firstBytes / 1024).toFixed(0)} KB UTF-8), seconds; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} cores\n`,
  );
  console.log(`${'step'.padEnd(38)}${results.map(([n]) => n.padStart(12)).join('')}`);
  for (const [label, pick] of lines) console.log(`${label.padEnd(38)}${results.map(([, f]) => cell(f, pick)).join('')}`);
  console.log('');
  for (const [name, f] of results) {
    if (typeof f === 'string') {
      console.log(`${name}: ${f}`);
      continue;
    }
    const whole = Math.max(f.preview1 + f.apply1, f.preview2 + f.apply2);
    console.log(`${name}: ${f.summaries.join(' / then ')}`);
    console.log(
      `${name}: budget ${BUDGET_SECONDS} s for a whole import of ${ROWS} rows: ${whole < BUDGET_SECONDS ? 'PASS' : 'FAIL'} (slowest ${whole.toFixed(2)} s)`,
    );
  }
}

async function main(): Promise<void> {
  const rows = rosterRows();
  const first = csv(rows);
  const second = csv(modifiedRows(rows));
  const results: [string, Figures | string][] = [];
  results.push(['PGlite', await runPglite(first, second)]);
  results.push(['PostgreSQL', await runPostgres(first, second)]);
  report(results, first.length);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
