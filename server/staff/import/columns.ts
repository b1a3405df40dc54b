// The documented column set of the roster (職員名簿) CSV import: header spellings, limits and
// per-cell normalisation. Pure: shared by the parser, the template download and the help page.

export type RosterColumnKey =
  'employeeNo' | 'name' | 'nameKana' | 'email' | 'department' | 'jobCategory' | 'hiredOn' | 'retiredOn' | 'locale';

/** How a cell is normalised and validated. */
export type ColumnKind = 'text' | 'kana' | 'employeeNo' | 'email' | 'date' | 'locale';

export interface RosterColumn {
  key: RosterColumnKey;
  /** Accepted header spellings; the first is the Japanese canonical one used in templates and messages. */
  headers: readonly string[];
  required: boolean;
  /** In characters (code points). Dates and locales are checked by format instead. */
  maxLength: number;
  kind: ColumnKind;
}

export const ROSTER_COLUMNS: readonly RosterColumn[] = [
  { key: 'employeeNo', headers: ['職員番号', 'employee_no'], required: true, maxLength: 32, kind: 'employeeNo' },
  { key: 'name', headers: ['氏名', 'name'], required: true, maxLength: 100, kind: 'text' },
  { key: 'nameKana', headers: ['ふりがな', 'フリガナ', '氏名カナ', 'name_kana'], required: false, maxLength: 100, kind: 'kana' },
  { key: 'email', headers: ['メールアドレス', 'メール', 'email'], required: false, maxLength: 254, kind: 'email' },
  { key: 'department', headers: ['所属', '部署', 'department'], required: false, maxLength: 100, kind: 'text' },
  { key: 'jobCategory', headers: ['職種', 'job_category'], required: false, maxLength: 100, kind: 'text' },
  { key: 'hiredOn', headers: ['入職日', 'hired_on'], required: false, maxLength: 10, kind: 'date' },
  { key: 'retiredOn', headers: ['退職日', 'retired_on'], required: false, maxLength: 10, kind: 'date' },
  { key: 'locale', headers: ['言語', 'language', 'locale'], required: false, maxLength: 16, kind: 'locale' },
];

export const ROSTER_COLUMN_DOCS: readonly { key: RosterColumnKey; ja: string; en: string }[] = [
  {
    key: 'employeeNo',
    ja: '必須。半角英数字・ハイフン・アンダースコア（32文字まで）。職員を識別するキーです。',
    en: 'Required. Letters, digits, - and _ (up to 32). The key that identifies a staff member.',
  },
  { key: 'name', ja: '必須。氏名（100文字まで）。', en: 'Required. Full name (up to 100 characters).' },
  { key: 'nameKana', ja: '氏名のふりがな（100文字まで）。', en: 'Reading of the name in kana (up to 100 characters).' },
  {
    key: 'email',
    ja: 'メールアドレス。ファイル内・職員間で重複できません。',
    en: 'Email address; must be unique within the file and among staff.',
  },
  {
    key: 'department',
    ja: '所属部署。未登録の部署は取り込み時に作成されます。',
    en: 'Department; unknown departments are created on import.',
  },
  {
    key: 'jobCategory',
    ja: '職種。未登録の職種は取り込み時に作成されます。',
    en: 'Job category; unknown categories are created on import.',
  },
  { key: 'hiredOn', ja: '入職日（例: 2024-04-01 または 2024/4/1）。', en: 'Hire date (e.g. 2024-04-01 or 2024/4/1).' },
  {
    key: 'retiredOn',
    ja: '退職日。入力すると退職扱いになります。入職日より前は不可。',
    en: 'Retirement date; setting it retires the person. Not before the hire date.',
  },
  {
    key: 'locale',
    ja: '表示言語: ja（日本語）または en（英語）。空欄は変更なし。',
    en: 'Display language: ja (Japanese) or en (English). Empty leaves it unchanged.',
  },
];

/** Header spelling as compared: full-width/half-width and case folded, spaces and hyphens as "_". */
export function normaliseHeader(header: string): string {
  return header
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

const byHeader = new Map<string, RosterColumn>(ROSTER_COLUMNS.flatMap((c) => c.headers.map((h) => [normaliseHeader(h), c] as const)));

export function matchHeader(header: string): RosterColumn | undefined {
  return byHeader.get(normaliseHeader(header));
}

export function rosterTemplateCsv(): string {
  // CRLF because the template is mostly opened and re-saved by Excel.
  return [
    ROSTER_COLUMNS.map((c) => c.headers[0]).join(','),
    'A0001,山田 花子,やまだ はなこ,hanako.yamada@example.jp,看護部,看護師,2015-04-01,,ja',
    'A0002,Taro Sato,さとう たろう,taro.sato@example.jp,医事課,事務職,2021-10-01,,en',
    '',
  ].join('\r\n');
}

export type CellResult = { ok: true; value: string } | { ok: false; code: string; params?: Record<string, string | number> };

// C0/C1 controls (tabs and newlines inside a cell break exports and views) and bidi overrides,
// which can make a name display differently from what is stored.
const CONTROL_CHARS = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
// NFKC leaves printable ASCII unchanged; skipping it saves time on large files.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const EMPLOYEE_NO = /^[0-9A-Za-z_-]+$/;
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;
const DATE = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/;
const LOCALES = new Map<string, 'ja' | 'en'>([
  ['ja', 'ja'],
  ['日本語', 'ja'],
  ['japanese', 'ja'],
  ['en', 'en'],
  ['英語', 'en'],
  ['english', 'en'],
]);

/** YYYY-MM-DD of a real calendar day written as Y-M-D with -, / or . separators, else undefined. */
export function parseDate(s: string): string | undefined {
  const m = DATE.exec(s);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[3]), Number(m[4])];
  const at = new Date(Date.UTC(y, mo - 1, d));
  if (at.getUTCFullYear() !== y || at.getUTCMonth() !== mo - 1 || at.getUTCDate() !== d) return undefined;
  return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function tooLong(s: string, max: number): boolean {
  // Limits count characters as the database does; only count code points when it could matter.
  return s.length > max && [...s].length > max;
}

/** Trimmed, normalised and validated value of one cell; '' means empty. */
export function normaliseCell(col: RosterColumn, raw: string): CellResult {
  let v = raw.trim();
  if (v.includes('\uFFFD')) return { ok: false, code: 'import.error.encoding' };
  if (CONTROL_CHARS.test(v)) return { ok: false, code: 'import.error.controlChars' };
  // Names keep their exact code points (NFKC would rewrite some kanji variants); everything else
  // is NFKC-folded because HR exports often use full-width digits, letters and half-width kana.
  if (col.kind !== 'text' && !PRINTABLE_ASCII.test(v)) v = v.normalize('NFKC').trim();
  if (v === '') return col.required ? { ok: false, code: 'import.error.required' } : { ok: true, value: '' };
  switch (col.kind) {
    case 'date': {
      const date = parseDate(v);
      return date ? { ok: true, value: date } : { ok: false, code: 'import.error.date' };
    }
    case 'locale': {
      const locale = LOCALES.get(v.toLowerCase());
      return locale ? { ok: true, value: locale } : { ok: false, code: 'import.error.locale' };
    }
    case 'email':
      v = v.toLowerCase();
      break;
    default:
      break;
  }
  if (tooLong(v, col.maxLength)) return { ok: false, code: 'import.error.tooLong', params: { max: col.maxLength } };
  if (col.kind === 'employeeNo' && !EMPLOYEE_NO.test(v)) return { ok: false, code: 'import.error.employeeNo' };
  if (col.kind === 'email' && !EMAIL.test(v)) return { ok: false, code: 'import.error.email' };
  return { ok: true, value: v };
}
