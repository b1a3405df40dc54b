import iconv from 'iconv-lite';
import { ROSTER_COLUMN_DOCS, ROSTER_COLUMNS, matchHeader, parseDate, rosterTemplateCsv } from '../../server/staff/import/columns';
import { MAX_ERRORS, parseRosterCsv, type ParsedRoster } from '../../server/staff/import/parse';

const HEADER = '職員番号,氏名,ふりがな,メールアドレス,所属,職種,入職日,退職日,言語';
const utf8 = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n') + '\r\n', 'utf-8');
const parseUtf8 = (...lines: string[]): ParsedRoster => parseRosterCsv(utf8(...lines), { encoding: 'auto' });
const codes = (p: ParsedRoster): string[] => p.errors.map((e) => e.code);

describe('roster columns', () => {
  it('documents every column and accepts each spelling case- and width-insensitively', () => {
    expect(ROSTER_COLUMN_DOCS.map((d) => d.key)).toEqual(ROSTER_COLUMNS.map((c) => c.key));
    for (const col of ROSTER_COLUMNS) for (const h of col.headers) expect(matchHeader(` ${h.toUpperCase()} `)?.key).toBe(col.key);
    expect(matchHeader('ＥＭＰＬＯＹＥＥ＿ＮＯ')?.key).toBe('employeeNo');
    expect(matchHeader('Employee No')?.key).toBe('employeeNo');
    expect(matchHeader('備考')).toBeUndefined();
  });

  it('parses dates strictly', () => {
    expect(parseDate('2024/4/1')).toBe('2024-04-01');
    expect(parseDate('2024.12.31')).toBe('2024-12-31');
    expect(parseDate('2024-02-29')).toBe('2024-02-29');
    expect(parseDate('2023-02-29')).toBeUndefined();
    expect(parseDate('2024/04-01')).toBeUndefined();
    expect(parseDate('R6.4.1')).toBeUndefined();
  });

  it('ships a template that imports cleanly', () => {
    const p = parseRosterCsv(Buffer.from(rosterTemplateCsv()), { encoding: 'auto' });
    expect(p.errors).toEqual([]);
    expect(p.rows.map((r) => r.employeeNo)).toEqual(['A0001', 'A0002']);
    expect(rosterTemplateCsv().split('\r\n')[0]).toBe(HEADER);
  });
});

describe('parseRosterCsv encodings', () => {
  const text = `${HEADER}\r\nN001,山田 花子,ヤマダ ハナコ,hanako@example.jp,看護部,看護師,2020/4/1,,日本語\r\n`;
  const expected = {
    row: 2,
    employeeNo: 'N001',
    name: '山田 花子',
    nameKana: 'ヤマダ ハナコ',
    email: 'hanako@example.jp',
    department: '看護部',
    jobCategory: '看護師',
    hiredOn: '2020-04-01',
    locale: 'ja',
  };

  it('reads UTF-8', () => {
    const p = parseRosterCsv(Buffer.from(text), { encoding: 'auto' });
    expect(p).toMatchObject({ encoding: 'utf-8', errors: [], ignoredColumns: [], totalRows: 1 });
    expect(p.rows).toEqual([expect.objectContaining(expected)]);
    expect(p.rows[0]?.retiredOn).toBeUndefined();
    expect([...(p.rows[0]?.present ?? [])]).toHaveLength(9);
  });

  it('strips a UTF-8 BOM', () => {
    const p = parseRosterCsv(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), { encoding: 'shift_jis' });
    expect(p.encoding).toBe('utf-8-bom');
    expect(p.rows).toEqual([expect.objectContaining(expected)]);
  });

  it('detects Shift_JIS (CP932) and honours an explicit choice', () => {
    const bytes = iconv.encode(text.replace('山田', '髙﨑'), 'cp932');
    for (const encoding of ['auto', 'shift_jis'] as const) {
      const p = parseRosterCsv(bytes, { encoding });
      expect(p.encoding).toBe('shift_jis');
      expect(p.errors).toEqual([]);
      expect(p.rows[0]?.name).toBe('髙﨑 花子');
    }
  });

  it('reports cells with broken bytes', () => {
    const bytes = Buffer.concat([
      iconv.encode(`${HEADER}\r\nN001,山`, 'cp932'),
      Buffer.from([0x82]), // lead byte with no trail byte
      iconv.encode(',,,,,,,\r\nN002,田中,,,,,,,\r\n', 'cp932'),
    ]);
    const p = parseRosterCsv(bytes, { encoding: 'auto' });
    expect(p.encoding).toBe('shift_jis');
    expect(p.errors).toEqual([{ row: 2, column: '氏名', code: 'import.error.encoding' }]);
    expect(p.rows.map((r) => r.employeeNo)).toEqual(['N002']);
  });

  it('reports invalid UTF-8 when UTF-8 is forced', () => {
    const bytes = Buffer.concat([Buffer.from(`${HEADER}\nN001,a`), Buffer.from([0xff]), Buffer.from(',,,,,,,\n')]);
    expect(codes(parseRosterCsv(bytes, { encoding: 'utf-8' }))).toEqual(['import.error.encoding']);
  });
});

describe('parseRosterCsv headers and structure', () => {
  it('accepts English headers in any order and lists unknown columns', () => {
    const p = parseUtf8('Name,employee_no,Note,EMAIL,', 'Jane Doe,E-1,memo,Jane@Example.COM,');
    expect(p.errors).toEqual([]);
    expect(p.ignoredColumns).toEqual(['Note']);
    expect(p.rows).toEqual([expect.objectContaining({ row: 2, employeeNo: 'E-1', name: 'Jane Doe', email: 'jane@example.com' })]);
    expect([...(p.rows[0]?.present ?? [])].sort()).toEqual(['email', 'employeeNo', 'name']);
  });

  it('reports empty files', () => {
    expect(codes(parseRosterCsv(Buffer.alloc(0), { encoding: 'auto' }))).toEqual(['import.error.empty']);
    expect(codes(parseUtf8('', ',,', ''))).toEqual(['import.error.empty']);
    expect(codes(parseUtf8(HEADER))).toEqual(['import.error.empty']);
  });

  it('reports missing required and duplicate columns at file level', () => {
    expect(parseUtf8('氏名,所属', 'a,b').errors).toEqual([{ row: 0, code: 'import.error.missingColumn', params: { column: '職員番号' } }]);
    const p = parseUtf8('職員番号,氏名,name', '1,a,b');
    expect(p.errors).toEqual([{ row: 0, column: 'name', code: 'import.error.duplicateColumn' }]);
    expect(p.rows).toEqual([]);
  });

  it('gives one file-level error for unparseable CSV', () => {
    const p = parseUtf8('職員番号,氏名', '1,a', '2,"b', '3,c');
    expect(p.errors).toEqual([{ row: 0, code: 'import.error.malformed', params: { line: 3 } }]);
    expect(p.rows).toEqual([]);
  });

  it('reports rows with the wrong number of cells and keeps going', () => {
    const p = parseUtf8('職員番号,氏名,所属', '1,a', '2,b,c', '3,c,d,e');
    expect(p.errors).toEqual([
      { row: 2, code: 'import.error.columnCount', params: { expected: 3, actual: 2 } },
      { row: 4, code: 'import.error.columnCount', params: { expected: 3, actual: 4 } },
    ]);
    expect(p.rows.map((r) => r.employeeNo)).toEqual(['2']);
  });

  it('numbers rows as a spreadsheet does, across blank lines and multi-line cells', () => {
    const p = parseUtf8('職員番号,氏名', '', '1,a', ',', '2,"b\nc"', '3,d');
    expect(p.totalRows).toBe(3);
    expect(p.errors).toEqual([{ row: 5, column: '氏名', code: 'import.error.controlChars' }]);
    expect(p.rows.map((r) => r.row)).toEqual([3, 6]);
  });
});

describe('parseRosterCsv cells', () => {
  const one = (cells: string): ParsedRoster => parseUtf8(HEADER, cells);

  it('normalises full-width digits, letters and kana, but not names', () => {
    const p = one('Ａ００１,神田 ｱｲ,ｶﾝﾀﾞ ｱｲ,ＡＩ＠ＥＸＡＭＰＬＥ．ＪＰ,,,２０２０／４／１,２０２４．３．３１,ＥＮ');
    expect(p.errors).toEqual([]);
    expect(p.rows[0]).toMatchObject({
      employeeNo: 'A001',
      name: '神田 ｱｲ',
      nameKana: 'カンダ アイ',
      email: 'ai@example.jp',
      hiredOn: '2020-04-01',
      retiredOn: '2024-03-31',
      locale: 'en',
    });
  });

  it('maps language words and leaves empty cells unset', () => {
    const locales = ['英語', 'English', 'ja', ''].map((l) => one(`1,a,,,,,,,${l}`).rows[0]?.locale);
    expect(locales).toEqual(['en', 'en', 'ja', undefined]);
  });

  it.each([
    ['required employee number', ',a,,,,,,,', '職員番号', 'import.error.required', undefined],
    ['required name', '1,　,,,,,,,', '氏名', 'import.error.required', undefined],
    ['too long name', `1,${'漢'.repeat(101)},,,,,,,`, '氏名', 'import.error.tooLong', { max: 100 }],
    ['too long employee number', `${'9'.repeat(33)},a,,,,,,,`, '職員番号', 'import.error.tooLong', { max: 32 }],
    ['bad email', '1,a,,not-an-email,,,,,', 'メールアドレス', 'import.error.email', undefined],
    ['bad date', '1,a,,,,,2023/2/29,,', '入職日', 'import.error.date', undefined],
    ['bad locale', '1,a,,,,,,,fr', '言語', 'import.error.locale', undefined],
    ['bad employee number', '1 2,a,,,,,,,', '職員番号', 'import.error.employeeNo', undefined],
    ['control characters', '1,"a\tb",,,,,,,', '氏名', 'import.error.controlChars', undefined],
    ['bidi override', '1,a\u202Eb,,,,,,,', '氏名', 'import.error.controlChars', undefined],
    ['retired before hired', '1,a,,,,,2020-04-01,2020-03-31,', '退職日', 'import.error.retiredBeforeHired', undefined],
  ])('reports %s', (_label, cells, column, code, params) => {
    const p = one(cells);
    expect(p.errors).toEqual([{ row: 2, column, code, ...(params ? { params } : {}) }]);
    expect(p.rows).toEqual([]);
  });

  it('accepts a 100-character name counted in characters, not UTF-16 units', () => {
    expect(one(`1,${'𠮷'.repeat(100)},,,,,,,`).errors).toEqual([]);
  });

  it('collects every error of every row', () => {
    const p = parseUtf8(HEADER, '1,,,bad,,,x,,xx', '2,b,,,,,,,', '3,c,,,,,2020-13-01,,');
    expect(p.errors.map((e) => [e.row, e.code])).toEqual([
      [2, 'import.error.required'],
      [2, 'import.error.email'],
      [2, 'import.error.date'],
      [2, 'import.error.locale'],
      [4, 'import.error.date'],
    ]);
    expect(p.rows.map((r) => r.row)).toEqual([3]);
    expect(p.totalRows).toBe(3);
  });

  it('reports duplicate employee numbers and emails against the first row', () => {
    const p = parseUtf8(HEADER, '1,a,,a@example.jp,,,,,', '２,b,,,,,,,', '1,c,,,,,,,', '3,d,,A@EXAMPLE.JP,,,,,', '2,e,,,,,,,');
    expect(p.errors).toEqual([
      { row: 4, column: '職員番号', code: 'import.error.duplicateEmployeeNo', params: { firstRow: 2 } },
      { row: 5, column: 'メールアドレス', code: 'import.error.duplicateEmail', params: { firstRow: 2 } },
      { row: 6, column: '職員番号', code: 'import.error.duplicateEmployeeNo', params: { firstRow: 3 } },
    ]);
    expect(p.rows.map((r) => r.name)).toEqual(['a', 'b']);
  });

  it('keeps formula-like and HTML cells verbatim', () => {
    const p = parseUtf8(
      '職員番号,氏名,所属,職種',
      '-1,"=HYPERLINK(""http://x"")",+81,@SUM(A1)',
      '2,<script>alert(1)</script>,"<b>ICU</b>",-',
    );
    expect(p.errors).toEqual([]);
    expect(p.rows.map((r) => [r.employeeNo, r.name, r.department, r.jobCategory])).toEqual([
      ['-1', '=HYPERLINK("http://x")', '+81', '@SUM(A1)'],
      ['2', '<script>alert(1)</script>', '<b>ICU</b>', '-'],
    ]);
  });
});

describe('parseRosterCsv volume', () => {
  it('caps the error list', () => {
    const lines = Array.from({ length: MAX_ERRORS + 5 }, (_, i) => `${i},a,,bad,,,,,`);
    const p = parseUtf8(HEADER, ...lines);
    expect(p.errors).toHaveLength(MAX_ERRORS + 1);
    expect(p.errors[0]).toEqual({ row: 0, code: 'import.error.tooManyErrors', params: { count: MAX_ERRORS + 5 } });
    expect(p.errors[MAX_ERRORS]).toMatchObject({ row: MAX_ERRORS + 1, code: 'import.error.email' });
  });

  it('parses a ~10 MB file', () => {
    const n = 100_000;
    const lines = [HEADER];
    for (let i = 0; i < n; i++) {
      lines.push(`N${i},職員 太郎${i},しょくいん たろう,staff${i}@hospital.example.jp,第${i % 40}病棟看護部,看護師,２０１５/４/１,,ja`);
    }
    const bytes = utf8(...lines);
    expect(bytes.length).toBeGreaterThan(9_000_000);
    const p = parseRosterCsv(bytes, { encoding: 'auto' });
    expect(p.errors).toEqual([]);
    expect(p.totalRows).toBe(n);
    expect(p.rows).toHaveLength(n);
    expect(p.rows[n - 1]).toMatchObject({ row: n + 1, employeeNo: `N${n - 1}`, hiredOn: '2015-04-01' });
  });
});
