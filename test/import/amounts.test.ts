import { describe, expect, it } from 'vitest';
import { amountMicro, exportedAmountMicro, withoutTextGuard } from '../../src/import/amounts.js';
import { FieldProblem } from '../../src/errors.js';

/** The reason an amount is refused with, or a failed test when it is accepted. */
function refusal(read: (value: string) => unknown, value: string): string {
  try {
    return `accepted as ${String(read(value))}`;
  } catch (error) {
    expect(error).toBeInstanceOf(FieldProblem);
    return (error as Error).message;
  }
}

describe('amountMicro', () => {
  it('reads amounts as exact integer micro-units', () => {
    expect(amountMicro('12.5')).toBe(12_500_000);
    expect(amountMicro('0.000001')).toBe(1);
    expect(amountMicro('-100.01')).toBe(-100_010_000);
    expect(amountMicro('999999999')).toBe(999_999_999_000_000);
    expect(amountMicro('1.500000')).toBe(1_500_000);
  });

  it('reads -0 and -0.00 as zero, never as a negative credit', () => {
    expect(Object.is(amountMicro('-0'), 0)).toBe(true);
    expect(Object.is(amountMicro('-0.00'), 0)).toBe(true);
  });

  it('is a number while exactly representable, a BigInt beyond', () => {
    expect(amountMicro('9007199254.740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(amountMicro('9007199254.740992')).toBe(9_007_199_254_740_992n);
    expect(amountMicro('-999999999999.999999')).toBe(-999_999_999_999_999_999n);
  });

  it('accepts surrounding spaces and zeros beyond the sixth place, which change nothing', () => {
    expect(amountMicro(' 1 ')).toBe(1_000_000);
    expect(amountMicro('1.50000000')).toBe(1_500_000);
  });

  it('refuses a seventh decimal place, a trillion, and what is not a plain decimal, saying which', () => {
    expect(refusal(amountMicro, '1.0000001')).toBe('has more than 6 decimal places');
    expect(refusal(amountMicro, '1000000000000')).toBe('is larger than 999,999,999,999');
    expect(refusal(amountMicro, '')).toBe('is empty; expected a number');
    expect(refusal(amountMicro, '1e3')).toBe('is in exponent notation; write the number in full');
    expect(refusal(amountMicro, '1,000')).toBe('has thousands separators; write the number without them');
    expect(refusal(amountMicro, '(12.50)')).toBe('is in accounting notation; write a credit as -123.45');
    for (const value of ['-', '1.', "'1", '=1+1']) expect(refusal(amountMicro, value)).not.toMatch(/^accepted/);
  });
});

describe('exportedAmountMicro', () => {
  it('reads what amountMicro reads, the same', () => {
    for (const value of ['12.5', '-0.000001', '0', '9007199254.740992']) expect(exportedAmountMicro(value)).toEqual(amountMicro(value));
  });

  it("writes exponent notation out exactly and strips a spreadsheet's text-guard apostrophe", () => {
    expect(exportedAmountMicro('1.5E+3')).toBe(1_500_000_000);
    expect(exportedAmountMicro('0E-20')).toBe(0);
    expect(exportedAmountMicro('-2.5e-5')).toBe(-25);
    expect(exportedAmountMicro("'123.45")).toBe(123_450_000);
    expect(exportedAmountMicro("' 7")).toBe(7_000_000);
  });

  it('refuses thousands separators and a decimal comma, saying where they come from', () => {
    expect(refusal(exportedAmountMicro, '1,234.50')).toMatch(/^has thousands separators: export again/);
    expect(refusal(exportedAmountMicro, '-1,234,567')).toMatch(/^has thousands separators/);
    expect(refusal(exportedAmountMicro, '12,50')).toMatch(/^uses a comma as decimal point/);
  });

  it('refuses exponent notation that needs more precision or digits than an amount has, showing what it meant', () => {
    expect(refusal(exportedAmountMicro, '1.5E-7')).toMatch(/^is 0\.00000015 written out, which .*decimal places.*to the millionth, exactly/);
    expect(refusal(exportedAmountMicro, '1E+13')).toMatch(/^is 10000000000000 written out, which /);
    expect(refusal(exportedAmountMicro, '1E+60')).toMatch(/^is a number of 61 characters written out/);
    expect(refusal(exportedAmountMicro, '1E+999')).toMatch(/^is in exponent notation with more digits than an amount can have \(at most 999,999,999,999 with 6 decimal places\)/);
  });
});

describe('withoutTextGuard', () => {
  it('drops one leading apostrophe and the space after it, nothing else', () => {
    expect(withoutTextGuard("'0042")).toBe('0042');
    expect(withoutTextGuard("'  12 ")).toBe('12');
    expect(withoutTextGuard("''1")).toBe("'1");
    expect(withoutTextGuard("1'")).toBe("1'");
    expect(withoutTextGuard('')).toBe('');
  });
});
