import fs from 'node:fs';
import path from 'node:path';
import { COMPLETION_RULES, ROLES } from '../../server/db/schema';
import { en } from '../../server/lib/i18n/en';
import { ja } from '../../server/lib/i18n/ja';
import type { ActionKind } from '../../server/staff/import/plan';
import type { StaffListQuery } from '../../server/staff/schema';

const root = path.resolve(__dirname, '../..');
const catalogs = { ja: ja as Record<string, string>, en: en as Record<string, string> };

function filesUnder(dir: string, ext: string): string[] {
  return (fs.readdirSync(path.join(root, dir), { recursive: true }) as string[])
    .filter((f) => f.endsWith(ext))
    .map((f) => path.join(dir, f));
}
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

const views = filesUnder('views', '.ejs');
const sources = filesUnder('server', '.ts').filter((f) => !f.startsWith(path.join('server', 'lib', 'i18n')));

/** key -> where it is used */
function collect(files: string[], pattern: RegExp): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of files) {
    for (const m of read(file).matchAll(pattern)) {
      const key = m[1]!;
      found.set(key, [...(found.get(key) ?? []), file]);
    }
  }
  return found;
}

function missingFrom(keys: Iterable<string>, where?: Map<string, string[]>): string[] {
  const missing: string[] = [];
  for (const key of keys) {
    for (const [locale, catalog] of Object.entries(catalogs)) {
      if (!(key in catalog)) missing.push(`${locale}: ${key}${where ? ` (${where.get(key)?.join(', ')})` : ''}`);
    }
  }
  return missing;
}

// Keys built at run time from a prefix; each family lists every value the prefix is joined with.
// The Record types make a new role, status or action kind a compile error here.
const statuses: Record<StaffListQuery['status'], true> = { active: true, retired: true, all: true };
const actionKinds: Record<ActionKind, true> = { create: true, update: true, retire: true, unchanged: true };
const families: Record<string, string[]> = {
  'role.': [...ROLES, ...ROLES.filter((r) => r !== 'staff').map((r) => `${r}.explain`)],
  'month.': Array.from({ length: 12 }, (_, i) => String(i + 1)),
  'staff.filter.status.': Object.keys(statuses),
  'import.preview.': Object.keys(actionKinds),
  'scorm.rule.': [...COMPLETION_RULES],
  'scorm.completion.': ['completed', 'incomplete', 'not attempted', 'unknown'],
  'scorm.success.': ['passed', 'failed', 'unknown'],
};

describe('message catalogs', () => {
  it('found the views and sources to scan', () => {
    expect(views.length).toBeGreaterThan(10);
    expect(sources.length).toBeGreaterThan(20);
    expect(Object.keys(ja).length).toBeGreaterThan(100);
  });

  it('have every literal key the views use, in both languages', () => {
    const used = collect(views, /\bt\(\s*['"]([^'"]+)['"]\s*[,)]/g);
    expect(used.size).toBeGreaterThan(100);
    expect(used.has('staff.list.title')).toBe(true);
    expect(missingFrom(used.keys(), used)).toEqual([]);
  });

  it('only build keys at run time from known families, and have every member of each', () => {
    const viewPrefixes = collect(views, /\bt\(\s*['"]([^'"]*)['"]\s*\+/g);
    const sourcePrefixes = collect(sources, /\bt\(\s*`([^`$]*)\$\{/g);
    const prefixes = new Map([...viewPrefixes, ...sourcePrefixes]);
    expect(prefixes.size).toBeGreaterThanOrEqual(4);
    const unknown = [...prefixes.keys()].filter((p) => !(p in families)).map((p) => `${p} (${prefixes.get(p)?.join(', ')})`);
    expect(unknown).toEqual([]);
    const keys = Object.entries(families).flatMap(([prefix, members]) => members.map((m) => prefix + m));
    expect(missingFrom(keys)).toEqual([]);
  });

  it('have every literal key the server passes to t() and every validation/error key it names', () => {
    const translated = collect(sources, /\bt\(\s*'([^']+)'\s*[,)]/g);
    expect(translated.size).toBeGreaterThan(20);
    const named = collect(sources, /'((?:[a-z]+\.)?validation\.[A-Za-z0-9_.]+|import\.error\.[A-Za-z0-9_.]+|errors\.[A-Za-z0-9_.]+)'/g);
    expect(named.has('errors.databaseUnavailable')).toBe(true);
    expect(named.has('import.error.encoding')).toBe(true);
    expect(named.has('staff.validation.employeeNoTaken')).toBe(true);
    const all = new Map([...translated, ...named]);
    expect(missingFrom(all.keys(), all)).toEqual([]);
  });

  it('have the same keys in both languages, none of them empty', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ja).sort());
    const empty = Object.entries(catalogs).flatMap(([locale, c]) =>
      Object.entries(c)
        .filter(([, v]) => !v.trim())
        .map(([k]) => `${locale}: ${k}`),
    );
    expect(empty).toEqual([]);
  });

  it('use the same {placeholders} in both languages', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const differing = Object.keys(ja).filter(
      (k) => JSON.stringify(placeholders(catalogs.ja[k]!)) !== JSON.stringify(placeholders(catalogs.en[k]!)),
    );
    expect(differing).toEqual([]);
  });

  it('keep English English: no kana or kanji except the 日本語 language label', () => {
    const japanese = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f\u3000-\u303f]/;
    const offending = Object.entries(en)
      .filter(([, v]) => japanese.test(v.replace(/日本語/g, '')))
      .map(([k, v]) => `${k}: ${v}`);
    expect(offending).toEqual([]);
  });
});
