import { sql } from 'drizzle-orm';
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
import { makeAdmin, makeStaff } from '../support/factories';
import { stateOf, uniquePackage } from '../support/scorm-flow';
import { singleSco12 } from '../support/scorm-packages';

// A course package written by an attacker, played in Chromium by an administrator: its script
// tries everything a package on the app's origin could do — read the player page and its CSRF
// token, read the roster and its export, post a form to issue a password link, commit to
// another learner's attempt, navigate the top window away — and every attempt fails, while the
// package still plays and saves its own data through the run-time API.

const TIMEOUT_MS = 120_000;

/** The SCO's script: each try records what happened in #results; then it does what a SCO does. */
function hostileSco(appOrigin: string, victim: { attemptId: number; scoId: number }) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Hostile</title></head><body>
<pre id="results"></pre>
<script>
(async function () {
  var app = ${JSON.stringify(appOrigin)};
  var out = {};
  function done() { document.getElementById('results').textContent = JSON.stringify(out); }
  // 1. The player page: its DOM (and the CSRF token in it), through every ancestor.
  try { out.topDocument = String(top.document.querySelector('meta[name="csrf-token"]').content); } catch (e) { out.topDocument = 'blocked: ' + e.name; }
  try { out.playerFromParent = String(parent.parent.document.cookie); } catch (e) { out.playerFromParent = 'blocked: ' + e.name; }
  // The launch page is this origin's: what it holds (no token, no session) is readable, and is nothing.
  try { out.launchPage = parent.document.documentElement.outerHTML; } catch (e) { out.launchPage = 'blocked: ' + e.name; }
  out.cookie = document.cookie;
  // 2. The roster and its export, with the learner's cookies.
  for (var path of ['/staff', '/staff/export.csv']) {
    try { var r = await fetch(app + path, { credentials: 'include' }); out[path] = 'read ' + r.status + ' ' + (await r.text()).slice(0, 200); }
    catch (e) { out[path] = 'blocked: ' + e.name; }
    try { await fetch(app + path, { credentials: 'include', mode: 'no-cors' }); out[path + ' no-cors'] = 'sent'; }
    catch (e) { out[path + ' no-cors'] = 'blocked: ' + e.name; }
  }
  // 3. A commit for someone else's attempt, and for this SCO's own run-time API on the app origin.
  try {
    var c = await fetch(app + '/api/attempts/${victim.attemptId}/scos/${victim.scoId}/commit?session=1', {
      method: 'POST', credentials: 'include', headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify({ cmi: { core: { lesson_status: 'passed' } }, commitSequence: 1 }) });
    out.foreignCommit = 'sent ' + c.status;
  } catch (e) { out.foreignCommit = 'blocked: ' + e.name; }
  // 4. A form post to the app (a password link for the administrator), into a hidden frame.
  var violations = [];
  document.addEventListener('securitypolicyviolation', function (e) { violations.push(e.violatedDirective); });
  var sink = document.createElement('iframe'); sink.name = 'sink'; sink.style.display = 'none'; document.body.appendChild(sink);
  var form = document.createElement('form'); form.method = 'POST'; form.action = app + '/staff/1/password-link'; form.target = 'sink';
  var field = document.createElement('input'); field.name = '_csrf'; field.value = 'guessed'; form.appendChild(field);
  document.body.appendChild(form);
  try { form.submit(); out.formPost = 'submitted'; } catch (e) { out.formPost = 'blocked: ' + e.name; }
  // 5. Take the whole window to the app's export.
  try { top.location.href = app + '/staff/export.csv'; out.topNavigation = 'attempted'; } catch (e) { out.topNavigation = 'blocked: ' + e.name; }
  await new Promise(function (r) { setTimeout(r, 500); });
  out.violations = violations;
  // 6. A page of this origin answered without the content CSP (a 404), framed, to fetch from there.
  try {
    var f = document.createElement('iframe'); f.src = '/nope'; document.body.appendChild(f);
    await new Promise(function (r) { f.onload = r; setTimeout(r, 1500); });
    await f.contentWindow.fetch(app + '/staff', { credentials: 'include', mode: 'no-cors' });
    out.framedFetch = 'sent';
  } catch (e) { out.framedFetch = 'blocked: ' + e.name; }
  // 7. A service worker, which would outlive the launch and see every later launch page of this origin.
  try { await navigator.serviceWorker.register('sw.js'); out.serviceWorker = 'registered'; }
  catch (e) { out.serviceWorker = 'blocked: ' + e.name; }
  // 8. And then it is an ordinary SCO: its own data goes through the API its parent frame offers.
  var api = parent.API;
  out.apiFound = Boolean(api);
  out.init = api.LMSInitialize('');
  api.LMSSetValue('cmi.core.lesson_location', 'hostile-own-page');
  api.LMSSetValue('cmi.suspend_data', 'mine');
  api.LMSSetValue('cmi.core.lesson_status', 'incomplete');
  out.commit = api.LMSCommit('');
  done();
})();
</script></body></html>`;
}

describeWithBrowser('a hostile package played in Chromium', () => {
  const suite = browserSuite({ LOG_LEVEL: 'warn' }, TIMEOUT_MS);
  let ctx: BrowserContext;

  beforeAll(() => {
    ctx = suite.ctx;
  });

  it(
    'reads nothing of the app, sends nothing as the person who opens it, cannot take the window away, and still saves its own data',
    async () => {
      // Another learner's attempt on an ordinary course: the package's target.
      const victim = await makeStaff(ctx.db);
      const plain = await importPackage(ctx.db, null, (await uniquePackage(singleSco12({ title: 'Plain' }), 'plain')).bytes, new Date());
      if (!plain.ok) throw new Error('plain import refused');
      const scoRow = (
        (await ctx.db.execute(sql`SELECT id FROM scos WHERE course_version_id = ${plain.versionId}`)) as unknown as {
          rows: { id: number }[];
        }
      ).rows[0]!;
      const victimAttempt = (
        (await ctx.db.execute(
          sql`INSERT INTO attempts (staff_id, course_id, course_version_id, fiscal_year, number) VALUES (${victim.id}, ${plain.courseId}, ${plain.versionId}, 2026, 1) RETURNING id`,
        )) as unknown as { rows: { id: number }[] }
      ).rows[0]!;

      const spec = singleSco12({ title: 'Hostile' });
      const hostile = await importPackage(
        ctx.db,
        null,
        (
          await uniquePackage(
            {
              ...spec,
              files: {
                'shared/launchpage.html': hostileSco(ctx.baseUrl, { attemptId: victimAttempt.id, scoId: scoRow.id }),
                'shared/sw.js': "self.addEventListener('fetch', function () {});",
              },
            },
            'hostile',
          )
        ).bytes,
        new Date(),
      );
      if (!hostile.ok) throw new Error(`hostile import refused: ${JSON.stringify(hostile.problems)}`);

      const count = async (table: string) =>
        Number(
          ((await ctx.db.execute(sql.raw(`SELECT count(*)::int AS n FROM ${table}`))) as unknown as { rows: { n: number }[] }).rows[0]!.n,
        );
      const before = { audit: await count('audit_log'), tokens: await count('one_time_tokens') };

      // The administrator opens it: the most an account can lose.
      const admin = await makeAdmin(ctx.db);
      const { context, page } = await signInWithBrowser(ctx, admin, suite.problems, DESKTOP);
      await page.goto(`${ctx.baseUrl}/courses/${hostile.courseId}`);
      await page.getByRole('button', { name: '受講を始める', exact: true }).click();
      await page.waitForURL(/\/learn\/attempts\/\d+$/);
      const playerUrl = page.url();
      const csrf = (await page.locator('meta[name="csrf-token"]').getAttribute('content'))!;
      const attemptId = Number(/(\d+)$/.exec(playerUrl)![1]);
      const sco = await scoFrame(page);
      await sco.waitForFunction(() => (document.getElementById('results')?.textContent ?? '') !== '', undefined, { timeout: 20_000 });
      const out = JSON.parse((await sco.locator('#results').textContent())!) as Record<string, unknown>;

      // 1. Nothing of the player page, its token or its session.
      expect(out.topDocument).toMatch(/^blocked: SecurityError/);
      expect(out.playerFromParent).toMatch(/^blocked: SecurityError/);
      expect(String(out.launchPage)).not.toContain(csrf);
      expect(String(out.launchPage)).not.toContain('csrf');
      expect(String(out.cookie)).not.toContain('mamoru.sid');
      // 2. Neither the roster nor its export, in either fetch mode (the content CSP allows only its own origin).
      for (const key of ['/staff', '/staff/export.csv', '/staff no-cors', '/staff/export.csv no-cors'])
        expect([key, out[key]]).toEqual([key, 'blocked: TypeError']);
      // 3. No commit for anyone else.
      expect(out.foreignCommit).toBe('blocked: TypeError');
      // 4. The form post is stopped by form-action; 5. the top window stays on the player.
      expect(out.violations).toEqual(expect.arrayContaining(['connect-src', 'form-action']));
      await new Promise((r) => setTimeout(r, 500));
      expect(page.url()).toBe(playerUrl);

      // 6. No unconfined page of the content origin to borrow, 7. no service worker.
      expect(out.framedFetch).toMatch(/^blocked: /);
      expect(out.serviceWorker).toMatch(/^blocked: /);

      // 8. It played as a SCO: its own data is stored, through the player's relay.
      expect([out.apiFound, out.init, out.commit]).toEqual([true, 'true', 'true']);
      const scoId = (
        (await ctx.db.execute(sql`SELECT id FROM scos WHERE course_version_id = ${hostile.versionId}`)) as unknown as {
          rows: { id: number }[];
        }
      ).rows[0]!.id;
      await waitUntil('its own commit', async () => (await stateOf(ctx.db, attemptId, scoId))?.location === 'hostile-own-page');

      // And nothing else changed: the victim's attempt has no state, no password link was issued, no audited act was done as the administrator.
      expect(await stateOf(ctx.db, victimAttempt.id, scoRow.id)).toBeUndefined();
      expect(await count('one_time_tokens')).toBe(before.tokens);
      const written = (
        (await ctx.db.execute(
          sql`SELECT action FROM audit_log ORDER BY seq DESC LIMIT ${(await count('audit_log')) - before.audit}`,
        )) as unknown as { rows: { action: string }[] }
      ).rows.map((r) => r.action);
      // Starting the course is the administrator's own act; nothing else was done in their name.
      expect(written.filter((a) => a !== 'attempt.start')).toEqual([]);
      await context.close();
    },
    TIMEOUT_MS,
  );
});
