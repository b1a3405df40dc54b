// Hospitals using Mamoru keep Japanese dates: "today" is today in Japan, whatever the server's TZ.
const JST = 'Asia/Tokyo';
const isoDay = new Intl.DateTimeFormat('en-CA', { timeZone: JST, year: 'numeric', month: '2-digit', day: '2-digit' });

/** YYYY-MM-DD of an instant, in Japan. */
export function localDate(at: Date): string {
  return isoDay.format(at);
}

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

const dateTime = new Intl.DateTimeFormat('sv-SE', {
  timeZone: JST,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

/** An instant as hospital staff read it: Japan time, `YYYY-MM-DD HH:mm`; '—' when absent. */
export function localDateTime(at: Date | null | undefined): string {
  return at ? dateTime.format(at) : '—';
}
