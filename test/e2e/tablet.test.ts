import type { Frame, Page } from 'playwright-core';
import { installBuiltinCourses } from '../../server/scorm/courses/builtin';
import {
  DESKTOP,
  PHONE,
  TABLET,
  browserSuite,
  describeWithBrowser,
  scoFrame,
  screenshot,
  seriousAxeViolations,
  signInWithBrowser,
} from '../support/browser';
import { makeStaff } from '../support/factories';

// Our course on a 10-inch ward tablet held upright (800×1280): the page list folds behind a
// labelled toggle instead of taking a band of the screen, the course's title shows once, and
// course cards keep Japanese compounds whole at phone, tablet and desktop widths. Screenshots
// go to test-results/ for a person to look at.

const TIMEOUT_MS = 120_000;

describeWithBrowser('the course player and course cards on a tablet', () => {
  const suite = browserSuite({ LOG_LEVEL: 'warn' }, TIMEOUT_MS);
  let courseIds: number[] = [];
  let learner: Awaited<ReturnType<typeof makeStaff>>;

  beforeAll(async () => {
    const installed = await installBuiltinCourses(suite.ctx.db, new Date());
    courseIds = installed.flatMap((o) => (o.status === 'installed' ? [o.courseId] : []));
    expect(courseIds.length).toBeGreaterThan(0);
    learner = await makeStaff(suite.ctx.db, { name: '佐藤 受講' });
  }, TIMEOUT_MS);

  async function openCourse(page: Page, courseId: number): Promise<Frame> {
    await page.goto(`${suite.ctx.baseUrl}/courses/${courseId}`);
    await page.locator(`form[action="/courses/${courseId}/start"] button`).click();
    await page.waitForURL(/\/learn\/attempts\/\d+$/);
    const frame = await scoFrame(page);
    await frame.locator('#course h1').waitFor();
    return frame;
  }

  it(
    'folds the page list behind a labelled toggle at 800 px, with the page starting near the top',
    async () => {
      const { context, page } = await signInWithBrowser(suite.ctx, learner, suite.problems, TABLET);
      const frame = await openCourse(page, courseIds[0]!);
      await screenshot(page, 'tablet-course-toc-closed');
      const toggle = frame.locator('.c-toc > summary');
      expect(await toggle.isVisible()).toBe(true);
      expect(await toggle.innerText()).toMatch(/^ページ一覧/);
      expect(await frame.locator('.c-toc').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
      expect(await frame.locator('.c-toc ol').isVisible()).toBe(false);
      expect(await seriousAxeViolations(frame)).toEqual([]);

      // Measured in the course document: the page's heading comes right after the course bar and
      // the toggle, not after a band of empty screen.
      const box = (selector: string) =>
        frame
          .locator(selector)
          .first()
          .evaluate((e) => {
            const r = e.getBoundingClientRect();
            return { top: Math.round(r.top), bottom: Math.round(r.bottom), height: Math.round(r.height), width: Math.round(r.width) };
          });
      const [head, toc, h1] = [await box('.c-head'), await box('.c-toc'), await box('#course h1')];
      expect(toc.height).toBeLessThanOrEqual(64);
      expect(toc.top).toBeLessThanOrEqual(head.bottom + 1);
      expect(h1.top - toc.bottom).toBeLessThanOrEqual(48);
      expect(h1.top).toBeLessThan(260);
      // A short page (the test, locked until every page is read) leaves no grey band either:
      // the folded list keeps its height, whatever room the page leaves below.
      await frame.locator('.c-foot .c-count').waitFor();
      await frame.evaluate(() => {
        const items = document.querySelectorAll<HTMLButtonElement>('.c-toc ol button');
        items[items.length - 1]!.click();
      });
      await frame.locator('#course .c-locked').waitFor();
      const [shortToc, shortH1] = [await box('.c-toc'), await box('#course h1')];
      expect(shortToc.height).toBeLessThanOrEqual(64);
      expect(shortH1.top - shortToc.bottom).toBeLessThanOrEqual(48);
      await screenshot(page, 'tablet-course-short-page');
      await frame.locator('.c-foot .c-prev').click();

      // And in the player: the course frame starts right under the player's header.
      const frameBox = await page.locator('#content-frame').boundingBox();
      const headerBox = await page.locator('.player-header').boundingBox();
      expect(frameBox!.y - (headerBox!.y + headerBox!.height)).toBeLessThanOrEqual(2);
      expect(frameBox!.height).toBeGreaterThan(TABLET.height * 0.8);

      // The course's title is shown once (the player's header), not again in the course's own bar.
      const courseTitle = (await page.locator('.player-title').innerText()).trim();
      const frameText = await frame.locator('body').innerText();
      expect(frameText.split(courseTitle).length - 1).toBe(0);

      // Opened, the list is there in full; chosen, a page closes it again.
      await toggle.click();
      expect(await frame.locator('.c-toc ol').isVisible()).toBe(true);
      const items = frame.locator('.c-toc ol button');
      expect(await items.count()).toBeGreaterThan(2);
      await screenshot(page, 'tablet-course-toc-open');
      await items.nth(1).click();
      await frame.waitForFunction(() => !(document.querySelector('.c-toc') as HTMLDetailsElement).open);
      expect(await frame.locator('.c-toc ol').isVisible()).toBe(false);

      // In English, the toggle says so.
      await frame.locator('.c-lang button[lang="en"]').click();
      expect(await frame.locator('.c-toc > summary').innerText()).toMatch(/^Pages/);

      // Turned to landscape (or on a desk PC) with the list folded, the page takes the whole width:
      // no empty column where the list would be.
      await page.setViewportSize(DESKTOP);
      await frame.waitForFunction(() => window.innerWidth === 1280);
      const main = await frame.locator('.c-main').evaluate((e) => e.getBoundingClientRect().toJSON() as DOMRect);
      const body = await frame.locator('.c-body').evaluate((e) => e.getBoundingClientRect().toJSON() as DOMRect);
      expect({ left: Math.round(main.left - body.left), fullWidth: main.width > body.width - 2 }).toEqual({ left: 0, fullWidth: true });
      await screenshot(page, 'desktop-course-toc-closed');
      await context.close();
    },
    TIMEOUT_MS,
  );

  it(
    'keeps course titles whole on course cards at 360, 800 and 1280 px',
    async () => {
      const { context, page } = await signInWithBrowser(suite.ctx, learner, suite.problems, TABLET);
      for (const viewport of [{ width: 360, height: PHONE.height }, TABLET, DESKTOP]) {
        await page.setViewportSize(viewport);
        await page.goto(`${suite.ctx.baseUrl}/courses`);
        // Each card title as laid out, line by line (a line ends where the next character sits lower).
        const titles = await page.locator('.course-card h2 a').evaluateAll((links) =>
          links.map((a) => {
            const text = a.textContent!;
            const range = document.createRange();
            const lines: string[] = [];
            let top: number | null = null;
            let line = '';
            for (let i = 0; i < text.length; i++) {
              range.setStart(a.firstChild!, i);
              range.setEnd(a.firstChild!, i + 1);
              const rect = range.getClientRects()[0];
              if (!rect) continue;
              if (top !== null && rect.top > top + 2) {
                lines.push(line);
                line = '';
              }
              top = rect.top;
              line += text[i];
            }
            lines.push(line);
            return { text, lines };
          }),
        );
        expect(titles.length).toBeGreaterThan(0);
        // No break inside a compound: between two kanji, inside a katakana word or a Latin word.
        const sameWord = (a: string, b: string) =>
          [/\p{Script=Han}/u, /[\p{Script=Katakana}ー]/u, /[A-Za-z0-9]/].some((kind) => kind.test(a) && kind.test(b));
        for (const { text, lines } of titles) {
          for (let i = 1; i < lines.length; i++) {
            const [before, after] = [lines[i - 1]!.trimEnd().slice(-1), lines[i]!.trimStart().charAt(0)];
            const split = !/\s$/.test(lines[i - 1]!) && !/^\s/.test(lines[i]!) && sameWord(before, after);
            expect({ viewport: viewport.width, text, lines, split }).toEqual({ viewport: viewport.width, text, lines, split: false });
          }
        }
        // Nothing sticks out sideways.
        expect(await page.evaluate(() => document.scrollingElement!.scrollWidth - document.scrollingElement!.clientWidth)).toBe(0);
        await screenshot(page, `course-cards-${viewport.width}`);
      }
      await context.close();
    },
    TIMEOUT_MS,
  );
});
