import { describe, expect, it } from 'vitest';
import { DecimalFormatError } from '../../src/errors.js';
import {
  add,
  compare,
  div,
  expandExponent,
  fromMicro,
  isDecimalText,
  mul,
  parseDecimal,
  rational,
  sub,
  sum,
  toFixed,
  toPlainString,
  ZERO,
} from '../../src/money/decimal.js';

describe('parseDecimal', () => {
  it('reads plain decimals exactly, in lowest terms with a positive denominator', () => {
    expect(parseDecimal('123.45')).toEqual({ num: 2469n, den: 20n });
    expect(parseDecimal('-0.5')).toEqual({ num: -1n, den: 2n });
    expect(parseDecimal('1.500000')).toEqual({ num: 3n, den: 2n });
    expect(parseDecimal('007')).toEqual({ num: 7n, den: 1n });
  });

  it('keeps digits no float could hold', () => {
    const big = parseDecimal('123456789012345678901234567890.000000000000000000000001');
    expect(toPlainString(big, 30)).toBe('123456789012345678901234567890.000000000000000000000001');
  });

  it('reads -0 and -0.00 as zero, not as a negative number', () => {
    expect(parseDecimal('-0')).toEqual(ZERO);
    expect(parseDecimal('-0.00')).toEqual(ZERO);
    expect(toFixed(parseDecimal('-0.00'), 2)).toBe('0.00');
  });

  it.each(['', '-', '.5', '5.', '+5', '1e3', '1,000.00', ' 1', '1 ', '0x10', 'NaN', '１２'])('refuses %j, naming the text', (text) => {
    expect(() => parseDecimal(text)).toThrow(DecimalFormatError);
    expect(() => parseDecimal(text)).toThrow(`'${text}'`);
  });
});

describe('isDecimalText', () => {
  it('accepts plain decimals within the allowed places only', () => {
    expect(isDecimalText('12.345')).toBe(true);
    expect(isDecimalText('12.345', 3)).toBe(true);
    expect(isDecimalText('12.345', 2)).toBe(false);
    expect(isDecimalText('12', 0)).toBe(true);
    expect(isDecimalText('-1.5', 1)).toBe(true);
    expect(isDecimalText('1e5')).toBe(false);
    expect(isDecimalText('1.')).toBe(false);
  });
});

describe('micro-units', () => {
  it('turns integer micro-units back into an exact value', () => {
    expect(fromMicro(12_500_000n)).toEqual({ num: 25n, den: 2n });
    expect(toPlainString(fromMicro(-1_234_000_567n))).toBe('-1234.000567');
    expect(toPlainString(fromMicro(9_223_372_036_854_775_807n))).toBe('9223372036854.775807');
    expect(fromMicro(0n)).toEqual(parseDecimal('0'));
  });
});

describe('arithmetic', () => {
  const third = rational(1, 3);

  it('adds, subtracts, multiplies and divides without loss', () => {
    expect(add(parseDecimal('0.1'), parseDecimal('0.2'))).toEqual(parseDecimal('0.3'));
    expect(sub(parseDecimal('0.3'), parseDecimal('0.1'))).toEqual(parseDecimal('0.2'));
    expect(mul(third, rational(3))).toEqual(rational(1));
    expect(div(rational(1), rational(3))).toEqual(third);
    expect(div(parseDecimal('-1.5'), parseDecimal('-0.5'))).toEqual(rational(3));
  });

  it('sums thirds back to exactly one, where floats would not', () => {
    expect(sum([third, third, third])).toEqual(rational(1));
    expect(sum([])).toEqual(ZERO);
    expect(sum(Array.from({ length: 10 }, () => parseDecimal('0.1')))).toEqual(rational(1));
  });

  it('keeps the sign on the numerator when the denominator is negative', () => {
    expect(rational(1, -2)).toEqual({ num: -1n, den: 2n });
    expect(rational(-4, -6)).toEqual({ num: 2n, den: 3n });
  });

  it('refuses division by zero and a zero denominator', () => {
    expect(() => div(rational(1), ZERO)).toThrow(RangeError);
    expect(() => rational(1, 0)).toThrow(RangeError);
  });

  it('compares exact values, however they are written', () => {
    expect(compare(parseDecimal('999999.995'), parseDecimal('1000000.00'))).toBe(-1);
    expect(compare(parseDecimal('1000000.000000'), parseDecimal('1000000'))).toBe(0);
    expect(compare(parseDecimal('-1'), parseDecimal('-2'))).toBe(1);
    expect(compare(rational(2, 3), parseDecimal('0.666666666666'))).toBe(1);
  });
});

describe('toFixed', () => {
  it('rounds half away from zero on both sides', () => {
    expect(toFixed(parseDecimal('2.345'), 2)).toBe('2.35');
    expect(toFixed(parseDecimal('-2.345'), 2)).toBe('-2.35');
    expect(toFixed(parseDecimal('2.344999'), 2)).toBe('2.34');
    expect(toFixed(parseDecimal('0.5'), 0)).toBe('1');
    expect(toFixed(rational(2, 3), 3)).toBe('0.667');
  });

  it('truncates when told, so a value below a threshold never shows as the threshold', () => {
    expect(toFixed(parseDecimal('999999.995'), 2)).toBe('1000000.00');
    expect(toFixed(parseDecimal('999999.995'), 2, 'truncate')).toBe('999999.99');
    expect(toFixed(parseDecimal('-999999.995'), 2, 'truncate')).toBe('-999999.99');
    expect(toFixed(rational(2, 3), 3, 'truncate')).toBe('0.666');
  });

  it('pads small values with leading zeros and never prints -0', () => {
    expect(toFixed(parseDecimal('0.001'), 4)).toBe('0.0010');
    expect(toFixed(parseDecimal('-0.001'), 2)).toBe('0.00');
    expect(toFixed(parseDecimal('-0.004'), 2, 'truncate')).toBe('0.00');
    expect(toFixed(parseDecimal('-0.005'), 2)).toBe('-0.01');
    expect(toFixed(ZERO, 0)).toBe('0');
  });
});

describe('toPlainString', () => {
  it('writes the shortest exact text when the expansion ends', () => {
    expect(toPlainString(parseDecimal('1.500'))).toBe('1.5');
    expect(toPlainString(rational(1, 8))).toBe('0.125');
    expect(toPlainString(rational(-1000))).toBe('-1000');
  });

  it('rounds at maxPlaces a value whose expansion never ends', () => {
    expect(toPlainString(rational(2, 3))).toBe('0.666666666667');
    expect(toPlainString(rational(1, 3), 4)).toBe('0.3333');
  });
});

describe('expandExponent', () => {
  it.each([
    ['1.5E+3', '1500'],
    ['1.5e3', '1500'],
    ['0E-20', '0'],
    ['-2.5e-7', '-0.00000025'],
    ['1.2E-05', '0.000012'],
    ['+7e0', '7'],
    ['123.456e1', '1234.56'],
    ['0.00123e2', '0.123'],
    ['.5e1', '5'],
    ['5.e-1', '0.5'],
    ['100E-2', '1'],
    ['1e20', '100000000000000000000'],
  ])('writes %s out as %s', (text, expected) => {
    expect(expandExponent(text)).toBe(expected);
  });

  it('returns null for text that is not in exponent notation', () => {
    for (const text of ['1500', '1.5', 'e5', '.e5', '1e', '1e+', 'abc', '1.5E3x']) expect(expandExponent(text)).toBeNull();
  });

  it('refuses a number that would need more digits than allowed, instead of writing it out', () => {
    expect(expandExponent('1e399')).toHaveLength(400);
    expect(() => expandExponent('1e400')).toThrow(DecimalFormatError);
    expect(() => expandExponent('1e-401')).toThrow(/too many digits/);
    expect(() => expandExponent('1e999999999999999999999')).toThrow(DecimalFormatError);
    expect(() => expandExponent('1e5', 3)).toThrow(DecimalFormatError);
  });

  it('agrees with the plain decimal it expands to', () => {
    const expanded = expandExponent('-3.14159e2')!;
    expect(expanded).toBe('-314.159');
    expect(parseDecimal(expanded)).toEqual(div(parseDecimal('-314159'), rational(1000)));
  });
});
