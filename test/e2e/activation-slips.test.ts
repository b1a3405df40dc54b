import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { hospital, staff } from '../../server/db/schema';
import {
  DESKTOP,
  TABLET,
  browserSuite,
  describeWithBrowser,
  resultsDir,
  screenshot,
  seriousAxeViolations,
  signInWithBrowser,
} from '../support/browser';
import { makeDepartment, makeOfficer, makeStaff } from '../support/factories';

// The officer prints activation slips for a ward without e-mail addresses, in a real Chromium:
// the PDF has A4 pages of eight slips, every slip's text is inside its slip (nothing cut off),
// no site navigation is printed; then a nurse opens her slip's address, sets a password and is in.
// The PDF and a PNG of its first page go to test-results/ for a person to look at.

const TIMEOUT_MS = 180_000;
const havePoppler = ['pdftotext', 'pdftoppm'].every((bin) => {
  try {
    execFileSync('which', [bin], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

describeWithBrowser('activation slips', () => {
  const suite = browserSuite({ LOG_LEVEL: 'warn' }, TIMEOUT_MS);
  let officer: Awaited<ReturnType<typeof makeOfficer>>;
  let ward: Awaited<ReturnType<typeof makeDepartment>>;
  const nurses: Awaited<ReturnType<typeof makeStaff>>[] = [];

  beforeAll(async () => {
    const { db } = suite.ctx;
    await db.insert(hospital).values({ name: '社会医療法人 まもる記念病院（地域医療支援病院）', licensedBeds: 450 }).onConflictDoNothing();
    officer = await makeOfficer(db, { name: '安全 管理子' });
    ward = await makeDepartment(db, '看護部 西病棟4階（緩和ケア・地域包括ケア病棟）');
    const names = [
      '佐藤 美咲',
      '鈴木 健太',
      '高橋 結衣',
      '田中 大輔',
      '伊藤 陽子',
      '渡辺 真由美',
      '山本 翔',
      '中村 さくら',
      '小林 勘解由小路 左衛門三郎', // a long name must wrap inside its slip, not run off it
      'Maria Clara Santos de la Cruz',
    ];
    for (const [i, name] of names.entries()) {
      nurses.push(
        await makeStaff(db, {
          name,
          departmentId: ward.id,
          password: null,
          email: null,
          employeeNo: `NS-2026-${String(i + 1).padStart(4, '0')}`,
        }),
      );
    }
    await db.update(staff).set({ locale: 'en' }).where(eq(staff.id, nurses[9]!.id));
  }, TIMEOUT_MS);

  it(
    'prints A4 sheets of slips with name, number, department, short address and QR code, nothing cut off, and a slip activates its holder',
    async () => {
      const { context, page } = await signInWithBrowser(suite.ctx, officer, suite.problems, DESKTOP);
      const cspViolations: string[] = [];
      page.on('console', (m) => {
        if (m.text().includes('Content Security Policy')) cspViolations.push(m.text());
      });
      await page.goto(`${suite.ctx.baseUrl}/activation?department=${ward.id}`);
      expect(await page.locator('tr[data-state="none"]').count()).toBe(10);
      await page.setViewportSize(TABLET);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await screenshot(page, 'activation-list-tablet');
      await page.setViewportSize(DESKTOP);

      // axe needs its script in the page: a second window of the same session that ignores the CSP
      // checks the list and a first issue's print page.
      const axeContext = await suite.ctx.browser.newContext({
        viewport: DESKTOP,
        bypassCSP: true,
        storageState: await context.storageState(),
      });
      const axePage = await axeContext.newPage();
      await axePage.goto(`${suite.ctx.baseUrl}/activation?department=${ward.id}`);
      expect(await seriousAxeViolations(axePage)).toEqual([]);
      await axePage.locator('#delivery-slips').check();
      await axePage.locator('form[action="/activation/issue"] button[type="submit"]').click();
      await axePage.waitForSelector('.sheet');
      expect(await seriousAxeViolations(axePage)).toEqual([]);
      await axeContext.close();

      // Those slips were lost (say): the officer issues again for everyone not activated, replacing them.
      await page.reload();
      expect(await page.locator('tr[data-state="invited"]').count()).toBe(10);
      await page.locator('#include-all').check();
      await page.locator('#delivery-auto').check();
      await page.locator('form[action="/activation/issue"] button[type="submit"]').click();
      await page.waitForSelector('.sheet');
      expect(await page.locator('.slip').count()).toBe(10);
      expect(await page.locator('.sheet').count()).toBe(2);
      expect(await page.evaluate(() => getComputedStyle(document.querySelector('.sheet')!).width)).toMatch(/^79[34]/); // 210 mm: the stylesheet loaded
      await screenshot(page, 'activation-slips-screen');
      expect(cspViolations).toEqual([]);

      // As printed: no toolbar, no site header; every slip's content inside the slip, every slip inside its sheet.
      await page.emulateMedia({ media: 'print' });
      // The PDF Chromium prints: A4 pages, one per sheet.
      fs.mkdirSync(resultsDir, { recursive: true });
      const pdfPath = path.join(resultsDir, 'activation-slips.pdf');
      const pdf = await page.pdf({ path: pdfPath, preferCSSPageSize: true, printBackground: true });
      const pdfText = pdf.toString('latin1');
      const pages = pdfText.match(/\/Type\s*\/Page[^s]/g) ?? [];
      expect(pages).toHaveLength(2);
      const box = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(pdfText);
      expect(Math.round(Number(box![1]))).toBe(595); // A4 in points
      expect(Math.round(Number(box![2]))).toBe(842);
      if (havePoppler) {
        const text = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' });
        for (const nurse of nurses) expect(text).toContain(nurse.employeeNo);
        expect(text).toContain('/a/');
        expect(text).not.toContain('印刷する');
        execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', pdfPath, path.join(resultsDir, 'activation-slips')]);
      }

      const layout = await page.evaluate(() => {
        const visible = (sel: string) =>
          [...document.querySelectorAll(sel)].filter((el) => (el as HTMLElement).offsetParent !== null).length;
        const slips = [...document.querySelectorAll<HTMLElement>('.slip')].map((slip) => {
          const box = slip.getBoundingClientRect();
          const sheet = slip.closest('.sheet')!.getBoundingClientRect();
          const outside = [...slip.querySelectorAll<HTMLElement>('p, dt, dd, svg')]
            .filter((el) => {
              const r = el.getBoundingClientRect();
              return r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5;
            })
            .map((el) => el.textContent?.slice(0, 30) ?? el.tagName);
          const clipped = [...slip.querySelectorAll<HTMLElement>('p, dd')]
            .filter((el) => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)
            .map((el) => el.textContent?.slice(0, 30));
          return {
            text: slip.innerText,
            outside,
            clipped,
            overflowing: slip.scrollHeight > slip.clientHeight + 1 || slip.scrollWidth > slip.clientWidth + 1,
            inSheet: box.left >= sheet.left && box.right <= sheet.right + 0.5 && box.top >= sheet.top && box.bottom <= sheet.bottom + 0.5,
            qrSize: slip.querySelector('svg')!.getBoundingClientRect().width,
          };
        });
        return { toolbar: visible('.toolbar'), header: document.querySelectorAll('.site-header, nav').length, slips };
      });
      expect(layout.toolbar).toBe(0);
      expect(layout.header).toBe(0);
      for (const [i, slip] of layout.slips.entries()) {
        const nurse = nurses[i]!;
        expect({ i, outside: slip.outside, clipped: slip.clipped, overflowing: slip.overflowing, inSheet: slip.inSheet }).toEqual({
          i,
          outside: [],
          clipped: [],
          overflowing: false,
          inSheet: true,
        });
        expect(slip.text).toContain(nurse.employeeNo);
        expect(slip.text).toContain(ward.name);
        expect(slip.text).toMatch(new RegExp(`${suite.ctx.baseUrl.replace(/[.:/]/g, '\\$&')}/a/[0-9A-Z]{10}`));
        expect(slip.qrSize).toBeGreaterThan(80); // about 25 mm at 96 px per inch
      }
      expect(layout.slips[0]!.text).toContain('佐藤 美咲 様');
      expect(layout.slips[9]!.text).toContain('Activate your training account');

      // A nurse scans her slip: its address opens her password page; setting one signs her in.
      await page.emulateMedia({ media: 'screen' });
      const address = await page.locator('.slip').first().locator('.slip-url').innerText();
      const nurseContext = await suite.ctx.browser.newContext({ viewport: TABLET, locale: 'ja-JP' });
      const phone = await nurseContext.newPage();
      suite.problems.watch(phone);
      await phone.goto(address);
      await phone.waitForURL(/\/password\//);
      expect(await phone.locator('main').innerText()).toContain('佐藤 美咲');
      await phone.getByLabel('新しいパスワード', { exact: true }).fill('slip-activated-1');
      await phone.getByLabel('新しいパスワード（確認）').fill('slip-activated-1');
      await phone.locator('main form button[type="submit"]').click();
      await phone.waitForURL((u) => u.pathname === '/');
      expect(await phone.locator('.account-link').innerText()).toBe('佐藤 美咲');
      await nurseContext.close();

      // The officer's list now counts her as activated.
      await page.goto(`${suite.ctx.baseUrl}/activation?department=${ward.id}`);
      expect(await page.locator('tr[data-state="activated"]').count()).toBe(1);
      await context.close();
    },
    TIMEOUT_MS,
  );
});
