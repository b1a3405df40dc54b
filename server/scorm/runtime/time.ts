// SCORM time formats. 1.2 uses CMITimespan (HHHH:MM:SS.SS); 2004 uses ISO 8601 durations.

const TIMESPAN_12 = /^(\d{2,4}):([0-5]\d):([0-5]\d)(\.\d{1,2})?$/;
const DURATION_2004 = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,2})?)S)?)?$/;

export function isTimespan12(s: string): boolean {
  return TIMESPAN_12.test(s);
}

export function isDuration2004(s: string): boolean {
  return DURATION_2004.test(s) && s !== 'P' && !s.endsWith('T');
}

/** Seconds in a SCORM 1.2 timespan or a 2004 duration (years as 365 days, months as 30). */
export function durationSeconds(s: string): number | null {
  const t = TIMESPAN_12.exec(s);
  if (t) return Number(t[1]) * 3600 + Number(t[2]) * 60 + Number(t[3]) + Number(t[4] ?? 0);
  if (!isDuration2004(s)) return null;
  const d = DURATION_2004.exec(s)!;
  const n = (i: number) => Number(d[i] ?? 0);
  return n(1) * 365 * 86400 + n(2) * 30 * 86400 + n(3) * 86400 + n(4) * 3600 + n(5) * 60 + n(6);
}

/** Formats seconds the way each standard writes total_time. */
export function formatDuration(seconds: number, standard: '1.2' | '2004'): string {
  const total = Math.max(0, Math.round(seconds * 100) / 100);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = Math.round((total % 60) * 100) / 100;
  if (standard === '1.2') {
    const whole = Math.floor(sec);
    const frac = Math.round((sec - whole) * 100);
    return `${String(h).padStart(4, '0')}:${String(m).padStart(2, '0')}:${String(whole).padStart(2, '0')}${frac ? `.${String(frac).padStart(2, '0')}` : ''}`;
  }
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${sec || (!h && !m) ? `${sec}S` : ''}`;
}

const TIME_12 = /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,2})?$/;
const TIMESTAMP_2004 = /^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d{1,2})?)?)?(Z|[+-]\d{2}(:\d{2})?)?)?)?)?$/;

export const isTime12 = (s: string) => TIME_12.test(s);
export const isTimestamp2004 = (s: string) => TIMESTAMP_2004.test(s);
