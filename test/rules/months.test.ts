import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonthsToDate,
  addMonthsToMonth,
  daysBetween,
  firstDayOf,
  lastDayOf,
  laterOf,
  monthOf,
  monthsBetween,
  parseIsoDate,
  parseMonth,
  todayIn,
  ttmWindow,
} from '../../src/rules/months.js';

describe('parsing days and months', () => {
  it('accepts real calendar days only, trimmed', () => {
    expect(parseIsoDate(' 2024-02-29 ')).toBe('2024-02-29');
    for (const text of ['2026-02-29', '2026-02-30', '2026-2-3', '2026-13-01', '2026-00-10', '26-01-01', '2026-01-01T00:00', '']) expect(parseIsoDate(text)).toBeNull();
  });

  it('accepts real months only', () => {
    expect(parseMonth('2026-12')).toBe('2026-12');
    for (const text of ['2026-13', '2026-00', '2026-1', '2026-01-01', '']) expect(parseMonth(text)).toBeNull();
  });
});

describe('calendar arithmetic', () => {
  it('moves by months, a day the target month lacks becoming its last day', () => {
    expect(addMonthsToDate('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonthsToDate('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonthsToDate('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonthsToMonth('2026-11', 3)).toBe('2027-02');
    expect(addMonthsToMonth('2026-01', -1)).toBe('2025-12');
  });

  it('moves by days across months, years and leap days', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2026-10-15', 0)).toBe('2026-10-15');
  });

  it('counts whole days either way, unaffected by daylight saving', () => {
    expect(daysBetween('2026-10-15', '2026-10-31')).toBe(16);
    expect(daysBetween('2026-10-31', '2026-10-15')).toBe(-16);
    expect(daysBetween('2026-03-01', '2026-04-01')).toBe(31);
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
  });

  it('knows the first and last day of a month and the month of a day', () => {
    expect(firstDayOf('2026-02')).toBe('2026-02-01');
    expect(lastDayOf('2026-02')).toBe('2026-02-28');
    expect(lastDayOf('2024-02')).toBe('2024-02-29');
    expect(lastDayOf('2026-12')).toBe('2026-12-31');
    expect(monthOf('2026-10-15')).toBe('2026-10');
    expect(laterOf('2026-10-15', '2026-10-16')).toBe('2026-10-16');
    expect(laterOf('2026-10-16', '2026-10-15')).toBe('2026-10-16');
  });

  it('refuses what is not a day or a month instead of computing with it', () => {
    expect(() => addDays('2026-02-30', 1)).toThrow(/not a calendar day: '2026-02-30'/);
    expect(() => monthOf('2026-10')).toThrow(RangeError);
    expect(() => lastDayOf('2026-13')).toThrow(/not a calendar month: '2026-13'/);
    expect(() => addMonthsToMonth('2026-10-01', 1)).toThrow(RangeError);
  });
});

describe('todayIn', () => {
  it('is the calendar day in the policy zone, not in UTC', () => {
    const instant = new Date('2026-10-15T20:30:00Z');
    expect(todayIn('UTC', instant)).toBe('2026-10-15');
    expect(todayIn('Asia/Tokyo', instant)).toBe('2026-10-16');
    expect(todayIn('America/Los_Angeles', new Date('2026-10-16T03:00:00Z'))).toBe('2026-10-15');
  });
});

describe('the TTM window', () => {
  it('is the whole months before the cycle month, first and last day included', () => {
    const window = ttmWindow('2026-10', 12);
    expect(window.from).toBe('2025-10-01');
    expect(window.to).toBe('2026-09-30');
    expect(window.months).toHaveLength(12);
    expect(window.months[0]).toBe('2025-10');
    expect(window.months.at(-1)).toBe('2026-09');
    expect(new Set(window.months).size).toBe(12);
  });

  it('crosses a year and a leap February', () => {
    expect(ttmWindow('2024-03', 2)).toEqual({ from: '2024-01-01', to: '2024-02-29', months: ['2024-01', '2024-02'] });
    expect(ttmWindow('2026-01', 1)).toEqual({ from: '2025-12-01', to: '2025-12-31', months: ['2025-12'] });
  });
});

describe('monthsBetween', () => {
  it('lists both ends and every month between, in order', () => {
    expect(monthsBetween('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsBetween('2026-02', '2026-02')).toEqual(['2026-02']);
    expect(monthsBetween('2026-03', '2026-02')).toEqual([]);
  });
});
