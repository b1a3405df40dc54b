import type { BrowserContext } from 'playwright-core';
import { installBuiltinCourses } from '../../server/scorm/courses/builtin';
import {
  DESKTOP,
  TABLET,
  browserSuite,
  describeWithBrowser,
  screenshot,
  seriousAxeViolations,
  signInWithBrowser,
} from '../support/browser';
import { makeDepartment, makeOfficer, makeStaff } from '../support/factories';

// The officer makes this year's plan in Chromium (a plan, one of our courses for a department,
// due date and days for joiners); a learner of that department sees it on their home page,
// required apart from optional, with a button to start. axe finds nothing serious on the pages.

const TIMEOUT_MS = 120_000;

describeWithBrowser('a training plan, from the officer to the learner', () => {
  const suite = browserSuite({ LOG_LEVEL: 'warn' }, TIMEOUT_MS);
  let courseId: number;

  // The app's CSP refuses axe's injected script: each page is checked again in a context that
  // bypasses CSP, with the same signed-in cookies.
  async function axeAt(context: BrowserContext, url: string, viewport: { width: number; height: number }) {
    const axeContext = await suite.ctx.browser.newContext({ viewport, bypassCSP: true, storageState: await context.storageState() });
    const page = await axeContext.newPage();
    await page.goto(url);
    const found = await seriousAxeViolations(page);
    await axeContext.close();
    return found;
  }

  beforeAll(async () => {
    const installed = await installBuiltinCourses(suite.ctx.db, new Date());
    courseId = installed.flatMap((o) => (o.status === 'installed' ? [o.courseId] : []))[0]!;
  }, TIMEOUT_MS);

  it(
    'the officer plans a course for a department; its learner sees it as required on home',
    async () => {
      const ward = await makeDepartment(suite.ctx.db, '東3病棟');
      const officer = await makeOfficer(suite.ctx.db, { name: '情報 管理者' });
      const learner = await makeStaff(suite.ctx.db, { name: '山田 看護', departmentId: ward.id });

      const { context, page } = await signInWithBrowser(suite.ctx, officer, suite.problems, DESKTOP);
      await page.goto(`${suite.ctx.baseUrl}/training`);
      expect(await axeAt(context, page.url(), DESKTOP)).toEqual([]);
      await page.locator('#title').fill('全職員向け 情報セキュリティ研修');
      await page.locator('form[action="/training/plans"] button[type="submit"]').click();
      await page.waitForURL(/\/training\/plans\/\d+$/);
      // An empty plan is warned: nothing in it counts as the year's training yet.
      expect(await page.locator('.flash-warn').innerText()).toContain('3条件');
      expect(await axeAt(context, page.url(), DESKTOP)).toEqual([]);

      await page.locator('a[href$="/requirements/new"]').click();
      await page.locator('#courseId').selectOption(String(courseId));
      await page.locator('#dueOn').fill('2099-03-31');
      await page.locator('#joinDays').fill('30');
      await page.getByLabel('東3病棟').check();
      expect(await axeAt(context, page.url(), DESKTOP)).toEqual([]);
      await screenshot(page, 'training-requirement-form');
      await page.locator('form[action$="/requirements"] button[type="submit"]').click();
      await page.waitForURL(/\/training\/plans\/\d+$/);
      expect(await page.locator('.flash-warn').count()).toBe(0);
      expect(await page.locator('table.data').innerText()).toContain('3条件を満たす');
      await screenshot(page, 'training-plan');
      await page.locator('a[href$="/assignments"]').first().click();
      expect(await page.locator('table.data').innerText()).toContain('山田 看護');
      expect(await axeAt(context, page.url(), DESKTOP)).toEqual([]);
      // The person's assignment, with the exemption form.
      await page.getByRole('link', { name: '山田 看護' }).click();
      await page.waitForURL(/\/training\/assignments\/\d+$/);
      expect(await page.locator('#reason').isVisible()).toBe(true);
      expect(await axeAt(context, page.url(), DESKTOP)).toEqual([]);
      await screenshot(page, 'training-assignment');
      await context.close();

      const learnerSession = await signInWithBrowser(suite.ctx, learner, suite.problems, TABLET);
      const home = learnerSession.page;
      const required = home.locator('section[aria-labelledby="required-title"]');
      expect(await required.innerText()).toContain('未受講');
      expect(await required.locator(`form[action="/courses/${courseId}/start"] button`).isVisible()).toBe(true);
      expect(await home.locator('section[aria-labelledby="optional-title"]').innerText()).not.toContain('期限');
      expect(await axeAt(learnerSession.context, home.url(), TABLET)).toEqual([]);
      await screenshot(home, 'training-home-required');
      await learnerSession.context.close();
    },
    TIMEOUT_MS,
  );
});
