import { describe, expect, it } from 'vitest';
import { exportedDate } from '../../src/import/exported-dates.js';
import { FieldProblem } from '../../src/errors.js';

/** The reason a value is refused with, or a failed test when it is accepted. */
function refusal(value: string): string {
  try {
    return `accepted as ${exportedDate(value)}`;
  } catch (error) {
    expect(error).toBeInstanceOf(FieldProblem);
    return (error as Error).message;
  }
}

describe('exportedDate', () => {
  it.each([
    ['8/1/2025', '2025-08-01'],
    ['12/31/2025', '2025-12-31'],
    ['8/1/2025 12:00:00 AM', '2025-08-01'],
    ['8/1/2025 11:59:59 PM', '2025-08-01'],
    ['2/1/2019 0:00', '2019-02-01'],
    ['2/29/2024 23:59', '2024-02-29'],
    ['2025-10-01', '2025-10-01'],
    ['2025-10-01T12:00:00Z', '2025-10-01'],
    ['2025-10-01T12:00:00.1234567Z', '2025-10-01'],
    ['2025-10-01 23:30', '2025-10-01'],
    ['2025/8/1', '2025-08-01'],
    ['2025/08/01 9:05', '2025-08-01'],
    ['  8/1/2025  ', '2025-08-01'],
    ['8/1/2025 12:00:00 am', '2025-08-01'],
  ])('reads %j as %s', (value, day) => {
    expect(exportedDate(value)).toBe(day);
  });

  it('takes the UTC day of a time with an offset, across days, months and years', () => {
    expect(exportedDate('2025-09-30T20:00:00-04:00')).toBe('2025-10-01');
    expect(exportedDate('2025-10-01T08:00:00+09:00')).toBe('2025-09-30');
    expect(exportedDate('2025-10-01T09:00:00+09:00')).toBe('2025-10-01');
    expect(exportedDate('2025-10-01T08:00:00+0900')).toBe('2025-09-30');
    expect(exportedDate('2025-10-01T09:00:00+0900')).toBe('2025-10-01');
    expect(exportedDate('2025-12-31T20:00:00-0500')).toBe('2026-01-01');
    expect(exportedDate('2025-10-01T08:00:00+09')).toBe('2025-09-30');
    expect(exportedDate('2025-12-31T23:00:00-01:00')).toBe('2026-01-01');
    expect(exportedDate('2026-01-01T00:30:00+01')).toBe('2025-12-31');
    expect(exportedDate('2024-03-01T01:00:00+05:00')).toBe('2024-02-29');
    expect(exportedDate('2025-03-01T01:00:00+05:00')).toBe('2025-02-28');
    expect(exportedDate('2025-10-01T12:00:00z')).toBe('2025-10-01');
  });

  it('refuses days that do not exist, naming them so', () => {
    for (const value of ['2/29/2025', '2025-02-30', '13/1/2025', '2025/4/31', '0/1/2025']) expect(refusal(value)).toBe('is not a real calendar date');
  });

  it('refuses times that do not exist', () => {
    for (const value of ['8/1/2025 13:00 PM', '8/1/2025 0:00 AM', '8/1/2025 24:00', '8/1/2025 12:60', '2025-10-01T12:00:61']) {
      expect(refusal(value)).toBe('is not a real time of day');
    }
    expect(refusal('2025-10-01T12:00:00+15:00')).toBe('has an impossible UTC offset');
    expect(refusal('2025-10-01T12:00:00+09:60')).toBe('has an impossible UTC offset');
    expect(refusal('2025-10-01T12:00:00+0960')).toBe('has an impossible UTC offset');
    expect(refusal('2025-10-01T12:00:00+09000')).not.toMatch(/^accepted/);
  });

  it('names an empty value and a spreadsheet serial number for what they are', () => {
    expect(refusal('')).toMatch(/^is empty; expected a date as M\/D\/YYYY/);
    expect(refusal('45870')).toMatch(/^looks like a spreadsheet serial number/);
    expect(refusal('45870.5')).toMatch(/^looks like a spreadsheet serial number/);
  });

  it('refuses every other form, never guessing', () => {
    for (const value of ['1/8/25', '2025-8-1', '20251001', '2025-10', 'Aug 1, 2025', '8/1/2025 noon', '8/1/2025T12:00', '2025-10-01T12:00:00 PM', '2025-10-01 12', '8/1/2025 12:00 XM', '８/1/2025']) {
      expect(refusal(value)).toMatch(/^is not a date as M\/D\/YYYY, YYYY-MM-DD or YYYY\/M\/D/);
    }
  });
});
