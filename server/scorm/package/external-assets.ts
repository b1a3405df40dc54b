/**
 * Pages that load from the internet. The content origin's CSP lets a package load only its own
 * files (content/routes.ts), so a page whose `<script src>`, stylesheet, web font or image comes
 * from a CDN imports fine and then does not work when played. The import cannot fix that, but it
 * can say so: each HTML page of the package is read (within byte caps) and the hosts it loads
 * from are named in a warning. A warning, never a refusal: the page may work without them, and
 * the officer decides.
 *
 * What counts is what the browser fetches on its own: `src` of script, img, iframe, frame, audio,
 * video, source, track, embed and `<input type=image>`; `srcset`; video `poster`; object `data`;
 * `href` of a `<link>` whose rel is fetched (stylesheet, preload, icon…); and `url()` /
 * `@import` in `<style>` blocks and style attributes. Links people follow (`<a href>`) are not
 * loads. URLs a script builds at run time cannot be found this way and are not looked for.
 */
import { readEntries } from './extract';
import type { ZipEntryInfo, ZipSource } from './inspect';
import { type PackageProblem, packageProblem } from './problems';

export interface ExternalAssetLimits {
  /** A page larger than this is not read (real pages are far smaller; a huge one is data). */
  maxBytesPerFile: number;
  /** Reading stops once the pages read add up to this. */
  maxTotalBytes: number;
  /** Pages named one by one in warnings; the rest are counted in one more. */
  maxReportedFiles: number;
}

export const DEFAULT_EXTERNAL_ASSET_LIMITS: ExternalAssetLimits = {
  maxBytesPerFile: 2 * 1024 * 1024,
  maxTotalBytes: 32 * 1024 * 1024,
  maxReportedFiles: 10,
};

/** Hosts shown per page; a page naming more says how many more. */
const MAX_HOSTS_SHOWN = 5;

const isHtml = (name: string) => /\.html?$/i.test(name);

/** Link relations the browser fetches by itself (a `canonical` or `alternate` link is only a name). */
const FETCHED_LINK_RELS = new Set(['stylesheet', 'preload', 'modulepreload', 'prefetch', 'icon', 'apple-touch-icon', 'manifest']);

/** Elements and the attributes through which they load a URL. */
const LOADING_ATTRIBUTES: Record<string, string[]> = {
  script: ['src'],
  img: ['src', 'srcset'],
  iframe: ['src'],
  frame: ['src'],
  audio: ['src'],
  video: ['src', 'poster'],
  source: ['src', 'srcset'],
  track: ['src'],
  embed: ['src'],
  object: ['data'],
  input: ['src'],
  link: ['href'],
};

// Linear on any input (no pattern can rescan a long stretch): a tag ends at the first `>` or `<`,
// so an attribute value holding one cuts that tag short, which a warning can live with.
const TAG = /<([a-z][a-z0-9-]*)\b([^<>]*)>/gi;
const ATTRIBUTE = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
const CSS_URL =
  /url\(\s*(?:"([^"\n]{0,2048})"|'([^'\n]{0,2048})'|([^)\s]{0,2048}))\s*\)|@import\s+(?:"([^"\n]{0,2048})"|'([^'\n]{0,2048})')/gi;

function attributesOf(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const m of source.matchAll(ATTRIBUTE)) {
    const name = m[1]!.toLowerCase();
    if (!attributes.has(name)) attributes.set(name, decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return attributes;
}

/** Enough of HTML's character references for URLs (`&amp;` in query strings, `&#47;` rarely). */
function decodeEntities(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]+);?/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&colon;/gi, ':')
    .replace(/&sol;/gi, '/')
    .replace(/&amp;/gi, '&');
}

/** The host of an absolute (`https://…`) or protocol-relative (`//…`) URL; undefined for the package's own files. */
export function externalHostOf(url: string): string | undefined {
  const value = url.trim();
  const m = /^(?:(https?):)?\/\/[^/]/i.exec(value);
  if (!m) return undefined;
  try {
    return new URL(m[1] ? value : `https:${value}`).host.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

function cssUrls(css: string): string[] {
  return [...css.matchAll(CSS_URL)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? '');
}

/** The URLs one page's markup makes the browser load, as written. */
function loadedUrls(html: string): string[] {
  const urls: string[] = [];
  for (const m of html.matchAll(TAG)) {
    const tag = m[1]!.toLowerCase();
    const attributes = attributesOf(m[2] ?? '');
    const style = attributes.get('style');
    if (style) urls.push(...cssUrls(style));
    const names = LOADING_ATTRIBUTES[tag];
    if (!names) continue;
    if (
      tag === 'link' &&
      !(attributes.get('rel') ?? '')
        .toLowerCase()
        .split(/\s+/)
        .some((rel) => FETCHED_LINK_RELS.has(rel))
    )
      continue;
    if (tag === 'input' && (attributes.get('type') ?? '').toLowerCase() !== 'image') continue;
    for (const name of names) {
      const value = attributes.get(name);
      if (value === undefined) continue;
      // srcset: "a.png 1x, https://cdn/b.png 2x".
      if (name === 'srcset') urls.push(...value.split(',').map((candidate) => candidate.trim().split(/\s+/)[0] ?? ''));
      else urls.push(value);
    }
  }
  for (const css of between(html, /<style\b[^<>]*>/gi, '</style')) urls.push(...cssUrls(css));
  return urls;
}

/** The stretches of `text` after each match of `open` up to the next `close` (an unclosed one runs to the end). */
function between(text: string, open: RegExp, close: string): string[] {
  const lower = text.toLowerCase();
  const found: string[] = [];
  open.lastIndex = 0;
  for (let m = open.exec(text); m; m = open.exec(text)) {
    const start = m.index + m[0].length;
    const end = lower.indexOf(close, start);
    found.push(text.slice(start, end < 0 ? undefined : end));
    if (end < 0) break;
    open.lastIndex = end + close.length;
  }
  return found;
}

/** The page without its comments: what they hold is not loaded. */
function withoutComments(html: string): string {
  let out = '';
  let at = 0;
  for (let open = html.indexOf('<!--'); open >= 0; open = html.indexOf('<!--', at)) {
    out += html.slice(at, open);
    const close = html.indexOf('-->', open + 4);
    if (close < 0) return out;
    at = close + 3;
  }
  return out + html.slice(at);
}

/** The hosts a page loads from, in the order first met. */
export function externalHostsOf(html: string): string[] {
  const hosts = new Set<string>();
  for (const url of loadedUrls(withoutComments(html))) {
    const host = externalHostOf(url);
    if (host) hosts.add(host);
  }
  return [...hosts];
}

/** One warning per page that loads from the internet (the first few pages), and one counting the rest. */
export function externalAssetWarnings(pages: { file: string; hosts: string[] }[], maxReportedFiles: number): PackageProblem[] {
  const loading = pages.filter((p) => p.hosts.length > 0);
  const warnings = loading.slice(0, maxReportedFiles).map(({ file, hosts }) =>
    packageProblem('scorm.import.externalAssets', {
      file,
      params: {
        hosts: hosts.slice(0, MAX_HOSTS_SHOWN).join(', ') + (hosts.length > MAX_HOSTS_SHOWN ? ` (+${hosts.length - MAX_HOSTS_SHOWN})` : ''),
      },
    }),
  );
  if (loading.length > maxReportedFiles)
    warnings.push(packageProblem('scorm.import.externalAssetsMore', { params: { count: loading.length - maxReportedFiles } }));
  return warnings;
}

/**
 * Reads the package's HTML pages (those within the caps, in zip order, in one pass) and warns of
 * each that loads from the internet. Call it on a package whose entries were proven: a page
 * that cannot be read now is simply not scanned (the warning is advice, not a check).
 */
export async function scanExternalAssets(
  source: ZipSource,
  entries: ZipEntryInfo[],
  limits: ExternalAssetLimits = DEFAULT_EXTERNAL_ASSET_LIMITS,
): Promise<PackageProblem[]> {
  const chosen = new Set<string>();
  let budget = limits.maxTotalBytes;
  for (const e of entries) {
    if (e.isDirectory || !isHtml(e.name) || e.uncompressedSize > limits.maxBytesPerFile || e.uncompressedSize > budget) continue;
    chosen.add(e.name);
    budget -= e.uncompressedSize;
  }
  if (chosen.size === 0) return [];
  const pages: { file: string; hosts: string[] }[] = [];
  try {
    for await (const { name, bytes } of readEntries(source, (name) => chosen.has(name))) {
      pages.push({ file: name, hosts: externalHostsOf(bytes.toString('utf8')) });
    }
  } catch {
    // A page that cannot be read is not scanned; what was read still counts.
  }
  return externalAssetWarnings(pages, limits.maxReportedFiles);
}
