import type { Page } from 'playwright-core';
import { translator } from '../../server/lib/i18n';
import { DESKTOP, browserSuite, describeWithBrowser, signInWithBrowser, type BrowserContext } from '../support/browser';
import { makeAdmin } from '../support/factories';
import { uniquePackage } from '../support/scorm-flow';
import { singleSco12 } from '../support/scorm-packages';

// The course upload page in Chromium, through its upload script (progress bar, XHR): after an
// upload the officer reads what happened — the course was stored, and what the import warns of
// (here, pages that load scripts and fonts from the internet, which the content CSP blocks) —
// and an upload over the rate limit is refused on the same page, in the officer's language.

const TIMEOUT_MS = 120_000;
const t = translator('ja');

/** A package whose launch page loads jQuery and a web font from CDNs. */
async function packageLoadingFromCdns(): Promise<Buffer> {
  const spec = singleSco12();
  const launch = `<!doctype html><html><head><title>SCO</title>
<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>
<link rel="stylesheet" href="//fonts.googleapis.com/css2?family=Noto+Sans+JP"></head>
<body><p>Hello from the SCO</p></body></html>`;
  return (await uniquePackage({ ...spec, files: { ...spec.files, 'shared/launchpage.html': launch } }, 'cdn')).bytes;
}

describeWithBrowser('the course upload page in Chromium', () => {
  const suite = browserSuite({ LOG_LEVEL: 'warn' }, TIMEOUT_MS);
  let ctx: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ctx = suite.ctx;
    const admin = await makeAdmin(ctx.db);
    ({ page } = await signInWithBrowser(ctx, admin, suite.problems, DESKTOP));
  }, TIMEOUT_MS);

  /** Chooses the zip and presses the upload button, as the officer does; the upload script takes over. */
  async function uploadThroughTheForm(bytes: Buffer) {
    await page.goto(`${ctx.baseUrl}/admin/courses`);
    await page.locator('#package').setInputFiles({ name: 'course.zip', mimeType: 'application/zip', buffer: bytes });
    await page.locator('form[data-upload-progress] button[type="submit"]').click();
  }

  it(
    'after an upload, shows that the course was stored and warns of the pages that load from the internet',
    async () => {
      await uploadThroughTheForm(await packageLoadingFromCdns());
      // The course's page, at its own address, with the one-time messages the upload left.
      await page.waitForURL(/\/admin\/courses\/\d+$/);
      const success = page.locator('.flash-success');
      await success.waitFor({ state: 'visible' });
      expect(await success.innerText()).toBe(t('scorm.admin.created', { versionNo: 1 }));
      const warning = t('scorm.import.externalAssets', {
        file: 'shared/launchpage.html',
        hosts: 'code.jquery.com, fonts.googleapis.com',
      });
      expect(await page.locator('.flash-info').allInnerTexts()).toContain(warning);
      // The page works as one reached by a link: its own script runs, and a reload shows it again (without the one-time messages).
      await page.reload();
      expect(await page.locator('.flash-success').count()).toBe(0);
      // The version keeps its warnings (in the versions table, folded).
      expect(await page.locator('main table details').textContent()).toContain(warning);
    },
    TIMEOUT_MS,
  );

  it(
    'an upload over the rate limit is refused on the upload page, in Japanese',
    async () => {
      await page.goto(`${ctx.baseUrl}/admin/courses`);
      // Use up the limit with empty uploads (each refused at once: no file).
      const statuses = await page.evaluate(async () => {
        const token = document.querySelector<HTMLInputElement>('form[data-upload-progress] input[name="_csrf"]')!.value;
        const seen: number[] = [];
        for (let i = 0; i < 12 && !seen.includes(429); i++) {
          const res = await fetch('/admin/courses/upload', { method: 'POST', headers: { 'x-csrf-token': token }, body: new FormData() });
          seen.push(res.status);
        }
        return seen;
      });
      expect(statuses.at(-1)).toBe(429);

      await uploadThroughTheForm(await packageLoadingFromCdns());
      const problems = page.locator('#package-problems');
      await problems.waitFor({ state: 'visible' });
      expect(await problems.innerText()).toBe(t('scorm.import.tooManyUploads', { minutes: 1 }));
      expect(await page.locator('h1').innerText()).toBe(t('scorm.admin.title'));
    },
    TIMEOUT_MS,
  );
});
