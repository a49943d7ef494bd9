import { isEmail } from '../domain/email.js';
import { FieldProblem } from '../errors.js';

/**
 * Field parsers for CSV cells. Each returns the clean value, or throws FieldProblem with a reason
 * a person can act on; the caller adds the file, line, column and value.
 */

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
/**
 * C0 and C1 controls (CR, LF, NUL, TAB, NEL…), the Unicode line and paragraph separators, and the
 * bidirectional embedding and override controls, which can make a name display as something else.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** A required single-line text value: no control characters, no line break of any kind. */
export function text(value: string, maxLength = 200): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new FieldProblem('is empty');
  return singleLine(trimmed, maxLength);
}

export function optionalText(value: string, maxLength = 200): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : singleLine(trimmed, maxLength);
}

function singleLine(value: string, maxLength: number): string {
  if (CONTROL.test(value)) {
    throw new FieldProblem(value.includes('\u0000') ? 'contains a NUL byte' : 'contains a line break or control character');
  }
  if (value.length > maxLength) throw new FieldProblem(`is ${value.length} characters long; at most ${maxLength} allowed`);
  return value;
}

/**
 * `YYYY-MM-DD`, a real calendar day. It runs once per revenue line, so the common case (exactly
 * ten characters, digits and dashes) is checked character by character; anything else, surrounding
 * spaces included, goes through the pattern and its messages.
 */
export function isoDate(value: string): string {
  if (value.length === 10 && value.charCodeAt(4) === 45 && value.charCodeAt(7) === 45 && isCalendarDay(digitsAt(value, 0, 4), digitsAt(value, 5, 2), digitsAt(value, 8, 2))) {
    return value;
  }
  return checkIsoDate(value);
}

/** The number the `length` ASCII digits of `text` from `start` write, or NaN if one is not a digit. */
export function digitsAt(text: string, start: number, length: number): number {
  let value = 0;
  for (let i = start; i < start + length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

function checkIsoDate(value: string): string {
  const trimmed = value.trim();
  const match = DAY.exec(trimmed);
  if (!match) throw new FieldProblem(dateHint(trimmed, 'a date as YYYY-MM-DD'));
  if (!isCalendarDay(+match[1]!, +match[2]!, +match[3]!)) throw new FieldProblem('is not a real calendar date');
  return trimmed;
}

/** `YYYY-MM`. */
export function isoMonth(value: string): string {
  const trimmed = value.trim();
  const match = MONTH.exec(trimmed);
  if (!match) throw new FieldProblem(dateHint(trimmed, 'a month as YYYY-MM'));
  const month = Number(match[2]);
  if (month < 1 || month > 12) throw new FieldProblem('is not a real calendar month');
  return trimmed;
}

/**
 * Gregorian calendar validity by arithmetic: this runs for every line of multi-million-line files,
 * where building a date object per cell would cost more than the rest of the row.
 */
export function isCalendarDay(year: number, month: number, day: number): boolean {
  // Written so that NaN (not a number) fails every test.
  if (!(year >= 1 && month >= 1 && month <= 12 && day >= 1)) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const length = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= length;
}

function dateHint(value: string, expected: string): string {
  if (value === '') return `is empty; expected ${expected}`;
  if (/^\d{5}(\.\d+)?$/.test(value)) return `looks like a spreadsheet serial number; expected ${expected}`;
  return `is not ${expected}`;
}

export interface AmountLimits {
  maxPlaces: number;
  /** Largest magnitude allowed, in whole units. */
  maxWhole: bigint;
}

/**
 * An exact decimal as integer units of 10^-places. Trailing zeros beyond `places` are accepted
 * (`1.50000000`), any other extra digit is refused: an amount is never silently rounded.
 */
export function scaledDecimal(value: string, places: number, maxWhole: bigint): bigint {
  const trimmed = value.trim();
  const match = DECIMAL.exec(trimmed);
  if (!match) throw new FieldProblem(decimalHint(trimmed));
  const [, sign, whole, rawFraction = ''] = match;
  const fraction = rawFraction.replace(/0+$/, '');
  if (fraction.length > places) throw new FieldProblem(`has more than ${places} decimal places`);
  if (BigInt(whole!) > maxWhole) throw new FieldProblem(`is larger than ${maxWhole.toLocaleString('en-US')}`);
  const magnitude = BigInt(whole! + fraction.padEnd(places, '0'));
  // `-0` and `-0.00` are zero, not a negative credit.
  return sign === '-' && magnitude !== 0n ? -magnitude : magnitude;
}

function decimalHint(value: string): string {
  if (value === '') return 'is empty; expected a number';
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(value)) return 'has thousands separators; write the number without them';
  if (/^-?\d+,\d+$/.test(value)) return 'uses a comma as decimal point; use a dot';
  if (/^-?\d*\.?\d+e[+-]?\d+$/i.test(value)) return 'is in exponent notation; write the number in full';
  if (/^\(\d+(\.\d+)?\)$/.test(value)) return 'is in accounting notation; write a credit as -123.45';
  if (/^[=+@]/.test(value)) return 'looks like a spreadsheet formula, not a number';
  return 'is not a decimal number';
}

/** A plain decimal kept as exact text (normalised: no leading `+`, no `-0`). */
export function decimalText(value: string, options: { min?: string; max?: string; positive?: boolean; maxPlaces?: number } = {}): string {
  const trimmed = value.trim();
  const match = DECIMAL.exec(trimmed);
  if (!match) throw new FieldProblem(decimalHint(trimmed));
  const places = options.maxPlaces ?? 12;
  const scaled = scaledDecimal(trimmed, places, 10n ** 15n);
  if (options.positive && scaled <= 0n) throw new FieldProblem('must be greater than 0');
  const scale = 10n ** BigInt(places);
  if (options.min !== undefined && scaled < BigInt(options.min) * scale) throw new FieldProblem(`must be at least ${options.min}`);
  if (options.max !== undefined && scaled > BigInt(options.max) * scale) throw new FieldProblem(`must be at most ${options.max}`);
  return formatScaled(scaled, places);
}

function formatScaled(scaled: bigint, places: number): string {
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** A whole number ≥ 0. */
export function count(value: string): number {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed)) {
    throw new FieldProblem(trimmed === '' ? 'is empty; expected a whole number' : 'is not a whole number ≥ 0');
  }
  const parsed = Number(trimmed);
  if (!Number.isSafeInteger(parsed) || parsed > 1_000_000_000) throw new FieldProblem('is implausibly large');
  return parsed;
}

/** One of the allowed values, matched case-insensitively, returned in its canonical spelling. */
export function oneOf<T extends string>(value: string, allowed: readonly T[]): T {
  const trimmed = value.trim().toLowerCase();
  const found = allowed.find((candidate) => candidate.toLowerCase() === trimmed);
  if (!found) throw new FieldProblem(`is not one of ${allowed.join(', ')}`);
  return found;
}

export function email(value: string): string {
  const address = text(value, 254);
  if (!isEmail(address)) throw new FieldProblem('is not a well-formed email address');
  return address;
}

/** `;`-separated list of emails; `min` of them at least. */
export function emailList(value: string, min: number): string[] {
  const parts = list(value);
  if (parts.length < min) throw new FieldProblem(min === 1 ? 'is empty; at least one email address is needed' : 'has too few addresses');
  for (const part of parts) {
    try {
      email(part);
    } catch (error) {
      throw new FieldProblem(`'${part}' ${(error as Error).message}`);
    }
  }
  return parts;
}

/** `;`-separated list of single-line values. */
export function list(value: string): string[] {
  return value
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => singleLine(part, 200));
}

/** ISO 4217: three letters, upper-cased. */
export function currency(value: string): string {
  // Nearly every cell is already three upper-case letters: no copy, no pattern, for millions of lines.
  if (value.length === 3 && isUpperAscii(value.charCodeAt(0)) && isUpperAscii(value.charCodeAt(1)) && isUpperAscii(value.charCodeAt(2))) return value;
  const trimmed = value.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(trimmed)) throw new FieldProblem('is not a three-letter ISO 4217 currency code');
  return trimmed;
}

function isUpperAscii(code: number): boolean {
  return code >= 65 && code <= 90;
}
