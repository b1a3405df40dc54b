import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
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
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = testConfig({ BASE_URL: baseUrl, LOGIN_RATE_LIMIT_PER_15MIN: '1000', ...env });
  server.on('request', createApp({ config, database }));

  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  } catch (err) {
    await stopServer(server);
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

/** Runs axe-core in the page and returns the serious and critical violations. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
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
