import { DecimalFormatError } from '../errors.js';

/**
 * Exact decimal arithmetic on BigInt. Money never passes through a JavaScript number:
 * amounts are stored as integer micro-units and every sum, product and comparison is exact.
 */

export const MICRO_SCALE = 6;
const DECIMAL_PATTERN = /^(-?)(\d+)(?:\.(\d+))?$/;

/** A rational number with a positive denominator; exact for every sum, product and mean we need. */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

/** Parses `-123.45` style text (no exponent, no separators) to an exact rational. */
export function parseDecimal(text: string): Rational {
  const match = DECIMAL_PATTERN.exec(text);
  if (!match) throw new DecimalFormatError(`not a decimal number: '${text}'`);
  const [, sign, whole, fraction = ''] = match;
  const den = 10n ** BigInt(fraction.length);
  const magnitude = BigInt(whole! + fraction);
  return normalize(sign === '-' ? -magnitude : magnitude, den);
}

/** True when `text` is a plain decimal with at most `maxPlaces` fraction digits. */
export function isDecimalText(text: string, maxPlaces = Infinity): boolean {
  const match = DECIMAL_PATTERN.exec(text);
  return match !== null && (match[3]?.length ?? 0) <= maxPlaces;
}

export function fromMicro(micro: bigint): Rational {
  return normalize(micro, 10n ** BigInt(MICRO_SCALE));
}

export function rational(num: bigint | number, den: bigint | number = 1n): Rational {
  return normalize(BigInt(num), BigInt(den));
}

export const ZERO: Rational = { num: 0n, den: 1n };

export function add(a: Rational, b: Rational): Rational {
  return normalize(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function sub(a: Rational, b: Rational): Rational {
  return normalize(a.num * b.den - b.num * a.den, a.den * b.den);
}

export function mul(a: Rational, b: Rational): Rational {
  return normalize(a.num * b.num, a.den * b.den);
}

export function div(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new RangeError('division by zero');
  return normalize(a.num * b.den, a.den * b.num);
}

export function sum(values: Iterable<Rational>): Rational {
  let total = ZERO;
  for (const value of values) total = add(total, value);
  return total;
}

export function compare(a: Rational, b: Rational): -1 | 0 | 1 {
  const left = a.num * b.den;
  const right = b.num * a.den;
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * Fixed-point text with `places` decimals, rounded half away from zero. Display only: decisions
 * compare the exact values, so `999999.995` shows as `1000000.00` but still fails `>= 1000000.00`
 * — which is why the observed value is truncated, not rounded, where a threshold is involved.
 */
export function toFixed(value: Rational, places: number, mode: 'round' | 'truncate' = 'round'): string {
  const scale = 10n ** BigInt(places);
  const negative = value.num < 0n;
  const magnitude = negative ? -value.num : value.num;
  let scaled = (magnitude * scale) / value.den;
  if (mode === 'round' && ((magnitude * scale) % value.den) * 2n >= value.den) scaled += 1n;
  const digits = scaled.toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = places > 0 ? `.${digits.slice(digits.length - places)}` : '';
  const isZero = scaled === 0n;
  return `${negative && !isZero ? '-' : ''}${whole}${fraction}`;
}

/** Shortest exact decimal text when the value has a finite expansion within `maxPlaces`. */
export function toPlainString(value: Rational, maxPlaces = 12): string {
  for (let places = 0; places <= maxPlaces; places++) {
    const scale = 10n ** BigInt(places);
    if ((value.num * scale) % value.den === 0n) return toFixed(value, places);
  }
  return toFixed(value, maxPlaces);
}

/** `12.50` → `12.5`, `3.000` → `3`; text without a decimal point is left as it is. */
export function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** `1234567` → `1,234,567`: a run of digits, without sign or decimal point. */
export function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function normalize(num: bigint, den: bigint): Rational {
  if (den === 0n) throw new RangeError('zero denominator');
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const divisor = gcd(num < 0n ? -num : num, den);
  return divisor > 1n ? { num: num / divisor, den: den / divisor } : { num, den };
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}

const EXPONENT_PATTERN = /^([-+]?)(\d*)(?:\.(\d*))?[eE]([-+]?\d+)$/;

/**
 * `1.5E+3` → `1500`, `0E-20` → `0`, `-2.5e-7` → `-0.00000025`: the same number written out in full,
 * by moving the decimal point in the digits, never through a float. Null when `text` is not in
 * exponent notation; throws when the number would need more than `maxDigits` digits to write.
 */
export function expandExponent(text: string, maxDigits = 400): string | null {
  const match = EXPONENT_PATTERN.exec(text);
  if (!match || (match[2] === '' && !match[3])) return null;
  const [, sign, whole = '', fraction = '', exponentText] = match;
  const digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') return '0';
  // The point sits after `point` of the significant digits (negative: that many zeros before them).
  const point = whole.replace(/^0+/, '').length - (whole.replace(/^0+/, '') === '' ? leadingZeros(fraction) : 0) + Number(exponentText);
  if (!Number.isSafeInteger(point) || Math.max(point, digits.length - point, digits.length) > maxDigits) {
    throw new DecimalFormatError(`too many digits to write out: '${text}'`);
  }
  const significant = digits.replace(/0+$/, '');
  const wholePart = point <= 0 ? '0' : `${significant.slice(0, point)}${'0'.repeat(Math.max(0, point - significant.length))}`;
  const fractionPart = point >= significant.length ? '' : `${'0'.repeat(Math.max(0, -point))}${significant.slice(Math.max(0, point))}`;
  return `${sign === '-' ? '-' : ''}${wholePart}${fractionPart ? `.${fractionPart}` : ''}`;
}

function leadingZeros(text: string): number {
  return text.length - text.replace(/^0+/, '').length;
}

/** An exact decimal and the text it was written as, for a figure repeated verbatim (a policy threshold). */
export interface WrittenDecimal {
  readonly value: Rational;
  readonly text: string;
}

export function writtenDecimal(text: string): WrittenDecimal {
  return { value: parseDecimal(text), text };
}
