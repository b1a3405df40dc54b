// Roster CSV -> validated rows. Pure: no database; every problem becomes a RowError with an
// i18n code so the upload screen can list all of them at once.
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { matchHeader, normaliseCell, ROSTER_COLUMNS, type RosterColumn, type RosterColumnKey } from './columns';

export type RosterEncoding = 'utf-8' | 'utf-8-bom' | 'shift_jis';

export interface RosterRow {
  /** Spreadsheet row number (header = 1). */
  row: number;
  employeeNo: string;
  name: string;
  nameKana?: string;
  email?: string;
  department?: string;
  jobCategory?: string;
  hiredOn?: string;
  retiredOn?: string;
  locale?: 'ja' | 'en';
  /** Columns present in the file (same instance for every row): absent ones must not be touched. */
  present: ReadonlySet<RosterColumnKey>;
}

export interface RowError {
  /** Spreadsheet row number: header = 1, first data row = 2; 0 for file-level errors. */
  row: number;
  /** The header as written in the file. */
  column?: string;
  code: string;
  params?: Record<string, string | number>;
}

export interface ParsedRoster {
  encoding: RosterEncoding;
  rows: RosterRow[];
  errors: RowError[];
  ignoredColumns: string[];
  /** Non-blank data rows in the file, valid or not. */
  totalRows: number;
}

export const MAX_ERRORS = 1000;

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function decode(bytes: Buffer, encoding: 'auto' | 'utf-8' | 'shift_jis'): { text: string; encoding: RosterEncoding } {
  // A BOM is unambiguous, whatever was selected; Excel writes one with "CSV UTF-8".
  if (bytes.subarray(0, 3).equals(UTF8_BOM)) {
    return { text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(3)), encoding: 'utf-8-bom' };
  }
  if (encoding === 'utf-8') return { text: new TextDecoder('utf-8').decode(bytes), encoding: 'utf-8' };
  if (encoding === 'auto') {
    try {
      return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
    } catch {
      // Not UTF-8: Japanese Excel saves "CSV" as CP932, a superset of Shift_JIS.
    }
  }
  // Broken sequences decode to U+FFFD, reported per cell rather than rejecting the file.
  return { text: iconv.decode(bytes, 'cp932'), encoding: 'shift_jis' };
}

interface CsvRecord {
  cells: string[];
  /** Spreadsheet row number. */
  row: number;
}

function readRecords(text: string): CsvRecord[] | RowError {
  let cells: string[][];
  try {
    // Blank lines are kept (as one empty cell) so a record's index is its spreadsheet row;
    // they are dropped below together with rows of empty cells.
    cells = parse(text, { relax_column_count: true });
  } catch (e) {
    // csv-parse reports where the input ended; the record that failed is the one after the last good one.
    const records = e instanceof Error ? (e as Error & { records?: unknown }).records : undefined;
    return { row: 0, code: 'import.error.malformed', params: { line: typeof records === 'number' ? records + 1 : 0 } };
  }
  const records: CsvRecord[] = [];
  cells.forEach((c, i) => {
    if (c.some((cell) => cell.trim() !== '')) records.push({ cells: c, row: i + 1 });
  });
  return records;
}

export function parseRosterCsv(bytes: Buffer, opts: { encoding: 'auto' | 'utf-8' | 'shift_jis' }): ParsedRoster {
  const { text, encoding } = decode(bytes, opts.encoding);
  const result: ParsedRoster = { encoding, rows: [], errors: [], ignoredColumns: [], totalRows: 0 };
  const records = readRecords(text);
  if (!Array.isArray(records)) {
    result.errors.push(records);
    return result;
  }
  const header = records[0];
  if (!header) {
    result.errors.push({ row: 0, code: 'import.error.empty' });
    return result;
  }

  // Header -> which column sits at which index.
  const written = header.cells.map((h) => h.trim());
  const columns: { col: RosterColumn; index: number; header: string }[] = [];
  const seen = new Set<RosterColumnKey>();
  written.forEach((h, index) => {
    const col = matchHeader(h);
    if (!col) {
      if (h !== '') result.ignoredColumns.push(h);
    } else if (seen.has(col.key)) {
      result.errors.push({ row: 0, column: h, code: 'import.error.duplicateColumn' });
    } else {
      seen.add(col.key);
      columns.push({ col, index, header: h });
    }
  });
  for (const col of ROSTER_COLUMNS) {
    if (col.required && !seen.has(col.key)) {
      result.errors.push({ row: 0, code: 'import.error.missingColumn', params: { column: col.headers[0] ?? col.key } });
    }
  }
  const data = records.slice(1);
  if (data.length === 0) result.errors.push({ row: 0, code: 'import.error.empty' });
  if (result.errors.length > 0) return result;
  result.totalRows = data.length;

  let errorCount = 0;
  const report = (e: RowError): void => {
    errorCount++;
    if (result.errors.length < MAX_ERRORS) result.errors.push(e);
  };
  const headerOf = (key: RosterColumnKey): string => columns.find((c) => c.col.key === key)?.header ?? key;
  const firstRowByEmployeeNo = new Map<string, number>();
  const firstRowByEmail = new Map<string, number>();

  for (const { cells, row } of data) {
    if (cells.length !== written.length) {
      // Cells would be misaligned, so per-cell errors would only be noise.
      report({ row, code: 'import.error.columnCount', params: { expected: written.length, actual: cells.length } });
      continue;
    }
    const before = errorCount;
    const v: Partial<Record<RosterColumnKey, string>> = {};
    for (const { col, index, header: column } of columns) {
      const cell = normaliseCell(col, cells[index] ?? '');
      if (cell.ok) v[col.key] = cell.value;
      else report({ row, column, code: cell.code, ...(cell.params ? { params: cell.params } : {}) });
    }
    if (v.hiredOn && v.retiredOn && v.retiredOn < v.hiredOn) {
      report({ row, column: headerOf('retiredOn'), code: 'import.error.retiredBeforeHired' });
    }
    if (v.employeeNo) {
      const firstRow = firstRowByEmployeeNo.get(v.employeeNo);
      if (firstRow === undefined) firstRowByEmployeeNo.set(v.employeeNo, row);
      else report({ row, column: headerOf('employeeNo'), code: 'import.error.duplicateEmployeeNo', params: { firstRow } });
    }
    if (v.email) {
      const firstRow = firstRowByEmail.get(v.email);
      if (firstRow === undefined) firstRowByEmail.set(v.email, row);
      else report({ row, column: headerOf('email'), code: 'import.error.duplicateEmail', params: { firstRow } });
    }
    if (errorCount > before || v.employeeNo === undefined || v.name === undefined) continue;
    result.rows.push({
      row,
      employeeNo: v.employeeNo,
      name: v.name,
      nameKana: v.nameKana || undefined,
      email: v.email || undefined,
      department: v.department || undefined,
      jobCategory: v.jobCategory || undefined,
      hiredOn: v.hiredOn || undefined,
      retiredOn: v.retiredOn || undefined,
      locale: v.locale === 'ja' || v.locale === 'en' ? v.locale : undefined,
      present: seen,
    });
  }
  if (errorCount > MAX_ERRORS) result.errors.unshift({ row: 0, code: 'import.error.tooManyErrors', params: { count: errorCount } });
  return result;
}
