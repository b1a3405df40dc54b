import { SCORM12, SCORM2004, genericPath, type DataModel, type ElementRule } from './data-model';

export type RuntimeStandard = '1.2' | '2004';

export interface CmiProblem {
  element: string;
  expects: string;
  value: string;
}

export type CmiValidation = { ok: true; values: Map<string, string> } | { ok: false; problems: CmiProblem[] };

const MAX_DEPTH = 8;
const MAX_ELEMENTS = 20_000;

export const dataModelOf = (standard: RuntimeStandard): DataModel => (standard === '1.2' ? SCORM12 : SCORM2004);

/**
 * Flattens scorm-again's commit object (`{cmi: {core: {...}, interactions: {"0": {...}}}}`) into
 * dotted element paths. Arrays arrive as objects keyed by index, or as JSON arrays.
 */
function flatten(value: unknown, prefix: string, out: Map<string, unknown>, depth: number): boolean {
  if (depth > MAX_DEPTH || out.size > MAX_ELEMENTS) return false;
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [k, v] of entries) {
      if (!flatten(v, prefix ? `${prefix}.${k}` : k, out, depth + 1)) return false;
    }
    return true;
  }
  out.set(prefix, value);
  return true;
}

const isLmsOwned = (model: DataModel, path: string) => {
  for (const owned of model.lmsOwned) if (path === owned || path.startsWith(`${owned}.`)) return true;
  return path.startsWith('cmi.comments_from_lms');
};

function arrayProblem(model: DataModel, path: string): string | undefined {
  // Every numeric segment is an index into the array named by the path before it.
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    if (!/^\d+$/.test(parts[i]!)) continue;
    const arrayPath = genericPath(parts.slice(0, i).join('.'));
    const limit = model.arrayLimits[arrayPath];
    if (limit === undefined) return `no array at ${arrayPath}`;
    if (Number(parts[i]) >= limit) return `at most ${limit} entries in ${arrayPath}`;
  }
  return undefined;
}

/** What the data model says of one element path, whatever its value. */
type PathVerdict = { kind: 'lms-owned' } | { kind: 'unknown' } | { kind: 'array'; issue: string } | { kind: 'writable'; rule: ElementRule };

function verdictOf(model: DataModel, path: string): PathVerdict {
  if (isLmsOwned(model, path)) return { kind: 'lms-owned' };
  const rule = model.writable[genericPath(path)];
  if (!rule) return { kind: 'unknown' };
  const issue = arrayProblem(model, path);
  return issue ? { kind: 'array', issue } : { kind: 'writable', rule };
}

// The same few hundred paths (cmi.interactions.3.result, ...) arrive in every commit of every
// learner; their verdict depends on the path alone, so it is worked out once.
const MAX_CACHED_PATHS = 50_000;
const verdicts = new WeakMap<DataModel, Map<string, PathVerdict>>();

function cachedVerdict(model: DataModel, path: string): PathVerdict {
  let cache = verdicts.get(model);
  if (!cache) {
    cache = new Map();
    verdicts.set(model, cache);
  }
  let verdict = cache.get(path);
  if (!verdict) {
    verdict = verdictOf(model, path);
    if (cache.size >= MAX_CACHED_PATHS) cache.clear();
    cache.set(path, verdict);
  }
  return verdict;
}

/**
 * Checks every element of a commit against the standard's data model: vocabularies, types,
 * ranges, lengths, time formats, array sizes. Returns the writable values to store, or every
 * problem found; a commit with any problem is refused whole.
 */
export function validateCommit(standard: RuntimeStandard, payload: unknown): CmiValidation {
  const model = dataModelOf(standard);
  const cmi = (payload as { cmi?: unknown } | null)?.cmi;
  if (!cmi || typeof cmi !== 'object' || Array.isArray(cmi)) {
    return { ok: false, problems: [{ element: 'cmi', expects: 'an object', value: typeof cmi }] };
  }
  const flat = new Map<string, unknown>();
  if (!flatten(cmi, 'cmi', flat, 0)) {
    return {
      ok: false,
      problems: [{ element: 'cmi', expects: `at most ${MAX_ELEMENTS} elements, nested at most ${MAX_DEPTH} deep`, value: '…' }],
    };
  }
  const values = new Map<string, string>();
  const problems: CmiProblem[] = [];
  for (const [path, raw] of flat) {
    if (raw !== null && typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      problems.push({ element: path, expects: 'a string', value: typeof raw });
      continue;
    }
    const value = raw === null ? '' : String(raw);
    const verdict = cachedVerdict(model, path);
    if (verdict.kind === 'lms-owned') continue;
    if (verdict.kind === 'unknown') {
      problems.push({ element: path, expects: 'an element of the data model', value: value.slice(0, 40) });
      continue;
    }
    if (verdict.kind === 'array') {
      problems.push({ element: path, expects: verdict.issue, value: value.slice(0, 40) });
      continue;
    }
    const rule = verdict.rule;
    if (!rule.check(value)) {
      problems.push({
        element: path,
        expects: rule.expects,
        value: value.length > 40 ? `${value.slice(0, 40)}… (${value.length} chars)` : value,
      });
      continue;
    }
    values.set(path, value);
  }
  return problems.length ? { ok: false, problems } : { ok: true, values };
}
