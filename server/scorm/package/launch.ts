/**
 * From manifest attributes to a launch location inside the zip: xml:base of <manifest>,
 * <resources> and <resource> (in that order), then the resource href, then the item's
 * `parameters`. Content is served from our own origin (the SCORM API is found through
 * window.parent), so a launch location must stay inside the package: absolute URLs, rooted
 * paths and paths that climb out with `..` are refused.
 */

export interface LaunchLocation {
  /** A zip entry name: percent-escapes decoded, `.` and `..` resolved. */
  path: string;
  /** The href's own query, with its '?', or ''. */
  query: string;
  /** The href's own fragment, with its '#', or ''. */
  fragment: string;
}

const HAS_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

const decodePercent = (value: string): string => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // a stray '%' is more likely a literal file name than an escape
  }
};

/**
 * Joins xml:base values. Each is taken as a folder even without a trailing '/': authors
 * write `xml:base="content"` meaning the folder, and RFC 3986 would silently drop it.
 * Returns null for a base that points outside the package.
 */
export function joinBases(bases: (string | null)[]): string | null {
  let joined = '';
  for (const raw of bases) {
    const base = raw?.trim();
    if (!base) continue;
    if (HAS_SCHEME.test(base) || base.startsWith('/') || base.startsWith('\\')) return null;
    joined += base.endsWith('/') ? base : `${base}/`;
  }
  return joined;
}

/** Resolves an href (relative to a joined base) to a zip path; null when it leaves the package. */
export function resolveHref(base: string, href: string): LaunchLocation | null {
  const trimmed = href.trim();
  if (trimmed === '' || HAS_SCHEME.test(trimmed) || trimmed.startsWith('/') || trimmed.includes('\\')) return null;
  const hash = trimmed.indexOf('#');
  const beforeHash = hash === -1 ? trimmed : trimmed.slice(0, hash);
  const fragment = hash === -1 ? '' : trimmed.slice(hash);
  const question = beforeHash.indexOf('?');
  const rawPath = question === -1 ? beforeHash : beforeHash.slice(0, question);
  const query = question === -1 ? '' : beforeHash.slice(question);
  const zipPath = normaliseZipPath(decodePercent(base + rawPath));
  if (zipPath === null || zipPath === '' || zipPath.endsWith('/')) return null;
  return { path: zipPath, query, fragment };
}

/** Resolves `.` and `..` segments; null when they climb above the package root. */
export function normaliseZipPath(value: string): string | null {
  if (value.includes('\0') || value.includes('\\')) return null;
  const out: string[] = [];
  const segments = value.split('/');
  for (const [i, segment] of segments.entries()) {
    if (segment === '.' || (segment === '' && i < segments.length - 1)) continue;
    if (segment !== '..') out.push(segment);
    else if (out.pop() === undefined) return null;
  }
  return out.join('/');
}

/**
 * Adds an item's `parameters` to the href's query and fragment, per the SCORM CAM
 * ("Launching content"): leading '?' and '&' are dropped; a parameter that starts with '#'
 * is a fragment, used only if the href has none; anything else joins the query with '&'
 * (or starts one with '?'). Returns what follows the path: '', '?…', '#…' or '?…#…'.
 */
export function launchSuffix(location: Pick<LaunchLocation, 'query' | 'fragment'>, parameters: string | null): string {
  let query = location.query;
  let fragment = location.fragment;
  const extra = (parameters ?? '').trim().replace(/^[?&]+/, '');
  if (extra.startsWith('#')) {
    if (fragment === '') fragment = extra;
  } else if (extra !== '') {
    const hash = extra.indexOf('#');
    const extraQuery = hash === -1 ? extra : extra.slice(0, hash);
    if (hash !== -1 && fragment === '') fragment = extra.slice(hash);
    if (extraQuery !== '') query = query === '' || query === '?' ? `?${extraQuery}` : `${query}&${extraQuery}`;
  }
  return query + fragment;
}
