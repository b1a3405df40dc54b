import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPackage, coursesRoot, CourseSourceError, courseDirs, loadCourse, loadCourses, PARAGRAPH_LIMIT } from '../../courses/_build';
import { analysePackage, readEntry } from '../../server/scorm/package';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'courses', 'fixture-course');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A copy of the fixture in a temp folder, changed by `edit`, for the validation tests. */
function brokenCopy(edit: (dir: string) => void): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'course-build-'));
  const dir = path.join(root, 'fixture-course');
  fs.cpSync(FIXTURE, dir, { recursive: true });
  edit(dir);
  return dir;
}
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const writeJson = (file: string, value: unknown) => fs.writeFileSync(file, JSON.stringify(value));

function problemsOf(dir: string): string[] {
  try {
    loadCourse(dir);
  } catch (err) {
    if (err instanceof CourseSourceError) return err.problems;
    throw err;
  }
  return [];
}

describe('course source validation', () => {
  it('accepts the fixture course', () => {
    const course = loadCourse(FIXTURE);
    expect(course.pages.map((p) => p.id)).toEqual(['intro', 'backups']);
    expect(course.pages[0]!.sources).toEqual(['ref-a']);
    expect(course.pages[1]!.sources).toEqual(['ref-a', 'ref-b']);
    expect(course.questions).toHaveLength(15);
    expect(course.questions[0]!.sources).toEqual(['ref-a']);
    expect(course.meta.references.map((r) => [r.id, r.checked, r.unconfirmed])).toEqual([
      ['ref-a', '2026-11-30', undefined],
      ['ref-b', '2026-11-30', true],
    ]);
  });

  it('names the file and the rule for each broken part', () => {
    const dir = brokenCopy((d) => {
      const questions = readJson(path.join(d, 'questions.json'));
      questions[0].answer = 'z';
      delete questions[1].explanation.en;
      questions.length = 14;
      writeJson(path.join(d, 'questions.json'), questions);
      const course = readJson(path.join(d, 'course.json'));
      course.test.draw = 7;
      writeJson(path.join(d, 'course.json'), course);
      fs.rmSync(path.join(d, 'pages', 'intro.en.html'));
      fs.rmSync(path.join(d, 'images', 'diagram.svg'));
      fs.appendFileSync(path.join(d, 'pages', 'intro.ja.html'), '<script>alert(1)</script><img src="https://example.com/x.png">');
    });
    const problems = problemsOf(dir).join('\n');
    expect(problems).toMatch(/questions\.json: .*answer "z" must name exactly one choice/);
    expect(problems).toMatch(/questions\.json: 1\.explanation\.en/);
    expect(problems).toMatch(/questions\.json: .*at least 15 questions/);
    expect(problems).toMatch(/course\.json: test\.draw: test\.draw must be at least 8/);
    expect(problems).toMatch(/intro\.en\.html: missing/);
    expect(problems).toMatch(/backups\.ja\.html: image images\/diagram\.svg does not exist/);
    expect(problems).toMatch(/intro\.ja\.html: contains a <script> element/);
    expect(problems).toMatch(/intro\.ja\.html: links to an external URL/);
  });

  it('refuses a draw larger than the bank, an unknown source and a slug that is not the folder', () => {
    const dir = brokenCopy((d) => {
      const course = readJson(path.join(d, 'course.json'));
      course.test.draw = 16;
      course.slug = 'other';
      writeJson(path.join(d, 'course.json'), course);
      fs.writeFileSync(path.join(d, 'pages', 'intro.en.html'), '<h2>x</h2><p class="sources">Sources: [nope]</p>');
      fs.writeFileSync(path.join(d, 'pages', 'intro.ja.html'), '<h2>x</h2><p class="sources">出典: [nope]</p>');
    });
    const problems = problemsOf(dir).join('\n');
    expect(problems).toMatch(/test\.draw 16 is more than the 15 questions/);
    expect(problems).toMatch(/source \[nope\] is not in course\.json references/);
    expect(problems).toMatch(/slug "other" differs from the folder name/);
  });

  it('refuses a page citing an unknown key, in either language', () => {
    const dir = brokenCopy((d) => {
      fs.writeFileSync(path.join(d, 'pages', 'intro.ja.html'), '<h2>x</h2><p class="sources">出典: [ref-a], [mhlw-2099]</p>');
      fs.writeFileSync(path.join(d, 'pages', 'intro.en.html'), '<h2>x</h2><p class="sources">Sources: [ref-a], [mhlw-2099]</p>');
    });
    expect(problemsOf(dir)).toEqual([
      `${path.join(dir, 'pages', 'intro.ja.html')}: source [mhlw-2099] is not in course.json references`,
      `${path.join(dir, 'pages', 'intro.en.html')}: source [mhlw-2099] is not in course.json references`,
    ]);
  });

  it('refuses a sources line holding more than its label and keys, and pages whose languages cite differently', () => {
    const dir = brokenCopy((d) => {
      fs.writeFileSync(path.join(d, 'pages', 'intro.ja.html'), '<h2>x</h2><p class="sources">出典: [ref-a]（2024年版）</p>');
      fs.writeFileSync(path.join(d, 'pages', 'backups.en.html'), '<h2>x</h2><p class="sources">Sources: [ref-a]</p>');
    });
    expect(problemsOf(dir)).toEqual([
      `${path.join(dir, 'pages', 'intro.ja.html')}: the sources line may hold only its label and [reference ids], not "（2024年版）" (it is rendered from course.json)`,
      `${path.join(dir, 'pages', 'backups.en.html')}: does not cite [ref-b], which the .ja.html page cites (both languages show the same sources)`,
    ]);
  });

  it.each([
    ['missing', undefined, /references\.0\.checked: Invalid input: expected string, received undefined/],
    ['not YYYY-MM-DD', '2026/11/30', /references\.0\.checked: a date written YYYY-MM-DD/],
    ['not a real date', '2026-02-30', /references\.0\.checked: not a real calendar date/],
    ['not a real month', '2026-13-01', /references\.0\.checked: not a real calendar date/],
  ])('refuses a reference whose checked date is %s', (_why, checked, message) => {
    const dir = brokenCopy((d) => {
      const course = readJson(path.join(d, 'course.json'));
      course.references[0].checked = checked;
      writeJson(path.join(d, 'course.json'), course);
    });
    const problems = problemsOf(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`course\\.json: ${message.source}`));
  });

  it('refuses a question without sources, and one citing an unknown or an unconfirmed source', () => {
    const dir = brokenCopy((d) => {
      const questions = readJson(path.join(d, 'questions.json'));
      delete questions[0].sources;
      questions[1].sources = [];
      questions[2].sources = ['ref-a', 'nope'];
      questions[3].sources = ['ref-a', 'ref-b'];
      questions[4].sources = ['ref-a', 'ref-a'];
      writeJson(path.join(d, 'questions.json'), questions);
    });
    const file = path.join(dir, 'questions.json');
    expect(problemsOf(dir)).toEqual([
      `${file}: 0.sources: Invalid input: expected array, received undefined`,
      `${file}: 1.sources: cite at least one reference the answer rests on`,
      `${file}: 4.sources: question fx-05: source "ref-a" is cited twice`,
      `${file}: question fx-03 cites source "nope", which is not in course.json references`,
      `${file}: question fx-04 cites unconfirmed source ref-b — no right answer may rest on an unconfirmed fact`,
    ]);
  });

  it('refuses a question citing an unconfirmed source even in an otherwise valid bank', () => {
    const dir = brokenCopy((d) => {
      const questions = readJson(path.join(d, 'questions.json'));
      questions[14].sources = ['ref-b'];
      writeJson(path.join(d, 'questions.json'), questions);
    });
    expect(problemsOf(dir)).toEqual([
      `${path.join(dir, 'questions.json')}: question fx-15 cites unconfirmed source ref-b — no right answer may rest on an unconfirmed fact`,
    ]);
    // The same question citing a confirmed source passes: the check is about the flag, not the id.
    const course = readJson(path.join(dir, 'course.json'));
    delete course.references[1].unconfirmed;
    writeJson(path.join(dir, 'course.json'), course);
    expect(problemsOf(dir)).toEqual([]);
  });

  it('refuses a paragraph too long to read aloud, in each language, counting text only', () => {
    const ja = PARAGRAPH_LIMIT.ja;
    const en = PARAGRAPH_LIMIT.en;
    const dir = brokenCopy((d) => {
      // Each file: one block one character over its limit, and blocks exactly at the limit whose
      // markup, entities and line breaks would push them over if they were counted. The sources
      // line (reference ids, not prose) may be longer.
      fs.writeFileSync(
        path.join(d, 'pages', 'intro.ja.html'),
        `<h2>はじめに</h2>\n<p>長${'あ'.repeat(ja)}</p>\n<ul>\n  <li><strong>${'い'.repeat(ja - 2)}</strong>\n   &amp;</li>\n</ul>\n` +
          `<aside class="note">${'う'.repeat(ja)}<ul><li>${'え'.repeat(ja)}</li></ul></aside>\n<p class="sources">出典: ${'[ref-a], '.repeat(20)}[ref-a]</p>`,
      );
      fs.writeFileSync(
        path.join(d, 'pages', 'backups.en.html'),
        `<h2>Backups</h2>\n<figure><figcaption>Long ${'w'.repeat(en - 4)}</figcaption></figure>\n<p>${'x '.repeat(en / 2 - 20)}\n\n${'<em>y</em>'.repeat(40)}</p>\n` +
          `<p class="sources">Sources: [ref-a], [ref-b]</p>`,
      );
    });
    const problems = problemsOf(dir);
    expect(problems).toEqual([
      `${path.join(dir, 'pages', 'intro.ja.html')}: a paragraph has ${ja + 1} characters, over the ${ja} allowed in Japanese (split or shorten it): "長${'あ'.repeat(29)}…"`,
      `${path.join(dir, 'pages', 'backups.en.html')}: a paragraph has ${en + 1} characters, over the ${en} allowed in English (split or shorten it): "Long ${'w'.repeat(25)}…"`,
    ]);
    // The same text one character shorter is accepted: the limit itself is allowed.
    for (const [file, from, to] of [
      ['intro.ja.html', '<p>長', '<p>'],
      ['backups.en.html', 'Long ', 'Lon '],
    ] as const) {
      fs.writeFileSync(path.join(dir, 'pages', file), fs.readFileSync(path.join(dir, 'pages', file), 'utf8').replace(from, to));
    }
    expect(problemsOf(dir)).toEqual([]);
  });

  it('refuses question ids used by two courses', () => {
    const dir = brokenCopy(() => undefined);
    const twin = path.join(path.dirname(dir), 'twin-course');
    fs.cpSync(dir, twin, { recursive: true });
    writeJson(path.join(twin, 'course.json'), { ...readJson(path.join(twin, 'course.json')), slug: 'twin-course' });
    expect(() => loadCourses(path.dirname(dir))).toThrow(/question id "fx-01" is also used by fixture-course/);
  });
});

describe('built packages', () => {
  const course = loadCourse(FIXTURE);

  it('SCORM 1.2: imports with no warnings, mastery score 80, every file listed', async () => {
    const zip = await buildPackage(course, '1.2');
    const analysis = await analysePackage(zip);
    if (!analysis.ok) throw new Error(JSON.stringify(analysis.problems));
    expect(analysis.warnings).toEqual([]);
    expect(analysis.model.standard).toBe('1.2');
    expect(analysis.model.schemaVersion).toBe('1.2');
    expect(analysis.model.scos).toHaveLength(1);
    expect(analysis.model.scos[0]).toMatchObject({ launchPath: 'index.html', scormType: 'sco', masteryScore: 80 });
    expect(analysis.model.titles).toEqual({ ja: course.meta.title.ja, en: course.meta.title.en });
    const files = analysis.entries
      .filter((e) => !e.isDirectory && e.name !== 'imsmanifest.xml')
      .map((e) => e.name)
      .sort();
    expect(analysis.model.resources[0]!.files.slice().sort()).toEqual(files);
    expect(files).toEqual(
      expect.arrayContaining(['index.html', 'ask.html', 'course-data.js', 'runtime/course.js', 'runtime/scorm.js', 'images/diagram.svg']),
    );
    const data = (await readEntry(zip, 'course-data.js')).toString();
    expect(data).toContain('"standard":"1.2"');
    expect(data).toContain('"fx-15"');
  });

  it('SCORM 2004 4th: imports with no warnings, scaled passing score 0.8', async () => {
    const zip = await buildPackage(course, '2004');
    const analysis = await analysePackage(zip);
    if (!analysis.ok) throw new Error(JSON.stringify(analysis.problems));
    expect(analysis.warnings).toEqual([]);
    expect(analysis.model.standard).toBe('2004-4th');
    expect(analysis.model.schemaVersion).toBe('2004 4th Edition');
    expect(analysis.model.scos[0]).toMatchObject({ launchPath: 'index.html', scormType: 'sco', scaledPassingScore: 0.8 });
    expect(analysis.model.titles).toEqual({ ja: course.meta.title.ja, en: course.meta.title.en });
    const manifest = (await readEntry(zip, 'imsmanifest.xml')).toString();
    expect(manifest).toContain('adlcp:scormType="sco"');
    const ids = [...manifest.matchAll(/identifier="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  /** course-data.js of a built zip, as the object the runtime reads. */
  async function courseData(zip: Buffer) {
    const text = (await readEntry(zip, 'course-data.js')).toString('utf8');
    return JSON.parse(
      text
        .slice(text.indexOf('=') + 1)
        .trim()
        .replace(/;$/, ''),
    ) as {
      pages: { id: string; html: Record<'ja' | 'en', string>; sources: string[] }[];
      references: { id: string; checked: string; unconfirmed?: boolean }[];
      referencesHtml: Record<'ja' | 'en', string>;
    };
  }

  it.each([
    ['export', {}],
    ['hosted', { hosted: true }],
  ] as const)('%s: a built page shows its sources by title, issuer and date, never as raw keys', async (_flavour, options) => {
    for (const standard of ['1.2', '2004'] as const) {
      const data = await courseData(await buildPackage(course, standard, coursesRoot(), options));
      const backups = data.pages.find((p) => p.id === 'backups')!;
      for (const page of data.pages) {
        for (const lang of ['ja', 'en'] as const) {
          // No key in brackets anywhere a learner reads (attributes hold the ids).
          const text = page.html[lang].replace(/<[^>]*>/g, '');
          expect(text).not.toMatch(/\[[A-Za-z0-9][A-Za-z0-9_.-]*\]/);
          expect(page.html[lang]).not.toContain('[ref-a]');
        }
      }
      expect(backups.sources).toEqual(['ref-a', 'ref-b']);
      expect(backups.html.ja).toContain(
        '<p class="sources">出典</p>\n<ul class="sources">\n' +
          '<li data-ref="ref-a"><a href="#ref-ref-a" data-ref="ref-a"><cite>参考資料A</cite></a>（テスト、2026-01-01）</li>\n' +
          '<li data-ref="ref-b"><a href="#ref-ref-b" data-ref="ref-b"><cite>参考資料B（改定の報道）</cite></a>（試験協会、2026-03）' +
          ' <span class="c-ref-unconfirmed">【未確定の内容を含む】</span></li>\n</ul>',
      );
      expect(backups.html.en).toContain(
        '<li data-ref="ref-b"><a href="#ref-ref-b" data-ref="ref-b"><cite>Reference B (reports of a revision)</cite></a> (Test Association, 2026-03)' +
          ' <span class="c-ref-unconfirmed">[contains unconfirmed details]</span></li>',
      );
      expect(backups.html.en).toContain('<p class="sources">Sources</p>');
      // The rest of the page is as written.
      expect(backups.html.ja).toContain('<p>本文です。</p>\n<figure><img src="images/diagram.svg" alt="図 / diagram"></figure>');
    }
  });

  it('the references page lists every reference with its issuer, date, checked date and whether it is unconfirmed', async () => {
    const data = await courseData(await buildPackage(course, '2004'));
    expect(data.references.map((r) => [r.id, r.checked, r.unconfirmed])).toEqual([
      ['ref-a', '2026-11-30', undefined],
      ['ref-b', '2026-11-30', true],
    ]);
    const { ja, en } = data.referencesHtml;
    for (const html of [ja, en]) {
      expect(html.match(/<li id="ref-ref-[ab]" data-ref="ref-[ab]">/g)).toHaveLength(2);
      expect(html.replace(/<[^>]*>/g, '')).not.toMatch(/\[ref-[ab]\]/);
    }
    expect(ja).toContain(
      '<p><strong>参考資料A</strong> — テスト、発行 2026-01-01</p>\n<p class="c-ref-checked">確認日 <time datetime="2026-11-30">2026-11-30</time></p>\n<p>試験用</p>',
    );
    expect(ja).toContain('<p class="c-used">使用したページ: はじめに、バックアップ</p>');
    expect(ja).toContain('<p class="c-ref-unconfirmed"><strong>未確定の内容を含む：</strong>');
    expect(en).toContain('<p><strong>Reference B (reports of a revision)</strong> — Test Association, Published 2026-03</p>');
    expect(en).toContain('<p class="c-ref-checked">Checked <time datetime="2026-11-30">2026-11-30</time></p>');
    expect(en).toContain('<p class="c-ref-unconfirmed"><strong>Contains unconfirmed details: </strong>');
    expect(en).toContain('<p class="c-used">Used on: Backups</p>');
    // Only the unconfirmed one says so.
    expect(en.split('<li').filter((li) => li.includes('c-ref-unconfirmed'))).toHaveLength(1);
  });

  it('is deterministic: the same source gives the same sha256', async () => {
    for (const standard of ['1.2', '2004'] as const) {
      const first = await buildPackage(loadCourse(FIXTURE), standard);
      const second = await buildPackage(loadCourse(FIXTURE), standard);
      expect(sha(second)).toBe(sha(first));
    }
  });
});

describe('the real courses in courses/', () => {
  const dirs = courseDirs(coursesRoot());

  it('use question ids that are unique across courses', () => {
    const owner = new Map<string, string>();
    for (const dir of dirs) {
      const file = path.join(dir, 'questions.json');
      const bank: { id: string }[] = fs.existsSync(file) ? readJson(file) : [];
      for (const q of bank) {
        expect(`${q.id} in ${owner.get(q.id) ?? path.basename(dir)}`).toBe(`${q.id} in ${path.basename(dir)}`);
        owner.set(q.id, path.basename(dir));
      }
    }
  });

  // Each course on its own, so one unfinished course does not hide the state of the others.
  it.each(dirs.map((d) => [path.basename(d), d]))('%s: both zips import with no warnings; the bank holds the rules', async (slug, dir) => {
    const course = loadCourse(dir);
    expect(course.meta.slug).toBe(slug);
    expect(course.questions.length).toBeGreaterThanOrEqual(15);
    expect(course.meta.test.draw).toBeGreaterThanOrEqual(8);
    for (const q of course.questions) {
      expect(q.choices.filter((c) => c.id === q.answer)).toHaveLength(1);
      expect(q.explanation.ja.trim() && q.explanation.en.trim()).toBeTruthy();
    }
    for (const standard of ['1.2', '2004'] as const) {
      const analysis = await analysePackage(await buildPackage(course, standard));
      if (!analysis.ok) throw new Error(`${slug} ${standard}: ${JSON.stringify(analysis.problems)}`);
      expect(analysis.warnings).toEqual([]);
    }
  });
});

describe('the hosted build (installed in Mamoru, graded on the server)', () => {
  /** Every file of a zip, inflated, as text. */
  async function entriesOf(zip: Buffer): Promise<Map<string, string>> {
    const analysis = await analysePackage(zip);
    if (!analysis.ok) throw new Error(JSON.stringify(analysis.problems));
    const out = new Map<string, string>();
    for (const e of analysis.entries.filter((x) => !x.isDirectory)) out.set(e.name, (await readEntry(zip, e.name)).toString('utf8'));
    return out;
  }
  const bankOf = (data: string) =>
    JSON.parse(
      data
        .slice(data.indexOf('=') + 1)
        .trim()
        .replace(/;$/, ''),
    ) as { hosted?: boolean; questions: Record<string, unknown>[] };
  // How the answer key appears in course-data.js: the answer field naming the choice, and each explanation's text.
  const answerMarkers = (c: ReturnType<typeof loadCourse>) =>
    c.questions.flatMap((q) => [
      `"answer":"${q.answer}"`,
      JSON.stringify(q.explanation.ja).slice(1, -1),
      JSON.stringify(q.explanation.en).slice(1, -1),
    ]);

  it.each(courseDirs(coursesRoot()).map((d) => [path.basename(d), d]))(
    '%s: the hosted zip has no answer key; the export still has it',
    async (_n, dir) => {
      const real = loadCourse(dir);
      for (const standard of ['1.2', '2004'] as const) {
        const hosted = await entriesOf(await buildPackage(real, standard, coursesRoot(), { hosted: true }));
        const hostedBank = bankOf(hosted.get('course-data.js')!);
        expect(hostedBank.hosted).toBe(true);
        expect(hostedBank.questions.map((q) => q.id)).toEqual(real.questions.map((q) => q.id));
        for (const q of hostedBank.questions) expect(Object.keys(q).sort()).toEqual(['choices', 'id', 'prompt']);
        for (const [name, text] of hosted) {
          expect(text).not.toContain('"answer"');
          // A page may teach in the words an explanation repeats (incident-bcp-drill does): the pages' own text is not searched.
          const searched =
            name === 'course-data.js' ? JSON.stringify({ ...(bankOf(text) as Record<string, unknown>), pages: undefined }) : text;
          for (const marker of answerMarkers(real))
            if (searched.includes(marker)) throw new Error(`${name} holds the answer key: ${marker}`);
        }

        const exported = await entriesOf(await buildPackage(real, standard));
        const data = exported.get('course-data.js')!;
        expect(bankOf(data).hosted).toBeUndefined();
        for (const marker of answerMarkers(real)) expect(data).toContain(marker);
      }
    },
  );
});
