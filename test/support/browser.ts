import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { createApp } from '../../server/app';
import type { DatabaseHandle } from '../../server/db/client';
import { testConfig } from './app';
import { openTestDatabase } from './database';

/** Debian's package; `npx playwright install` downloads a browser and cannot work on these machines. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** The screens the app is made for: a desk PC, a 10-inch ward tablet held upright, a phone. */
export const DESKTOP = { width: 1280, height: 900 };
export const TABLET = { width: 800, height: 1280 };
export const PHONE = { width: 390, height: 844 };

export const resultsDir = path.join(__dirname, '..', '..', 'test-results');

/**
 * `describe` when Chromium is installed. Without it, a developer's run skips with a message
 * saying how to install it, but CI must fail: a skipped browser suite looks like a green one.
 */
export function describeWithBrowser(name: string, body: () => void): void {
  if (fs.existsSync(CHROMIUM_PATH)) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`CI=true but ${CHROMIUM_PATH} is missing: install it with "apt-get install -y chromium".`);
      });
    });
    return;
  }
  console.warn(`Skipping browser tests "${name}": ${CHROMIUM_PATH} is missing (apt-get install -y chromium).`);
  describe.skip(name, body);
}

export interface BrowserContext {
  baseUrl: string;
  db: DatabaseHandle['db'];
  database: DatabaseHandle;
  browser: Browser;
  close(): Promise<void>;
}

/** The real app on a free port with a fresh test database, and a headless Chromium to drive it. */
export async function startBrowserApp(env: Record<string, string> = {}): Promise<BrowserContext> {
  const database = await openTestDatabase();
  // The port is known only once the server listens, and the config (BASE_URL, shown in
  // password links) must name it: listen first, then hand the app to the server.
  // Course content has its own listener (its own origin), as `npm start` has: CONTENT_PORT names it,
  // and the content origin is derived from the page's host name as it is by default.
  const [server, contentServer] = [http.createServer(), http.createServer()];
  for (const s of [server, contentServer]) {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(0, '127.0.0.1', resolve);
    });
  }
  const portOf = (s: http.Server) => String((s.address() as AddressInfo).port);
  const baseUrl = `http://127.0.0.1:${portOf(server)}`;
  const config = testConfig({
    BASE_URL: baseUrl,
    CONTENT_PORT: portOf(contentServer),
    LOGIN_RATE_LIMIT_PER_15MIN: '1000',
    ...env,
  });
  const app = createApp({ config, database });
  server.on('request', app);
  contentServer.on('request', app.content);

  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  } catch (err) {
    await stopServer(server);
    await stopServer(contentServer);
    await database.close();
    throw err;
  }

  return {
    baseUrl,
    db: database.db,
    database,
    browser,
    close: async () => {
      await browser.close();
      await stopServer(server);
      await stopServer(contentServer);
      await database.close();
    },
  };
}

function stopServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A full-page screenshot in test-results/ (gitignored), for a human to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(resultsDir, { recursive: true });
  await page.screenshot({ path: path.join(resultsDir, `${name}.png`), fullPage: true });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * Runs axe-core in the page (or one frame: a SCORM course's document) and returns the serious
 * and critical violations. axe is injected once per document, so a single-page course can be
 * checked after each re-render without reloading it.
 */
export async function seriousAxeViolations(page: Page | Frame): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** A condition on state the browser changes asynchronously (a beacon, say), checked until it holds. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * What went wrong on the server side while learners played: log lines the app wrote through
 * console.warn / console.error (a refused commit, a request that failed) and API answers that
 * were not 2xx. Install in beforeAll, `watch` every page, `take` after each test.
 */
export function recordServerProblems() {
  const serverLog: string[] = [];
  const failedApiCalls: string[] = [];
  for (const method of ['warn', 'error'] as const) {
    const original = console[method].bind(console);
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      serverLog.push(args.map(String).join(' '));
      original(...args);
    });
  }
  return {
    watch(page: Page) {
      page.on('response', (r) => {
        // The app's API, and the run-time API on the content origin (a launch's commits).
        const api = r.url().includes('/api/') || /\/l\/[^/]+\/commit/.test(r.url());
        if (api && r.status() >= 400) failedApiCalls.push(`${r.status()} ${r.request().method()} ${r.url()}`);
      });
    },
    /** Refused commits, request errors (logged with their request id) and failed API calls since the last call; then forgets them. */
    take(): string[] {
      const found = [...serverLog.filter((l) => l.includes('[scorm] commit refused') || /^\[[0-9a-f]{8}\]/.test(l)), ...failedApiCalls];
      serverLog.length = 0;
      failedApiCalls.length = 0;
      return found;
    },
  };
}
export type ServerProblems = ReturnType<typeof recordServerProblems>;

/**
 * The app and Chromium for one browser suite, with the check every play-through shares: after
 * each test, no refused commit and no failed API call. Declare before the suite's own beforeAll
 * (hooks run in order), and read `suite.ctx` / `suite.problems` from there on.
 */
export function browserSuite(env: Record<string, string> = { LOG_LEVEL: 'warn' }, timeoutMs = 180_000) {
  const suite = {} as { ctx: BrowserContext; problems: ServerProblems };
  beforeAll(async () => {
    suite.problems = recordServerProblems();
    suite.ctx = await startBrowserApp(env);
  }, timeoutMs);
  afterAll(async () => {
    await suite.ctx?.close();
    jest.restoreAllMocks();
  }, timeoutMs);
  afterEach(() => {
    expect(suite.problems.take()).toEqual([]);
  });
  return suite;
}

/** A fresh browser profile, signed in through the login page; dialogs are recorded and accepted. */
export async function signInWithBrowser(
  ctx: BrowserContext,
  who: { employeeNo: string; password: string },
  problems: ServerProblems,
  viewport: { width: number; height: number },
) {
  const context = await ctx.browser.newContext({ viewport, locale: 'ja-JP' });
  const dialogs: string[] = [];
  const newPage = async () => {
    const page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void d.accept();
    });
    problems.watch(page);
    return page;
  };
  const page = await newPage();
  await page.goto(`${ctx.baseUrl}/login`);
  await page.locator('#identifier').fill(who.employeeNo);
  await page.locator('#password').fill(who.password);
  await page.locator('form[action="/login"] button[type="submit"]').click();
  await page.waitForURL((u) => u.pathname === '/');
  return { context, page, dialogs, newPage };
}

/** The player's launch page: the frame on the content origin that holds the SCO's run-time API. */
export async function launchFrame(page: Page): Promise<Frame> {
  const launch = (await (await page.locator('#content-frame').elementHandle())!.contentFrame())!;
  await launch.waitForURL(/\/l\/[A-Za-z0-9_-]{43}\/$/);
  return launch;
}

/** The SCO itself: the frame inside the launch page, once it has been pointed at the SCO's launch file. */
export async function scoFrame(page: Page): Promise<Frame> {
  const launch = await launchFrame(page);
  await launch.waitForFunction(() => {
    const inner = document.getElementById('sco-frame') as HTMLIFrameElement | null;
    return Boolean(inner && inner.getAttribute('src'));
  });
  return (await (await launch.locator('#sco-frame').elementHandle())!.contentFrame())!;
}
