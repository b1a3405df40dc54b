import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext as PlaywrightContext, Page } from 'playwright-core';
import { issueSetupLinkIfNeeded } from '../../server/auth/service';
import {
  DESKTOP,
  TABLET,
  describeWithBrowser,
  screenshot,
  seriousAxeViolations,
  startBrowserApp,
  type BrowserContext,
} from '../support/browser';

// A fresh install as a hospital's administrator meets it: the one-time setup link that
// `npm start` prints, the first administrator, the hospital profile, the roster CSV, a search,
// the English UI, and logging out — in a real Chromium against the real app and database.

// jest.config.js sets testTimeout on the e2e project, but Jest reads that option only at the
// top level; a browser run on a 2-core machine needs more than the default 5 s.
const TIMEOUT_MS = 120_000;

const FAMILIES = [
  ['佐藤', 'さとう'],
  ['鈴木', 'すずき'],
  ['高橋', 'たかはし'],
  ['田中', 'たなか'],
  ['伊藤', 'いとう'],
  ['渡辺', 'わたなべ'],
] as const;
const GIVEN = [
  ['美咲', 'みさき'],
  ['健太', 'けんた'],
  ['結衣', 'ゆい'],
  ['大輔', 'だいすけ'],
  ['陽子', 'ようこ'],
] as const;
const UNITS = [
  ['看護部', '看護師'],
  ['医事課', '事務職'],
  ['薬剤部', '薬剤師'],
  ['放射線科', '診療放射線技師'],
  ['臨床検査科', '臨床検査技師'],
] as const;

/** 30 staff, as an HR system's UTF-8 export with Japanese headers. */
function rosterCsv(): { csv: string; rows: number } {
  const lines = ['職員番号,氏名,ふりがな,メールアドレス,所属,職種,入職日'];
  let n = 0;
  for (const [family, familyKana] of FAMILIES) {
    for (const [given, givenKana] of GIVEN) {
      n++;
      const [department, job] = UNITS[n % UNITS.length]!;
      const no = `N${String(n).padStart(4, '0')}`;
      lines.push(
        `${no},${family} ${given},${familyKana} ${givenKana},${no.toLowerCase()}@hospital.example.jp,${department},${job},20${String(10 + (n % 15))}-04-01`,
      );
    }
  }
  return { csv: lines.join('\n') + '\n', rows: n };
}

const mainText = (page: Page) => page.locator('main').innerText();

/**
 * Elements showing Japanese in a font stack without the served Noto Sans JP: where no CJK font
 * is installed (these machines, many kiosks) they render as boxes.
 */
function japaneseWithoutWebfont(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const cjk = /[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]/;
    const offenders: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      const ownText = [...el.childNodes]
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent ?? '')
        .join('');
      if (!cjk.test(ownText)) continue;
      if (!getComputedStyle(el).fontFamily.includes('Noto Sans JP'))
        offenders.push(`<${el.tagName.toLowerCase()}> ${ownText.trim().slice(0, 40)}`);
    }
    return offenders;
  });
}

/** Screenshots at desktop and tablet width; Japanese has a font, and the tablet page does not scroll sideways. */
async function capture(page: Page, name: string) {
  expect({ page: name, unrenderable: await japaneseWithoutWebfont(page) }).toEqual({ page: name, unrenderable: [] });
  await screenshot(page, `${name}-1280`);
  await page.setViewportSize(TABLET);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await screenshot(page, `${name}-800`);
  await page.setViewportSize(DESKTOP);
  expect({ page: name, overflow }).toEqual({ page: name, overflow: 0 });
}

async function expectNoSeriousAxeViolations(axePage: Page, url: string) {
  await axePage.goto(url);
  const violations = await seriousAxeViolations(axePage);
  expect({ url, violations }).toEqual({ url, violations: [] });
}

describeWithBrowser('first run of a fresh install, in Chromium', () => {
  let ctx: BrowserContext;
  let context: PlaywrightContext;
  let page: Page;
  let csvFile: string;
  let tmp: string;

  beforeAll(async () => {
    ctx = await startBrowserApp();
    context = await ctx.browser.newContext({ viewport: DESKTOP, locale: 'ja-JP' });
    page = await context.newPage();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-e2e-'));
    csvFile = path.join(tmp, '職員名簿.csv');
  }, TIMEOUT_MS);
  afterAll(async () => {
    await ctx?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }, TIMEOUT_MS);

  /**
   * axe is injected as a <script>, which the app's CSP (script-src 'self') rightly blocks; so
   * it runs in a second, CSP-bypassing page that shares the signed-in user's cookies.
   */
  async function axePage(): Promise<Page> {
    const axeContext = await ctx.browser.newContext({ viewport: DESKTOP, bypassCSP: true, storageState: await context.storageState() });
    return axeContext.newPage();
  }

  it(
    'goes from the setup link to an imported roster, in Japanese and English',
    async () => {
      const { csv, rows } = rosterCsv();
      fs.writeFileSync(csvFile, csv, 'utf8');

      // 1. The login page of a fresh install is accessible.
      const anonymous = await axePage();
      await expectNoSeriousAxeViolations(anonymous, `${ctx.baseUrl}/login`);
      await anonymous.context().close();

      // 2. The setup link that `npm start` prints.
      const token = await issueSetupLinkIfNeeded(ctx.db, new Date());
      expect(token).toBeTruthy();
      await page.goto(`${ctx.baseUrl}/setup/${token}`);
      expect(await page.locator('h1').innerText()).toBe('初期設定：最初のシステム管理者');
      expect(await page.locator('html').getAttribute('lang')).toBe('ja');
      // No CJK font is installed on the test machines: the Japanese must come from the served webfont.
      const notoLoaded = await page.evaluate(async () => {
        await document.fonts.ready;
        return [...document.fonts].some((f) => f.family.replace(/"/g, '') === 'Noto Sans JP' && f.status === 'loaded');
      });
      expect(notoLoaded).toBe(true);
      await capture(page, '01-setup');

      await page.getByLabel('職員番号', { exact: true }).fill('ADM001');
      await page.getByLabel('氏名', { exact: true }).fill('山本 管理');
      await page.getByLabel('メールアドレス').fill('admin@hospital.example.jp');
      await page.getByLabel('新しいパスワード', { exact: true }).fill('first-admin-password-1');
      await page.getByLabel('新しいパスワード（確認）').fill('first-admin-password-1');
      await page.getByRole('button', { name: '管理者を作成してログイン' }).click();

      // 3. The hospital profile, which the setup flow leads to.
      await page.waitForURL(`${ctx.baseUrl}/admin/hospital`);
      expect(await page.locator('h1').innerText()).toBe('医療機関情報');
      expect(await mainText(page)).toContain('システム管理者を作成しました。医療機関情報を入力してください。');
      expect(await page.locator('.account-link').innerText()).toBe('山本 管理');
      await page.getByLabel('医療機関名').fill('まもる記念病院');
      await page.getByLabel('医療機関コード').fill('1312345678');
      await page.getByLabel('許可病床数').fill('450');
      await capture(page, '02-hospital-profile');
      await page.getByRole('button', { name: '保存', exact: true }).click();
      // The save redirects back to this same URL, so wait for what only the new page shows.
      await page.locator('.flash-success', { hasText: '医療機関情報を保存しました。' }).waitFor();
      expect(await page.getByLabel('医療機関名').inputValue()).toBe('まもる記念病院');
      expect(await page.getByLabel('医療機関コード').inputValue()).toBe('1312345678');
      expect(await page.getByLabel('許可病床数').inputValue()).toBe('450');

      // 4. Staff -> roster import: upload, preview with the counts.
      await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '職員', exact: true }).click();
      await page.waitForURL(`${ctx.baseUrl}/staff`);
      await page.getByRole('link', { name: '名簿の取り込み' }).click();
      await page.waitForURL(`${ctx.baseUrl}/staff/import`);
      expect(await page.locator('h1').innerText()).toBe('名簿の取り込み');
      expect(await mainText(page)).toContain('職員番号 / employee_no');
      await capture(page, '03-import-form');
      await page.getByLabel('CSVファイル').setInputFiles(csvFile);
      await page.getByRole('button', { name: 'アップロードして確認' }).click();
      await page.waitForURL(/\/staff\/import\/\d+$/);
      expect(await page.locator('h1').innerText()).toBe('取り込み内容の確認');
      const preview = await mainText(page);
      expect(preview).toContain(`ファイル：職員名簿.csv`);
      expect(preview).toContain(`${rows} 行`);
      expect(preview).toContain('この内容で取り込めます。');
      expect(await page.locator('.count-create dd').innerText()).toBe(String(rows));
      expect(await page.locator('.count-update dd').innerText()).toBe('0');
      expect(await page.locator('.count-errors dd').innerText()).toBe('0');
      expect(preview).toContain('新しく作成される所属：');
      expect(preview).toContain('放射線科');
      expect(await page.locator('#import-actions tbody tr').count()).toBe(rows);
      await capture(page, '04-import-preview');
      const previewUrl = page.url();
      const previewAxe = await axePage();
      await expectNoSeriousAxeViolations(previewAxe, previewUrl);
      await previewAxe.context().close();

      // 5. Apply, and land on the staff list with everyone on it.
      await page.getByRole('button', { name: 'この内容で取り込む' }).click();
      await page.waitForURL(`${ctx.baseUrl}/staff`);
      const list = await mainText(page);
      expect(list).toContain(`名簿を取り込みました：新規 ${rows} 人、更新 0 人、退職 0 人。`);
      expect(list).toContain(`${rows + 1}人中`);
      expect(list).toContain('渡辺 結衣');
      await capture(page, '05-staff-list');
      const listAxe = await axePage();
      await expectNoSeriousAxeViolations(listAxe, page.url());
      await listAxe.context().close();

      // 6. Search for one person by name and open their page.
      await page.getByRole('searchbox', { name: '検索' }).fill('渡辺 結衣');
      await page.getByRole('button', { name: '絞り込む' }).click();
      await page.waitForURL(/\/staff\?.*q=/);
      expect(await mainText(page)).toContain('1人中 1–1人目');
      expect(await page.locator('table.data tbody tr').count()).toBe(1);
      await page.getByRole('link', { name: '渡辺 結衣' }).click();
      await page.waitForURL(/\/staff\/\d+$/);
      expect(await page.locator('h1').innerText()).toBe('渡辺 結衣');
      const person = await mainText(page);
      expect(person).toContain('わたなべ ゆい');
      expect(person).toContain('N0028');
      expect(person).toContain('n0028@hospital.example.jp');
      expect(person).toContain('放射線科');
      await capture(page, '06-staff-ja');

      // 7. The header's language picker switches this page to English.
      const staffUrl = page.url();
      await page.getByLabel('表示言語').selectOption('en');
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      expect(page.url()).toBe(staffUrl);
      expect(await page.locator('h1').innerText()).toBe('渡辺 結衣');
      const english = await mainText(page);
      expect(english).toContain('Employee number');
      expect(english).toContain('Department');
      expect(english).not.toContain('職員番号');
      expect(await page.getByRole('navigation', { name: 'Main menu' }).innerText()).toContain('Staff');
      await capture(page, '07-staff-en');

      // 8. Log out: back to the (English) login page, and the roster is closed again.
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(`${ctx.baseUrl}/login`);
      expect(await page.locator('h1').innerText()).toBe('Log in');
      await capture(page, '08-logged-out');
      await page.goto(`${ctx.baseUrl}/staff`);
      expect(page.url()).toBe(`${ctx.baseUrl}/login`);
    },
    TIMEOUT_MS,
  );
});
