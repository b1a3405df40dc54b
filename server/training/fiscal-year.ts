import { getHospitalProfile } from '../hospital/service';
import type { Database } from '../db/client';
import { localDate } from '../lib/dates';

/**
 * The fiscal year (年度): the one home of the rule. FY2026 runs 2026-04-01..2027-03-31 by
 * default; a hospital may start its year in another month (its profile says which).
 */
export const DEFAULT_FISCAL_YEAR_START_MONTH = 4;

export interface FiscalYear {
  year: number;
  startMonth: number;
  /** First and last day, YYYY-MM-DD in Japan. */
  firstDay: string;
  lastDay: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The year a day (YYYY-MM-DD, Japan) or an instant belongs to. */
export function fiscalYearOf(at: Date | string, startMonth = DEFAULT_FISCAL_YEAR_START_MONTH): number {
  const day = typeof at === 'string' ? at : localDate(at);
  const [y, m] = day.split('-').map(Number) as [number, number];
  return m >= startMonth ? y : y - 1;
}

export function fiscalYearBounds(year: number, startMonth = DEFAULT_FISCAL_YEAR_START_MONTH): FiscalYear {
  const endMonth = startMonth === 1 ? 12 : startMonth - 1;
  const endYear = startMonth === 1 ? year : year + 1;
  const lastDate = new Date(Date.UTC(endYear, endMonth, 0)).getUTCDate();
  return { year, startMonth, firstDay: `${year}-${pad(startMonth)}-01`, lastDay: `${endYear}-${pad(endMonth)}-${pad(lastDate)}` };
}

/** The instant a year closes: the first moment of the next year's first day in Japan. */
export function fiscalYearEndsAt(year: number, startMonth = DEFAULT_FISCAL_YEAR_START_MONTH): Date {
  return new Date(`${year + 1}-${pad(startMonth)}-01T00:00:00+09:00`);
}

/** A year is closed once its last day has passed in Japan: its records are history and never change. */
export function isFiscalYearClosed(year: number, now: Date, startMonth = DEFAULT_FISCAL_YEAR_START_MONTH): boolean {
  return fiscalYearOf(now, startMonth) > year;
}

/** The hospital's current fiscal year (the default start month until a profile says otherwise). */
export async function currentFiscalYear(db: Database, now: Date): Promise<FiscalYear> {
  const startMonth = (await getHospitalProfile(db))?.fiscalYearStartMonth ?? DEFAULT_FISCAL_YEAR_START_MONTH;
  return fiscalYearBounds(fiscalYearOf(now, startMonth), startMonth);
}
