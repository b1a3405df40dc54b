import { fiscalYearBounds, fiscalYearOf, isFiscalYearClosed } from '../../server/training/fiscal-year';

describe('fiscal year (年度)', () => {
  test('a day belongs to the year that started on the last April 1st', () => {
    expect(fiscalYearOf('2026-04-01')).toBe(2026);
    expect(fiscalYearOf('2027-03-31')).toBe(2026);
    expect(fiscalYearOf('2026-03-31')).toBe(2025);
  });

  test('an instant is judged by the day in Japan, not UTC', () => {
    // 2027-03-31T15:00Z is 2027-04-01 00:00 in Tokyo: FY2027 has begun there.
    expect(fiscalYearOf(new Date('2027-03-31T14:59:59Z'))).toBe(2026);
    expect(fiscalYearOf(new Date('2027-03-31T15:00:00Z'))).toBe(2027);
  });

  test('a hospital may start its year in another month', () => {
    expect(fiscalYearOf('2026-12-31', 1)).toBe(2026);
    expect(fiscalYearOf('2026-06-30', 7)).toBe(2025);
    expect(fiscalYearOf('2026-07-01', 7)).toBe(2026);
  });

  test('bounds: first and last day, including a calendar year and a leap February', () => {
    expect(fiscalYearBounds(2026)).toEqual({ year: 2026, startMonth: 4, firstDay: '2026-04-01', lastDay: '2027-03-31' });
    expect(fiscalYearBounds(2026, 1)).toMatchObject({ firstDay: '2026-01-01', lastDay: '2026-12-31' });
    expect(fiscalYearBounds(2027, 3)).toMatchObject({ firstDay: '2027-03-01', lastDay: '2028-02-29' });
  });

  test('a year is closed once its last day has passed in Japan', () => {
    expect(isFiscalYearClosed(2025, new Date('2026-12-01T00:00:00Z'))).toBe(true);
    expect(isFiscalYearClosed(2026, new Date('2026-12-01T00:00:00Z'))).toBe(false);
    expect(isFiscalYearClosed(2026, new Date('2027-03-31T14:59:59Z'))).toBe(false);
    expect(isFiscalYearClosed(2026, new Date('2027-03-31T15:00:00Z'))).toBe(true);
  });
});
