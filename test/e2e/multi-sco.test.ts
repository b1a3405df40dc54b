import type { Frame, Page, Route } from 'playwright-core';
import { catalogs } from '../../server/lib/i18n';
import { importPackage } from '../../server/scorm/courses/service';
import {
  DESKTOP,
  browserSuite,
  describeWithBrowser,
  scoFrame,
  signInWithBrowser,
  waitUntil,
  type BrowserContext,
} from '../support/browser';
import { makeStaff } from '../support/factories';
import { attemptRow, stateOf, uniquePackage } from '../support/scorm-flow';
import { buildPackage, navigableScos } from '../support/scorm-packages';

// A package of three SCOs, played in Chromium: the player moves between them as SCORM 2004
// content asks (continue, previous, choice, suspendAll, exitAll) and as the learner picks from
// the table of contents, ends the SCO it leaves (saving it), launches the next one with that
// SCO's own stored data, and keeps the table of contents' statuses current.

const TIMEOUT_MS = 120_000;
const ja = catalogs.ja;
type Standard = '1.2' | '2004';

describeWithBrowser('a multi-SCO package played in Chromium', () => {
  const suite = browserSuite({ LOG_LEVEL: 'warn' }, TIMEOUT_MS);
  let ctx: BrowserContext;
  const courseIds = {} as Record<Standard, number>;

  beforeAll(async () => {
    ctx = suite.ctx;
    for (const standard of ['1.2', '2004'] as const) {
      const result = await importPackage(ctx.db, null, await buildPackage(navigableScos(standard)), new Date());
      if (!result.ok) throw new Error(`import refused: ${JSON.stringify(result.problems)}`);
      courseIds[standard] = result.courseId;
    }
  }, TIMEOUT_MS);

  async function openPlayer(page: Page, courseId: number, button: string) {
    await page.goto(`${ctx.baseUrl}/courses/${courseId}`);
    await page.getByRole('button', { name: button, exact: true }).click();
    await page.waitForURL(/\/learn\/attempts\/\d+$/);
    const config = JSON.parse((await page.locator('#player-config').textContent()) ?? '{}') as {
      attemptId: number;
      scos: { id: number; identifier: string }[];
    };
    return {
      attemptId: config.attemptId,
      scoId: Object.fromEntries(config.scos.map((s) => [s.identifier, s.id])) as Record<string, number>,
    };
  }

  /** The content frame once it shows SCO `name` and has read its launch data from the API. */
  async function sco(page: Page, name: string): Promise<{ frame: Frame; entry: string; location: string }> {
    const frame = await scoFrame(page);
    await frame.waitForURL(new RegExp(`/${name}\\.html$`));
    await frame.waitForFunction(() => (document.getElementById('entry')?.textContent ?? '') !== '');
    return { frame, entry: await frame.locator('#entry').innerText(), location: await frame.locator('#location').innerText() };
  }

  /** The learner picks SCO `name` in the table of contents. */
  async function pick(page: Page, scoId: number, name: string) {
    await page.locator(`.toc-item[data-sco-id="${scoId}"]`).click();
    return sco(page, name);
  }

  const current = (page: Page) => page.locator('.toc-item[aria-current="true"] .toc-title').innerText();
  const tocStatus = (page: Page, scoId: number) => page.locator(`.toc-item[data-sco-id="${scoId}"] .toc-status`).innerText();
  const statusBecomes = (page: Page, scoId: number, key: 'scorm.status.inProgress' | 'scorm.status.completed') =>
    waitUntil(`SCO ${scoId} shown as ${key}`, async () => (await tocStatus(page, scoId)) === ja[key]);
  const navigate = (frame: Frame, request: string) => frame.locator(`[data-request="${request}"]`).click();
  /** The SCO reports itself completed and passed, then ends with `request`. */
  async function completeAnd(frame: Frame, request: string) {
    await frame.locator('#complete').click();
    await navigate(frame, request);
  }

  /** The player's word after a SCO ended; an exit request also takes the content away, a plain finish leaves it on screen. */
  async function noticeSays(page: Page, key: 'scorm.player.exited' | 'scorm.player.finished', contentRemoved: boolean) {
    const notice = page.locator('#player-notice');
    await notice.waitFor({ state: 'visible' });
    expect(await notice.innerText()).toContain(ja[key]);
    expect((await page.locator('#content-frame').getAttribute('src')) === 'about:blank').toBe(contentRemoved);
  }

  it(
    'SCORM 2004: continue, previous, choice and the contents move between SCOs with their own data; suspendAll and exitAll end the session',
    async () => {
      const learner = await makeStaff(ctx.db);
      const { context, page } = await signInWithBrowser(ctx, learner, suite.problems, DESKTOP);
      const { attemptId, scoId } = await openPlayer(page, courseIds['2004'], ja['scorm.course.start']);
      expect(await page.locator('.toc-item').count()).toBe(3);

      let s = await sco(page, 'sco1');
      expect([s.entry, s.location]).toEqual(['ab-initio', '(none)']);
      expect(await current(page)).toBe('Lesson 1');
      expect(await tocStatus(page, scoId.sco1!)).toBe(ja['scorm.status.notStarted']);

      // continue: lesson 2 starts afresh; lesson 1 is now in progress in the contents.
      await navigate(s.frame, 'continue');
      s = await sco(page, 'sco2');
      expect([s.entry, s.location]).toEqual(['ab-initio', '(none)']);
      expect(await current(page)).toBe('Lesson 2');
      await statusBecomes(page, scoId.sco1!, 'scorm.status.inProgress');

      // Lesson 2 completed, then previous: lesson 1 resumes where it was left.
      await completeAnd(s.frame, 'previous');
      s = await sco(page, 'sco1');
      expect([s.entry, s.location]).toEqual(['resume', 'sco1-visited']);
      await statusBecomes(page, scoId.sco2!, 'scorm.status.completed');

      // choice of a named activity.
      await navigate(s.frame, '{target=sco3}choice');
      s = await sco(page, 'sco3');
      expect(await current(page)).toBe('Lesson 3');

      // The learner picks lesson 2 in the contents while lesson 3 runs: lesson 3 ends and is saved.
      s = await pick(page, scoId.sco2!, 'sco2');
      expect([s.entry, s.location]).toEqual(['resume', 'sco2-visited']);
      await waitUntil('lesson 3 saved', async () => (await stateOf(ctx.db, attemptId, scoId.sco3!))?.location === 'sco3-visited');

      // suspendAll: the content is taken away, the learner is told they can resume, focus on the way back.
      await navigate(s.frame, 'suspendAll');
      await noticeSays(page, 'scorm.player.exited', true);
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(ja['scorm.player.back']);
      expect((await attemptRow(ctx.db, attemptId)).satisfied).toBe(false);

      // Next day: the player opens the first lesson not yet completed, where it was left.
      const again = await openPlayer(page, courseIds['2004'], ja['scorm.course.resume']);
      expect(again.attemptId).toBe(attemptId);
      s = await sco(page, 'sco1');
      expect([s.entry, s.location]).toEqual(['resume', 'sco1-visited']);
      expect(await tocStatus(page, scoId.sco2!)).toBe(ja['scorm.status.completed']);
      await completeAnd(s.frame, 'exitAll');
      await noticeSays(page, 'scorm.player.finished', true);
      await statusBecomes(page, scoId.sco1!, 'scorm.status.completed');

      // The last lesson from the contents; completing it completes the course, and the learner is told.
      s = await pick(page, scoId.sco3!, 'sco3');
      expect([s.entry, s.location]).toEqual(['resume', 'sco3-visited']);
      await completeAnd(s.frame, 'exitAll');
      await noticeSays(page, 'scorm.player.finished', true);
      await waitUntil(
        'the course shown as completed',
        async () => (await page.locator('#player-status').innerText()) === ja['scorm.player.courseCompleted'],
      );
      expect(await tocStatus(page, scoId.sco3!)).toBe(ja['scorm.status.completed']);
      expect((await attemptRow(ctx.db, attemptId)).satisfied).toBe(true);
      await context.close();
    },
    TIMEOUT_MS,
  );

  it(
    'SCORM 1.2: the contents switch SCOs, each resuming with its own data, and a finished SCO offers the next',
    async () => {
      const learner = await makeStaff(ctx.db);
      const { context, page } = await signInWithBrowser(ctx, learner, suite.problems, DESKTOP);
      const { attemptId, scoId } = await openPlayer(page, courseIds['1.2'], ja['scorm.course.start']);

      let s = await sco(page, 'sco1');
      expect([s.entry, s.location]).toEqual(['ab-initio', '(none)']);
      s = await pick(page, scoId.sco3!, 'sco3');
      expect([s.entry, s.location]).toEqual(['ab-initio', '(none)']);
      await waitUntil('lesson 1 saved', async () => (await stateOf(ctx.db, attemptId, scoId.sco1!))?.location === 'sco1-visited');
      // Leaving it ended its session (LMSFinish) before the next one opened; it had set no status,
      // so under SCORM 1.2 the LMS records it completed.
      await statusBecomes(page, scoId.sco1!, 'scorm.status.completed');

      s = await pick(page, scoId.sco1!, 'sco1');
      expect([s.entry, s.location]).toEqual(['resume', 'sco1-visited']);

      // Finished (LMSFinish): the player offers the next lesson by name, focusable by keyboard.
      await completeAnd(s.frame, 'continue');
      await noticeSays(page, 'scorm.player.finished', false);
      await statusBecomes(page, scoId.sco1!, 'scorm.status.completed');
      const next = page.locator('#player-notice button', { hasText: 'Lesson 2' });
      expect(await next.innerText()).toBe(`${ja['scorm.player.next']}: Lesson 2`);
      await next.focus();
      await page.keyboard.press('Enter');
      s = await sco(page, 'sco2');
      expect(await current(page)).toBe('Lesson 2');
      await context.close();
    },
    TIMEOUT_MS,
  );

  it.each([
    { outage: 'answers 503', refuse: (route: Route) => route.fulfill({ status: 503, body: '' }) },
    { outage: 'drops the connection', refuse: (route: Route) => route.abort('connectionreset') },
  ])(
    'a save the server does not acknowledge (it $outage) is shown to the learner and the content, retried, and lands once the server is back',
    async ({ refuse }) => {
      const learner = await makeStaff(ctx.db);
      const { context, page } = await signInWithBrowser(ctx, learner, suite.problems, DESKTOP);
      const { attemptId, scoId } = await openPlayer(page, courseIds['2004'], ja['scorm.course.start']);
      const s = await sco(page, 'sco1');
      const status = page.locator('#player-status');

      // The server is unreachable for commits while the learner completes the lesson.
      let refused = 0;
      await page.route('**/l/*/commit*', async (route) => {
        refused++;
        await refuse(route);
      });
      await s.frame.locator('#complete').click();
      await s.frame.locator('#save').click();
      expect(await s.frame.locator('#saved').innerText()).toBe('false 391');
      expect(await status.innerText()).toBe(ja['scorm.player.saveFailed']);
      expect(await status.getAttribute('class')).toContain('error');
      expect((await stateOf(ctx.db, attemptId, scoId.sco1!))?.completion ?? 'not attempted').not.toBe('completed');

      // The server is back: the player's own retry stores the completion without the learner doing anything.
      await page.unroute('**/l/*/commit*');
      await waitUntil('the retried save', async () => (await stateOf(ctx.db, attemptId, scoId.sco1!))?.completion === 'completed');
      // The only failed calls are the ones refused on purpose (the suite checks for others after each test).
      expect(refused).toBeGreaterThan(0);
      const failed = suite.problems.take();
      expect(failed.every((f) => f.startsWith('503 POST') && f.includes('/commit'))).toBe(true);
      await waitUntil('the learner told it is saved', async () => (await status.innerText()) === ja['scorm.player.saved']);
      expect(await status.getAttribute('class')).not.toContain('error');
      await context.close();
    },
    TIMEOUT_MS,
  );
  // SCOs that save their session time and exit=suspend in their own unload handler, as much
  // third-party content does: the player must end them before their frame goes.
  const savesOnUnload = `(function () {
  var w = window.parent;
  while (w && !w.API_1484_11 && !w.API && w.parent !== w) w = w.parent;
  var is2004 = Boolean(w.API_1484_11);
  var api = is2004 ? w.API_1484_11 : w.API;
  function get(k) { return is2004 ? api.GetValue(k) : api.LMSGetValue(k); }
  function set(k, v) { return is2004 ? api.SetValue(k, v) : api.LMSSetValue(k, v); }
  if (is2004) api.Initialize(''); else api.LMSInitialize('');
  var name = document.body.getAttribute('data-sco');
  document.getElementById('entry').textContent = get(is2004 ? 'cmi.entry' : 'cmi.core.entry') || '(none)';
  document.getElementById('location').textContent = get(is2004 ? 'cmi.location' : 'cmi.core.lesson_location') || '(none)';
  window.addEventListener('unload', function () {
    set(is2004 ? 'cmi.session_time' : 'cmi.core.session_time', is2004 ? 'PT42S' : '00:00:42');
    set(is2004 ? 'cmi.exit' : 'cmi.core.exit', 'suspend');
    set(is2004 ? 'cmi.location' : 'cmi.core.lesson_location', name + '-left-in-unload');
    if (is2004) api.Terminate(''); else api.LMSFinish('');
  });
})();`;

  it.each(['1.2', '2004'] as const)(
    'SCORM %s: moving to another SCO from the contents keeps what the SCO saves in its unload handler (session time, exit=suspend)',
    async (standard) => {
      const spec = navigableScos(standard);
      const { bytes } = await uniquePackage({ ...spec, files: { ...spec.files, 'sco.js': savesOnUnload } }, `unload${standard}`);
      const imported = await importPackage(ctx.db, null, bytes, new Date());
      if (!imported.ok) throw new Error(`import refused: ${JSON.stringify(imported.problems)}`);
      const learner = await makeStaff(ctx.db);
      const { context, page } = await signInWithBrowser(ctx, learner, suite.problems, DESKTOP);
      const { attemptId, scoId } = await openPlayer(page, imported.courseId, ja['scorm.course.start']);
      await sco(page, 'sco1');
      await pick(page, scoId.sco2!, 'sco2');
      await waitUntil('what sco1 saved as it unloaded', async () => (await stateOf(ctx.db, attemptId, scoId.sco1!))?.exit === 'suspend');
      expect(await stateOf(ctx.db, attemptId, scoId.sco1!)).toMatchObject({
        exit: 'suspend',
        location: 'sco1-left-in-unload',
        sessionSeconds: 42,
      });
      // And it resumes from there.
      const back = await pick(page, scoId.sco1!, 'sco1');
      expect([back.entry, back.location]).toEqual(['resume', 'sco1-left-in-unload']);
      await context.close();
    },
    TIMEOUT_MS,
  );

  it(
    'tells the learner when the content never connects to the run-time API (it never calls Initialize)',
    async () => {
      const spec = navigableScos('1.2');
      const { bytes } = await uniquePackage({ ...spec, files: { ...spec.files, 'sco.js': '/* never initializes */' } }, 'silent');
      const imported = await importPackage(ctx.db, null, bytes, new Date());
      if (!imported.ok) throw new Error(`import refused: ${JSON.stringify(imported.problems)}`);
      const learner = await makeStaff(ctx.db);
      const { context, page } = await signInWithBrowser(ctx, learner, suite.problems, DESKTOP);
      await openPlayer(page, imported.courseId, ja['scorm.course.start']);
      const notice = page.locator('#player-notice');
      await notice.waitFor({ state: 'visible', timeout: 30_000 });
      expect(await notice.innerText()).toBe(ja['scorm.player.notInitialized']);
      await context.close();
    },
    TIMEOUT_MS,
  );
});
