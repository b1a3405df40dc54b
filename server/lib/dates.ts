// Hospitals using Mamoru keep Japanese dates: "today" is today in Japan, whatever the server's TZ.
const JST = 'Asia/Tokyo';
const isoDay = new Intl.DateTimeFormat('en-CA', { timeZone: JST, year: 'numeric', month: '2-digit', day: '2-digit' });

/** YYYY-MM-DD of an instant, in Japan. */
export function localDate(at: Date): string {
  return isoDay.format(at);
}

/** The fiscal year (年度) a day belongs to: FY2026 runs 2026-04-01..2027-03-31 by default. */
export function fiscalYearOf(day: string, startMonth = 4): number {
  const [y, m] = day.split('-').map(Number) as [number, number];
  return m >= startMonth ? y : y - 1;
}

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

const dateTime = new Intl.DateTimeFormat('sv-SE', { timeZone: JST, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });

/** An instant as hospital staff read it: Japan time, `YYYY-MM-DD HH:mm`; '—' when absent. */
export function localDateTime(at: Date | null | undefined): string {
  return at ? dateTime.format(at) : '—';
}
