// Learner page weight: `npm run bench:pages`. Starts the app in its own process (embedded
// database in a temporary DATA_DIR, our four courses installed at start), signs in a learner and
// opens each learner page in Chromium with a cold cache (a new browser context per page), twice:
// with this machine's fonts, and with no Japanese font installed (FONTCONFIG_FILE naming only a
// Latin font folder) — the worst case, where every Japanese character comes from the app's web
// font. Counts what crossed the wire for the app's origin (compressed bodies and headers, from
// CDP's Network.loadingFinished), after the page has loaded and its fonts are ready: bytes
// fetched after first paint count too. Not the course content in the player's frame (its own
// origin). Prints a table against the budget (DESIGN.md §7: <= 150 KB). Figures only, no assertions.
// BENCH_VERBOSE=1 lists every response counted; BENCH_SCREENSHOTS=<dir> saves each page as shown.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { hashPassword } from '../../server/auth/passwords';
import { openDatabase } from '../../server/db/client';
import { staff } from '../../server/db/schema';
import { CHROMIUM_PATH } from '../support/browser';
import { freePort, request, signInOverHttp, startAttemptOverHttp, startServer, type ServerProcess } from '../support/server-process';

const BUDGET_BYTES = 150 * 1024;
const PASSWORD = 'bench-password-123';
const LEARNER = { employeeNo: 'L0001', name: '看護 花子' };
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

interface Weight {
  page: string;
  requests: number;
  bytes: number;
  fontBytes: number;
  fontFiles: number;
}

/** A fontconfig that knows only the Latin fonts (DejaVu, else Liberation): no Japanese glyph on the machine. */
function latinOnlyFontconfig(dir: string): string | undefined {
  const fontDir = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/truetype/liberation'].find((d) => fs.existsSync(d));
  if (!fontDir) return undefined;
  const file = path.join(dir, 'fonts.conf');
  fs.writeFileSync(
    file,
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>${fontDir}</dir><cachedir>${path.join(dir, 'fc-cache')}</cachedir></fontconfig>\n`,
  );
  return file;
}

async function weigh(browser: Browser, origin: string, page: string, url: string, cookie: string | null, shot: string): Promise<Weight> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
  if (cookie) {
    await context.addCookies(
      cookie.split('; ').map((c) => {
        const i = c.indexOf('=');
        return { name: c.slice(0, i), value: c.slice(i + 1), url: origin };
      }),
    );
  }
  const tab = await context.newPage();
  const cdp = await context.newCDPSession(tab);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  const requests = new Map<string, { url: string; type: string }>();
  const done = new Map<string, number>();
  cdp.on('Network.requestWillBeSent', (e) => requests.set(e.requestId, { url: e.request.url, type: e.type ?? '' }));
  cdp.on('Network.loadingFinished', (e) => done.set(e.requestId, e.encodedDataLength));
  await tab.goto(url, { waitUntil: 'load' });
  await tab.evaluate(() => document.fonts.ready.then(() => undefined));
  await tab.waitForLoadState('networkidle');
  await tab.evaluate(() => document.fonts.ready.then(() => undefined));
  if (process.env.BENCH_SCREENSHOTS) {
    fs.mkdirSync(process.env.BENCH_SCREENSHOTS, { recursive: true });
    await tab.screenshot({ path: path.join(process.env.BENCH_SCREENSHOTS, `${shot}-${page.replace(/ /g, '-')}.png`) });
  }
  await context.close();

  const w: Weight = { page, requests: 0, bytes: 0, fontBytes: 0, fontFiles: 0 };
  for (const [id, r] of requests) {
    if (!r.url.startsWith(origin)) continue; // the course content (its own origin) is not the page's weight
    const bytes = done.get(id) ?? 0;
    w.requests++;
    w.bytes += bytes;
    if (process.env.BENCH_VERBOSE) console.log(`    ${page}: ${bytes} ${r.url.slice(origin.length)}`);
    if (r.type === 'Font' || /\.woff2?(\?|$)/.test(r.url)) {
      w.fontBytes += bytes;
      w.fontFiles++;
    }
  }
  return w;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

function printTable(title: string, rows: Weight[]): void {
  console.log(`\n${title}`);
  console.log(`  ${'page'.padEnd(14)} ${'requests'.padStart(8)} ${'transferred'.padStart(12)} ${'fonts'.padStart(18)}  budget 150 KB`);
  for (const r of rows) {
    const fonts = `${kb(r.fontBytes)} (${r.fontFiles})`;
    console.log(
      `  ${r.page.padEnd(14)} ${String(r.requests).padStart(8)} ${kb(r.bytes).padStart(12)} ${fonts.padStart(18)}  ${r.bytes <= BUDGET_BYTES ? 'PASS' : 'FAIL'}`,
    );
  }
}

async function main() {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    console.log(`${CHROMIUM_PATH} is missing (apt-get install -y chromium): skipped.`);
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-pages-'));
  let server: ServerProcess | undefined;
  try {
    const database = await openDatabase({ dataDir: work });
    await database.migrate();
    await database.db
      .insert(staff)
      .values({ employeeNo: LEARNER.employeeNo, name: LEARNER.name, roles: ['staff'], passwordHash: await hashPassword(PASSWORD) });
    await database.close();

    const port = await freePort();
    server = await startServer(
      'server/main.ts',
      {
        ...process.env,
        DATA_DIR: work,
        PORT: String(port),
        CONTENT_PORT: String(await freePort()),
        HOST: '127.0.0.1',
        BASE_URL: `http://127.0.0.1:${port}`,
        SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
      },
      { echoStderr: true },
    );
    const origin = `http://127.0.0.1:${port}`;
    const learner = await signInOverHttp(port, LEARNER.employeeNo, PASSWORD);
    // Our courses are installed just after the server listens.
    let courseId: number | undefined;
    for (let i = 0; i < 300 && courseId === undefined; i++) {
      const list = await request(port, 'GET', '/courses', null, { cookie: learner.cookie });
      const id = /href="\/courses\/(\d+)"/.exec(list.body)?.[1];
      if (id) courseId = Number(id);
      else await new Promise((r) => setTimeout(r, 200));
    }
    if (courseId === undefined) throw new Error(`no course installed:\n${server.output()}`);
    const { attemptId } = await startAttemptOverHttp(port, learner, courseId);

    const pages: [string, string, string | null][] = [
      ['login', '/login', null],
      ['home', '/', learner.cookie],
      ['course list', '/courses', learner.cookie],
      ['course page', `/courses/${courseId}`, learner.cookie],
      ['player', `/learn/attempts/${attemptId}`, learner.cookie],
    ];
    const fontconfig = latinOnlyFontconfig(work);
    const runs: [string, NodeJS.ProcessEnv][] = [["This machine's fonts", process.env]];
    if (fontconfig) runs.push(['No Japanese font installed (worst case)', { ...process.env, FONTCONFIG_FILE: fontconfig }]);
    for (const [title, env] of runs) {
      const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, env });
      try {
        const rows: Weight[] = [];
        for (const [name, url, cookie] of pages)
          rows.push(await weigh(browser, origin, name, origin + url, cookie, env === process.env ? 'fonts' : 'no-japanese-font'));
        printTable(title, rows);
      } finally {
        await browser.close();
      }
    }
  } finally {
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
