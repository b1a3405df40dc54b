import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';
import subsetFont from 'subset-font';
import { allow } from '../auth/policies';
import { catalogs } from './i18n';
import { projectRoot, viewsDir } from './paths';

/**
 * The app's Japanese font, Noto Sans JP (@fontsource, split by Unicode range), cut down to the
 * characters the learner's screens use: the full slices cost a first visit 210–260 KB, over the
 * 150 KB budget for learner pages (DESIGN.md §7). One stylesheet, /static/fonts/ui.css:
 *
 * - every face tries the installed Japanese fonts first (Linux/Android's Noto Sans CJK JP — the
 *   same design — then Hiragino, Yu Gothic, Meiryo), so most machines download no font at all;
 * - then the "UI" faces: each Noto slice reduced to the characters of the learner's messages, their
 *   templates and our course titles (a few KB each), unicode-range naming exactly those;
 * - under them, the full slices, for what the UI faces lack (an officer's screens, an uploaded
 *   course's title): with the same family name, a browser checks the faces defined last first and
 *   downloads a full slice only for a character no UI face has.
 * The signed-in person's name, on every page, has its own few faces (/fonts/name.css, below).
 *
 * Built on first use from the installed font and text (so it never goes stale: about a second),
 * kept in memory and in DATA_DIR/font-cache (a restart reuses it).
 */

const FONT_DIR = path.join(projectRoot, 'node_modules', '@fontsource', 'noto-sans-jp');
const FULL_URL = '/static/fonts/noto-sans-jp/files/';
const UI_URL = '/static/fonts/ui/';
const LOCAL_FACES = [
  'Noto Sans CJK JP',
  'NotoSansCJKjp-Regular',
  'Noto Sans JP',
  'NotoSansJP-Regular',
  'Hiragino Sans W3',
  'HiraginoSans-W3',
  'Yu Gothic',
  'YuGothic-Regular',
  'Meiryo',
];
const LOCAL_SRC = LOCAL_FACES.map((n) => `local('${n}')`).join(', ');
// Typography the templates write as entities or the browser adds (list markers, quotes, arrows).
const EXTRA = '、。・「」『』（）［］【】〜～…‥―—–‘’“”←→↑↓✓×÷±°・！？：；　';

interface Slice {
  file: string;
  ranges: [number, number][];
}

function slicesOf(css: string): Slice[] {
  const slices: Slice[] = [];
  for (const m of css.matchAll(/@font-face\s*{([^}]*)}/g)) {
    const body = m[1]!;
    const file = /url\(\.\/files\/([^)]+\.woff2)\)/.exec(body)?.[1];
    const range = /unicode-range:\s*([^;]+);/.exec(body)?.[1];
    if (!file || !range) continue;
    const ranges = range.split(',').map((r): [number, number] => {
      const [lo, hi] = r.trim().replace(/^U\+/i, '').split('-');
      return [parseInt(lo!, 16), parseInt(hi ?? lo!, 16)];
    });
    slices.push({ file, ranges });
  }
  return slices;
}

/**
 * The learner's screens (the pages with a weight budget): their templates, and every message but
 * those of the officers' and admins' screens — a new family counts as the learner's until listed
 * here (bytes, never a missing glyph). Officers' and admins' screens show more characters, which
 * come from the full slices where no Japanese font is installed.
 */
const LEARNER_VIEWS = ['partials', 'auth', 'home', 'scorm/courses.ejs', 'scorm/course.ejs', 'scorm/player.ejs', 'error.ejs'];
const STAFF_ONLY_MESSAGES =
  /^(staff\.(?!field\.)|import|audit|organisation|hospital|mail|activation|scorm\.(import|admin|interaction|commit)|questions\.(admin|csv|settings)|training\.(plan|mhlw|exempt|evidence|assignments?|requirement|audience|field|validation|error|kind|joinDays|index))\./;

function filesUnder(p: string): string[] {
  if (!fs.statSync(p).isDirectory()) return p.endsWith('.ejs') ? [p] : [];
  return fs.readdirSync(p).flatMap((name) => filesUnder(path.join(p, name)));
}

/** Every character the learner's screens can show, but for names: messages, templates, our courses' titles. */
export function uiCharacters(): Set<number> {
  const text: string[] = [EXTRA];
  for (let c = 0x20; c < 0x7f; c++) text.push(String.fromCharCode(c));
  for (const catalog of Object.values(catalogs)) {
    for (const [key, message] of Object.entries(catalog)) if (!STAFF_ONLY_MESSAGES.test(key)) text.push(message);
  }
  for (const view of LEARNER_VIEWS) for (const file of filesUnder(path.join(viewsDir, view))) text.push(fs.readFileSync(file, 'utf8'));
  const coursesDir = path.join(projectRoot, 'courses');
  for (const dir of fs.existsSync(coursesDir) ? fs.readdirSync(coursesDir) : []) {
    const file = path.join(coursesDir, dir, 'course.json');
    if (!fs.existsSync(file)) continue;
    try {
      const c = JSON.parse(fs.readFileSync(file, 'utf8')) as { title?: unknown; description?: unknown };
      text.push(JSON.stringify([c.title, c.description]));
    } catch {
      // A course being edited may be unreadable for a moment: its titles come from the full slices.
    }
  }
  const chars = new Set<number>();
  for (const s of text) for (const ch of s) if (ch.codePointAt(0)! >= 0x20) chars.add(ch.codePointAt(0)!);
  return chars;
}

const hex = (n: number) => n.toString(16);
const rangeText = (codes: number[]) => codes.map((c) => `U+${hex(c)}`).join(',');

function face(urls: string, unicodeRange: string) {
  return `@font-face{font-family:'Noto Sans JP';font-style:normal;font-weight:400;font-display:swap;src:${LOCAL_SRC},${urls};unicode-range:${unicodeRange}}`;
}

interface UiFont {
  css: string;
  chars: Set<number>;
  slices: Slice[];
  version: string;
}

const inSlice = (slice: Slice) => (c: number) => slice.ranges.some(([lo, hi]) => c >= lo && c <= hi);
const hashOf = (text: string) => crypto.createHash('sha256').update(text).digest('hex').slice(0, 12);

/**
 * Served files, by name (a hash of their characters and the font version, so a name never
 * changes its bytes): the UI faces, and the faces of the names asked for (a bounded number).
 */
const files = new Map<string, Buffer>();
const NAME_FILES_MAX = 5000;
let nameFiles = 0;

/** `chars` of one slice as a woff2, from the disk cache when there. */
async function subsetOf(slice: Slice, chars: number[], fileName: string, dir: string | undefined): Promise<Buffer> {
  const cached = dir ? path.join(dir, fileName) : undefined;
  if (cached && fs.existsSync(cached)) return fs.readFileSync(cached);
  // Without the layout closure: the alternates that OpenType features could reach (vertical
  // forms, other widths) would double the size of every file, for horizontal text that never shows them.
  // Japanese slices drop their layout and vertical-writing tables too (horizontal text of full-width
  // glyphs uses neither): about 200 bytes a file, on some twenty files a page. Latin keeps its kerning.
  const latin = /-(latin|latin-ext|cyrillic|vietnamese)-/.test(slice.file);
  const bytes = await subsetFont(fs.readFileSync(path.join(FONT_DIR, 'files', slice.file)), String.fromCodePoint(...chars), {
    targetFormat: 'woff2',
    noLayoutClosure: true,
    ...(latin ? {} : { dropTables: ['GSUB', 'GPOS', 'GDEF', 'BASE', 'vhea', 'vmtx', 'VORG'] }),
  });
  if (cached && dir) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(cached, bytes);
    } catch {
      // A read-only DATA_DIR: built again at the next start.
    }
  }
  return bytes;
}

async function buildUiFont(cacheDir: string | undefined): Promise<UiFont> {
  const fullCss = fs.readFileSync(path.join(FONT_DIR, '400.css'), 'utf8');
  const slices = slicesOf(fullCss);
  const chars = [...uiCharacters()].sort((a, b) => a - b);
  const version = (JSON.parse(fs.readFileSync(path.join(FONT_DIR, 'package.json'), 'utf8')) as { version: string }).version;
  const key = hashOf(`${version}\n${String.fromCodePoint(...chars)}`);
  const dir = cacheDir ? path.join(cacheDir, key) : undefined;

  const uiFaces: string[] = [];
  for (const slice of slices) {
    const mine = chars.filter(inSlice(slice));
    if (mine.length === 0) continue;
    const name = `${key}-${slice.file.replace(/^noto-sans-jp-/, '')}`;
    files.set(name, await subsetOf(slice, mine, name, dir));
    uiFaces.push(face(`url(${UI_URL}${name}) format('woff2')`, rangeText(mine)));
  }
  const fullFaces = slices.map((s) =>
    face(
      `url(${FULL_URL}${s.file}) format('woff2')`,
      s.ranges.map(([lo, hi]) => (lo === hi ? `U+${hex(lo)}` : `U+${hex(lo)}-${hex(hi)}`)).join(','),
    ),
  );
  const css = `/* Noto Sans JP 400 (SIL OFL 1.1): full slices, then the app's own characters (checked first). */\n${fullFaces.join('\n')}\n${uiFaces.join('\n')}\n`;
  return { css, chars: new Set(chars), slices, version };
}

/** The faces for the characters of `text` that the UI faces lack (a person's name), few and small. */
async function facesFor(font: UiFont, text: string): Promise<string> {
  const missing = [...new Set([...text].map((ch) => ch.codePointAt(0)!))].filter((c) => c > 0x7f && !font.chars.has(c)).slice(0, 32);
  const faces: string[] = [];
  for (const slice of font.slices) {
    const mine = missing.filter(inSlice(slice)).sort((a, b) => a - b);
    if (mine.length === 0) continue;
    const name = `${hashOf(`${font.version}\n${String.fromCodePoint(...mine)}`)}-${slice.file.replace(/^noto-sans-jp-/, '')}`;
    if (!files.has(name)) {
      if (nameFiles >= NAME_FILES_MAX) continue; // the full slice serves it
      files.set(name, await subsetOf(slice, mine, name, undefined));
      nameFiles++;
    }
    faces.push(face(`url(${UI_URL}${name}) format('woff2')`, rangeText(mine)));
  }
  return faces.join('\n');
}

let built: Promise<UiFont> | undefined;
const fontOf = (dataDir: string | undefined) => (built ??= buildUiFont(dataDir ? path.join(dataDir, 'font-cache') : undefined));

/** /static/fonts/ui.css and its files (mounted under /static/fonts). */
export function uiFontRouter(dataDir: string | undefined): Router {
  const router = express.Router();
  router.get('/ui.css', allow('public'), async (_req, res) => {
    const { css } = await fontOf(dataDir);
    // Revalidated like the app's other styles (send answers 304 on its ETag): file names change with the text.
    res.setHeader('Cache-Control', 'public, max-age=0');
    res.type('css').send(css);
  });
  router.get('/ui/:file', allow('public'), async (req, res, next) => {
    await fontOf(dataDir);
    const bytes = files.get(String(req.params.file));
    if (!bytes) return next();
    // The name holds a hash of the text: a file never changes under its name.
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.type('font/woff2').send(bytes);
  });
  return router;
}

/**
 * /fonts/name.css: the signed-in person's name in the same face, where no Japanese font is
 * installed — its few characters that the UI faces lack, instead of a full slice (10–40 KB) each.
 * Linked after ui.css, so its faces are checked first. Theirs alone: private, and never in a URL.
 */
export function nameFontRouter(dataDir: string | undefined): Router {
  const router = express.Router();
  router.get('/fonts/name.css', allow('signedIn'), async (req, res) => {
    const css = await facesFor(await fontOf(dataDir), req.user?.name ?? '');
    res.setHeader('Cache-Control', 'private, no-cache');
    res.type('css').send(`${css}\n`);
  });
  return router;
}
