/**
 * The real courses' question banks and citations (issue #12): each rule checked on the source
 * files themselves, course by course, so a failure names the course, the question or page and the
 * rule — and one unfinished course does not hide the state of the others. The build's own
 * validation (course-build.test.ts) refuses most of these too; here they are stated as what the
 * content must be, independently of how the build happens to check it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildPackage, coursesRoot, courseDirs, loadCourse, loadCourses } from '../../courses/_build';
import { readEntry } from '../../server/scorm/package';

type Text = { ja?: string; en?: string };
interface RawQuestion {
  id: string;
  prompt?: Text;
  choices?: { id: string; text?: Text }[];
  answer?: string;
  explanation?: Text;
  sources?: unknown;
}
interface RawReference {
  id: string;
  checked?: unknown;
  unconfirmed?: unknown;
}
interface RawCourse {
  pages: { id: string }[];
  references: RawReference[];
}

const LANGS = ['ja', 'en'] as const;
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));
const filled = (t: Text | undefined) => LANGS.every((l) => typeof t?.[l] === 'string' && t[l].trim() !== '');
const SOURCES_LINE = /<p\s+class=["']sources["'][^>]*>([\s\S]*?)<\/p>/gi;
const keysIn = (html: string) => [...html.matchAll(SOURCES_LINE)].flatMap((m) => [...m[1]!.matchAll(/\[([^\]\s]+)\]/g)].map((k) => k[1]!));
/** Today as YYYY-MM-DD (UTC): a reference cannot have been checked after it. */
const today = new Date().toISOString().slice(0, 10);
const isRealDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const DIRS = courseDirs(coursesRoot());
const COURSES = DIRS.map((dir) => ({
  slug: path.basename(dir),
  dir,
  course: readJson(path.join(dir, 'course.json')) as RawCourse,
  bank: readJson(path.join(dir, 'questions.json')) as RawQuestion[],
}));

it('finds the four courses', () => {
  expect(COURSES.map((c) => c.slug)).toEqual(['cyber-management', 'incident-bcp-drill', 'security-basics', 'vuln-backup']);
});

it('question ids are unique across courses (SCORM interactions are keyed by them)', () => {
  const owners = new Map<string, string[]>();
  for (const { slug, bank } of COURSES) for (const q of bank) owners.set(q.id, [...(owners.get(q.id) ?? []), slug]);
  expect([...owners].filter(([, slugs]) => slugs.length > 1)).toEqual([]);
});

it('loadCourses() accepts all of them together, as `npm run courses:build` does', () => {
  expect(loadCourses(coursesRoot()).map((c) => c.meta.slug)).toEqual(COURSES.map((c) => c.slug));
});

describe.each(COURSES.map((c) => [c.slug, c] as const))('%s', (_slug, { dir, course, bank }) => {
  const refs = new Map(course.references.map((r) => [r.id, r]));
  const unconfirmed = new Set(course.references.filter((r) => r.unconfirmed === true).map((r) => r.id));

  it('the build accepts it', () => {
    expect(() => loadCourse(dir)).not.toThrow();
  });

  it('every question has exactly one right answer among distinct choices', () => {
    const wrong = bank.flatMap((q) => {
      const choices = q.choices ?? [];
      const problems: string[] = [];
      if (choices.filter((c) => c.id === q.answer).length !== 1)
        problems.push(`${q.id}: answer "${q.answer}" names ${choices.filter((c) => c.id === q.answer).length} choices`);
      if (new Set(choices.map((c) => c.id)).size !== choices.length) problems.push(`${q.id}: choice ids repeat`);
      for (const l of LANGS)
        if (new Set(choices.map((c) => c.text?.[l]?.trim())).size !== choices.length)
          problems.push(`${q.id}: two choices read the same in ${l}`);
      if (choices.length < 3) problems.push(`${q.id}: only ${choices.length} choices`);
      return problems;
    });
    expect(wrong).toEqual([]);
  });

  it('every question has its prompt, every choice and an explanation in Japanese and English', () => {
    const missing = bank.flatMap((q) => [
      ...(filled(q.prompt) ? [] : [`${q.id}: prompt`]),
      ...(filled(q.explanation) ? [] : [`${q.id}: explanation`]),
      ...(q.choices ?? []).filter((c) => !filled(c.text)).map((c) => `${q.id}: choice ${c.id}`),
    ]);
    expect(missing).toEqual([]);
  });

  it('question ids are unique within the course', () => {
    const ids = bank.map((q) => q.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('every question cites at least one known reference, and none an unconfirmed one', () => {
    const problems = bank.flatMap((q) => {
      if (!Array.isArray(q.sources) || q.sources.length === 0) return [`${q.id}: no sources`];
      return (q.sources as unknown[]).flatMap((s) =>
        typeof s !== 'string' || !refs.has(s)
          ? [`${q.id}: unknown source ${String(s)}`]
          : unconfirmed.has(s)
            ? [`${q.id}: cites unconfirmed ${s}`]
            : [],
      );
    });
    expect(problems).toEqual([]);
  });

  it('every page cites known references, the same in both languages', () => {
    const problems = course.pages.flatMap((p) => {
      const keys = LANGS.map((l) => keysIn(fs.readFileSync(path.join(dir, 'pages', `${p.id}.${l}.html`), 'utf8')));
      return [
        ...LANGS.flatMap((l, i) => (keys[i]!.length === 0 ? [`${p.id}.${l}: no sources line`] : [])),
        ...LANGS.flatMap((l, i) => keys[i]!.filter((k) => !refs.has(k)).map((k) => `${p.id}.${l}: unknown [${k}]`)),
        ...([...new Set(keys[0])].sort().join() === [...new Set(keys[1])].sort().join()
          ? []
          : [`${p.id}: ja cites ${keys[0]!.join(',')} but en ${keys[1]!.join(',')}`]),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('every reference carries the real date it was checked, not after today', () => {
    const problems = course.references.flatMap((r) =>
      typeof r.checked !== 'string' || !isRealDate(r.checked)
        ? [`${r.id}: checked ${JSON.stringify(r.checked)}`]
        : r.checked > today
          ? [`${r.id}: checked ${r.checked} is after today`]
          : [],
    );
    expect(problems).toEqual([]);
  });

  it('a built page shows no raw reference key, and names each cited reference by its title', async () => {
    const source = loadCourse(dir);
    const text = (await readEntry(await buildPackage(source, '2004', coursesRoot(), { hosted: true }), 'course-data.js')).toString('utf8');
    const data = JSON.parse(
      text
        .slice(text.indexOf('=') + 1)
        .trim()
        .replace(/;$/, ''),
    ) as {
      pages: { id: string; html: Record<'ja' | 'en', string>; sources: string[] }[];
      referencesHtml: Record<'ja' | 'en', string>;
    };
    const problems: string[] = [];
    for (const page of data.pages) {
      for (const l of LANGS) {
        const visible = page.html[l].replace(/<[^>]*>/g, '');
        for (const m of visible.matchAll(/\[([A-Za-z0-9][A-Za-z0-9_.-]*)\]/g)) problems.push(`${page.id}.${l}: shows [${m[1]}]`);
        for (const id of page.sources) {
          const title = source.meta.references.find((r) => r.id === id)!.title[l];
          if (!page.html[l].includes(`<cite>${escapeHtml(title)}</cite>`)) problems.push(`${page.id}.${l}: does not name ${id}`);
        }
      }
    }
    for (const l of LANGS)
      for (const m of data.referencesHtml[l].replace(/<[^>]*>/g, '').matchAll(/\[([A-Za-z0-9][A-Za-z0-9_.-]*)\]/g))
        problems.push(`references.${l}: shows [${m[1]}]`);
    expect(problems).toEqual([]);
  });
});
