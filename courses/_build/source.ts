/**
 * Reads and checks one course's source folder. Every problem is collected (not just the first)
 * and names the file it is in, so an author can fix a course in one pass.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { type CourseMeta, CourseSchema, describeIssues, type LocalText, type Question, QuestionBankSchema } from './schema';

export interface CoursePage {
  id: string;
  title: LocalText;
  html: LocalText;
  /** Reference ids named in the page's closing `<p class="sources">`. */
  sources: string[];
}

export interface CourseSource {
  dir: string;
  meta: CourseMeta;
  pages: CoursePage[];
  questions: Question[];
  /** images/<name> -> bytes, sorted by name. */
  images: { name: string; bytes: Buffer }[];
}

export class CourseSourceError extends Error {
  constructor(readonly problems: string[]) {
    super(`Course source is invalid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'CourseSourceError';
  }
}

function readJson(file: string, problems: string[]): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`${file}: ${(err as Error).message}`);
    return undefined;
  }
}

/** What page fragments must not contain: they are shown inside the course page as they are. */
const FORBIDDEN: [RegExp, string][] = [
  [/<script\b/i, 'contains a <script> element'],
  [/<\/?(html|head|body)\b/i, 'must be a fragment (no <html>, <head> or <body>)'],
  [/\son[a-z]+\s*=/i, 'contains an inline event handler (on…=)'],
  [/\b(?:src|href)\s*=\s*["']?\s*(?:[a-z]+:)?\/\//i, 'links to an external URL (content must work offline)'],
];

/**
 * The page's closing list of reference ids, e.g. `<p class="sources">出典: [mhlw-2022], [guideline-6]</p>`.
 * The build replaces it with readable citations (pages.ts); the keys never reach a learner.
 */
export const SOURCES_PARAGRAPH = /<p\s+class=["']sources["'][^>]*>([\s\S]*?)<\/p>/gi;
const SOURCE_KEY = /\[([^\]\s]+)\]/g;
/** The label a sources line starts with; after it come only keys and separators (anything else would be lost in the rendering). */
const SOURCES_LABEL = /^\s*(?:出典|参考文献|参考|Sources?|References?)\s*[:：]?/i;
const SOURCES_SEPARATORS = /[\s,、，;；]+/g;

function sourcesOf(html: string): string[] {
  return [...html.matchAll(SOURCES_PARAGRAPH)].flatMap((para) => [...para[1]!.matchAll(SOURCE_KEY)].map((m) => m[1]!));
}

/** Text in a sources line that is neither its label nor a key nor a separator. */
function strayTextInSources(html: string): string[] {
  return [...html.matchAll(SOURCES_PARAGRAPH)]
    .map((para) => para[1]!.replace(SOURCES_LABEL, '').replace(SOURCE_KEY, ' ').replace(SOURCES_SEPARATORS, ' ').trim())
    .filter((rest) => rest !== '');
}

/**
 * The most characters one paragraph-level block may hold, so that none takes more than about
 * 20–25 seconds to read aloud (issue #4): Japanese is read at roughly 6 characters a second
 * (120 ≈ 20 s), English at roughly 150 words a minute, about 13 characters a second (300 ≈ 23 s).
 */
export const PARAGRAPH_LIMIT = { ja: 120, en: 300 } as const;

/** Tags that stay inside a paragraph; every other tag (p, li, aside, figcaption, td, dd, h2…) starts a new block. */
const INLINE_TAGS = new Set([
  'a',
  'abbr',
  'b',
  'br',
  'cite',
  'code',
  'em',
  'i',
  'img',
  'kbd',
  'mark',
  'q',
  's',
  'small',
  'span',
  'strong',
  'sub',
  'sup',
  'time',
  'u',
  'wbr',
]);
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * The text of each block as a reader hears it: inline tags dropped, entities decoded, whitespace
 * collapsed. Splitting at every non-inline tag handles nesting (a list inside a list item, a <p>
 * inside an <aside>) without parsing. The sources line is left out: it is a list of reference
 * ids whose length follows the number of references (rendered as a list, one item each).
 */
function blockTexts(html: string): string[] {
  const text = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(SOURCES_PARAGRAPH, '\n')
    .replace(/<\/?([a-z][a-z0-9]*)\b[^>]*>/gi, (_, tag: string) => (INLINE_TAGS.has(tag.toLowerCase()) ? '' : '\n'))
    .replace(/&(?:#(\d+)|#x([0-9a-f]+)|([a-z]+));/gi, (whole, dec?: string, hex?: string, name?: string) =>
      dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(parseInt(hex, 16)) : (ENTITIES[name!.toLowerCase()] ?? whole),
    );
  return text
    .split('\n')
    .map((b) => b.replace(/\s+/g, ' ').trim())
    .filter((b) => b !== '');
}

function overLongBlocks(html: string, lang: keyof typeof PARAGRAPH_LIMIT): string[] {
  const limit = PARAGRAPH_LIMIT[lang];
  return blockTexts(html)
    .map((text) => [...text]) // code points, so a character outside the BMP counts once
    .filter((chars) => chars.length > limit)
    .map(
      (chars) =>
        `a paragraph has ${chars.length} characters, over the ${limit} allowed in ${lang === 'ja' ? 'Japanese' : 'English'} (split or shorten it): "${chars.slice(0, 30).join('')}…"`,
    );
}

function imagesOf(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href|data)\s*=\s*["'](images\/[^"'#?]+)["']/gi)].map((m) => m[1]!);
}

export function loadCourse(dir: string): CourseSource {
  const problems: string[] = [];
  const courseFile = path.join(dir, 'course.json');
  const questionsFile = path.join(dir, 'questions.json');
  const raw = readJson(courseFile, problems) as { pages?: unknown; references?: unknown } | undefined;
  const metaParse = CourseSchema.safeParse(raw);
  if (!metaParse.success) problems.push(...describeIssues(metaParse.error).map((p) => `${courseFile}: ${p}`));
  const bankRaw = fs.existsSync(questionsFile)
    ? readJson(questionsFile, problems)
    : (problems.push(`${questionsFile}: missing`), undefined);
  const bankParse = QuestionBankSchema.safeParse(bankRaw);
  if (bankRaw !== undefined && !bankParse.success) problems.push(...describeIssues(bankParse.error).map((p) => `${questionsFile}: ${p}`));

  const meta = metaParse.success ? metaParse.data : undefined;
  const questions = bankParse.success ? bankParse.data : [];
  const imagesDir = path.join(dir, 'images');
  const imageNames = fs.existsSync(imagesDir)
    ? fs
        .readdirSync(imagesDir)
        .filter((n) => !n.startsWith('.'))
        .sort()
    : [];
  const images = imageNames
    .filter((n) => fs.statSync(path.join(imagesDir, n)).isFile())
    .map((name) => ({ name, bytes: fs.readFileSync(path.join(imagesDir, name)) }));
  const pages: CoursePage[] = [];

  if (meta) {
    if (meta.slug !== path.basename(dir))
      problems.push(`${courseFile}: slug "${meta.slug}" differs from the folder name "${path.basename(dir)}"`);
    const dupPage = meta.pages.map((p) => p.id).find((id, i, all) => all.indexOf(id) !== i);
    if (dupPage) problems.push(`${courseFile}: page id "${dupPage}" appears twice`);
    const dupRef = meta.references.map((r) => r.id).find((id, i, all) => all.indexOf(id) !== i);
    if (dupRef) problems.push(`${courseFile}: reference id "${dupRef}" appears twice`);
    if (bankParse.success && meta.test.draw > questions.length) {
      problems.push(`${courseFile}: test.draw ${meta.test.draw} is more than the ${questions.length} questions in questions.json`);
    }
  }
  // Pages are checked even when another part of course.json is wrong, so all problems show at once.
  const pageList = CourseSchema.shape.pages.safeParse(raw?.pages);
  // Keys are checked against the ids even when a reference is otherwise invalid (say, its `checked`
  // is missing), so a wrong key is reported with the missing date rather than hidden by it.
  const refIdList = z.array(z.object({ id: z.string(), unconfirmed: z.unknown().optional() })).safeParse(raw?.references);
  const refIds = new Set(refIdList.success ? refIdList.data.map((r) => r.id) : []);
  const unconfirmed = new Set(refIdList.success ? refIdList.data.filter((r) => r.unconfirmed === true).map((r) => r.id) : []);
  const imageSet = new Set(images.map((i) => `images/${i.name}`));
  for (const page of pageList.success ? pageList.data : []) {
    const html = { ja: '', en: '' };
    for (const lang of ['ja', 'en'] as const) {
      const file = path.join(dir, 'pages', `${page.id}.${lang}.html`);
      if (!fs.existsSync(file)) {
        problems.push(`${file}: missing (every page needs a .ja.html and an .en.html file)`);
        continue;
      }
      html[lang] = fs.readFileSync(file, 'utf8');
      for (const [re, why] of FORBIDDEN) if (re.test(html[lang])) problems.push(`${file}: ${why}`);
      for (const image of imagesOf(html[lang])) if (!imageSet.has(image)) problems.push(`${file}: image ${image} does not exist`);
      for (const long of overLongBlocks(html[lang], lang)) problems.push(`${file}: ${long}`);
      for (const ref of sourcesOf(html[lang]))
        if (refIdList.success && !refIds.has(ref)) problems.push(`${file}: source [${ref}] is not in course.json references`);
      for (const stray of strayTextInSources(html[lang]))
        problems.push(
          `${file}: the sources line may hold only its label and [reference ids], not "${stray}" (it is rendered from course.json)`,
        );
    }
    const [ja, en] = [new Set(sourcesOf(html.ja)), new Set(sourcesOf(html.en))];
    const onlyOne = [
      ...[...ja].filter((r) => !en.has(r)).map((r) => [r, 'ja', 'en']),
      ...[...en].filter((r) => !ja.has(r)).map((r) => [r, 'en', 'ja']),
    ];
    if (html.ja && html.en)
      for (const [ref, has, lacks] of onlyOne)
        problems.push(
          `${path.join(dir, 'pages', `${page.id}.${lacks}.html`)}: does not cite [${ref}], which the .${has}.html page cites (both languages show the same sources)`,
        );
    pages.push({ id: page.id, title: page.title, html, sources: [...new Set([...sourcesOf(html.ja), ...sourcesOf(html.en)])] });
  }
  const dupQuestion = questions.map((q) => q.id).find((id, i, all) => all.indexOf(id) !== i);
  if (dupQuestion) problems.push(`${questionsFile}: question id "${dupQuestion}" appears twice`);
  // Read leniently, so a bank with one broken question still has every other question's sources checked.
  const citing = z.array(z.looseObject({ id: z.unknown(), sources: z.unknown().optional() })).safeParse(bankRaw);
  for (const q of refIdList.success && citing.success ? citing.data : []) {
    for (const ref of Array.isArray(q.sources) ? q.sources.filter((r): r is string => typeof r === 'string') : []) {
      if (!refIds.has(ref))
        problems.push(`${questionsFile}: question ${String(q.id)} cites source "${ref}", which is not in course.json references`);
      else if (unconfirmed.has(ref))
        problems.push(
          `${questionsFile}: question ${String(q.id)} cites unconfirmed source ${ref} — no right answer may rest on an unconfirmed fact`,
        );
    }
  }
  if (problems.length > 0 || !meta) throw new CourseSourceError(problems);
  return { dir, meta, pages, questions, images };
}

/** Course folders under root: every direct subfolder with a course.json (_runtime, _build, dist have none). */
export function courseDirs(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, d.name, 'course.json')))
    .map((d) => path.join(root, d.name))
    .sort();
}

/** All courses under root; question ids must be unique across courses (interactions are keyed by them). */
export function loadCourses(root: string): CourseSource[] {
  const courses: CourseSource[] = [];
  const problems: string[] = [];
  for (const dir of courseDirs(root)) {
    try {
      courses.push(loadCourse(dir));
    } catch (err) {
      if (err instanceof CourseSourceError) problems.push(...err.problems);
      else throw err;
    }
  }
  const owner = new Map<string, string>();
  for (const course of courses) {
    for (const q of course.questions) {
      const other = owner.get(q.id);
      if (other) problems.push(`${path.join(course.dir, 'questions.json')}: question id "${q.id}" is also used by ${other}`);
      owner.set(q.id, course.meta.slug);
    }
  }
  if (problems.length > 0) throw new CourseSourceError(problems);
  return courses;
}
