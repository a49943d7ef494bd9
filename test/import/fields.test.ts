import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { FieldProblem } from '../../src/errors.js';
import { isoDate } from '../../src/import/fields.js';

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const accepts = (value: string) => {
  try {
    return isoDate(value);
  } catch (error) {
    if (!(error instanceof FieldProblem)) throw error;
    return null;
  }
};

describe('ISO dates in CSV cells', () => {
  it('accepts exactly the real calendar days, as luxon reckons them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), (year, month, day) => {
        const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
        const real = year >= 1 && DateTime.fromObject({ year, month, day }, { zone: 'utc' }).isValid;
        expect(accepts(text)).toBe(real ? text : null);
      }),
      { seed: 20261125, numRuns: 3000 },
    );
    for (const leap of ['2024-02-29', '2000-02-29', '2026-04-30', '2026-12-31']) expect(accepts(leap)).toBe(leap);
    for (const not of ['2026-02-29', '1900-02-29', '2026-04-31', '2026-06-31', '2026-09-31', '2026-11-31', '0000-01-01']) expect(accepts(not)).toBeNull();
  });

  it('refuses a date with anything but an ASCII digit where a digit belongs, and trims surrounding spaces', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }).filter((i) => i !== 4 && i !== 7), fc.string({ minLength: 1, maxLength: 1 }), (at, char) => {
        fc.pre(!/[0-9]/.test(char));
        const text = `2026-01-15`.slice(0, at) + char + `2026-01-15`.slice(at + 1);
        expect(accepts(text)).toBeNull();
      }),
      { seed: 20261125, numRuns: 500 },
    );
    expect(accepts('２０２６-01-15')).toBeNull();
    expect(accepts('2026/01/15')).toBeNull();
    expect(accepts(' 2026-01-15 ')).toBe('2026-01-15');
  });
});
