import { stringify } from 'csv-stringify/sync';

/**
 * Spreadsheet programs run a cell that starts with = + - @ (or a tab / CR) as a formula.
 * Exported text is prefixed with an apostrophe so it stays text (OWASP "CSV injection").
 */
export function neutraliseCell(value: unknown): string {
  const s = value == null ? '' : String(value);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** UTF-8 with BOM: Excel on Japanese Windows opens it without mangling kanji. */
export function toCsv(header: string[], rows: unknown[][]): string {
  return '\uFEFF' + stringify([header, ...rows.map((r) => r.map(neutraliseCell))], { record_delimiter: '\r\n' });
}
