import { DecimalFormatError, FieldProblem } from '../errors.js';
import { expandExponent } from '../money/decimal.js';
import * as field from './fields.js';

/**
 * Amounts as integer micro-units (amount × 10^6): a JS number while it is a safe integer, a BigInt
 * beyond. No float ever holds an amount: text goes to integers digit by digit.
 */

const AMOUNT_PLACES = 6;
/** No single charge line is a trillion in any currency; beyond that a sum could overflow 64 bits. */
const AMOUNT_MAX_WHOLE = 999_999_999_999n;

/** Integer micro-units: a JS number when it is exactly representable, a BigInt otherwise. */
export function amountMicro(value: string): number | bigint {
  const plain = plainAmountMicro(value);
  if (plain !== undefined) return plain;
  const micro = field.scaledDecimal(value, AMOUNT_PLACES, AMOUNT_MAX_WHOLE);
  return micro >= BigInt(Number.MIN_SAFE_INTEGER) && micro <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(micro) : micro;
}

/**
 * The common case, `-?` then one to nine digits, then optionally `.` and one to six: read digit by
 * digit in exact integer arithmetic (at most 15 digits, below 2^53), for it runs once per revenue
 * line. Anything else is undefined, and goes through the BigInt path and its messages.
 */
function plainAmountMicro(value: string): number | undefined {
  const length = value.length;
  const negative = value.charCodeAt(0) === 45;
  let i = negative ? 1 : 0;
  let whole = 0;
  const wholeStart = i;
  for (; i < length; i++) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break;
    whole = whole * 10 + digit;
  }
  if (i === wholeStart || i - wholeStart > 9) return undefined;
  let fraction = 0;
  let places = 0;
  if (i < length) {
    if (value.charCodeAt(i) !== 46) return undefined;
    for (i++; i < length; i++, places++) {
      const digit = value.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return undefined;
      fraction = fraction * 10 + digit;
    }
    if (places === 0 || places > AMOUNT_PLACES) return undefined;
  }
  const micro = whole * 1_000_000 + fraction * 10 ** (AMOUNT_PLACES - places);
  // `-0` and `-0.00` are zero, not a negative credit.
  return negative && micro !== 0 ? -micro : micro;
}

/**
 * An amount as Partner Center exports write it and spreadsheets pass it on: as `amountMicro`, and
 * also behind a spreadsheet's text-guard apostrophe (`'123.45`) or in exponent notation (`0E-20`,
 * `1.5E+3`), which is written out exactly first. Thousands separators are refused: they come from
 * a spreadsheet's number format, which may also have rounded the value.
 */
export function exportedAmountMicro(value: string): number | bigint {
  const plain = plainAmountMicro(value);
  if (plain !== undefined) return plain;
  const text = withoutTextGuard(value.trim());
  if (THOUSANDS.test(text)) throw new FieldProblem('has thousands separators: export again; do not save from a spreadsheet (its number format may also have rounded the amount)');
  if (DECIMAL_COMMA.test(text)) throw new FieldProblem('uses a comma as decimal point: export again; do not save from a spreadsheet');
  let expanded: string | null;
  try {
    expanded = expandExponent(text);
  } catch (error) {
    if (!(error instanceof DecimalFormatError)) throw error;
    throw new FieldProblem(`is in exponent notation with more digits than an amount can have (at most ${AMOUNT_MAX_WHOLE.toLocaleString('en-US')} with ${AMOUNT_PLACES} decimal places)`);
  }
  if (expanded === null) return amountMicro(text);
  try {
    return amountMicro(expanded);
  } catch (error) {
    if (!(error instanceof FieldProblem)) throw error;
    const shown = expanded.length > 40 ? `a number of ${expanded.length} characters` : expanded;
    const why = error.message.includes('decimal places') ? ', more precision than an amount is kept with (to the millionth, exactly)' : '';
    throw new FieldProblem(`is ${shown} written out, which ${error.message}${why}`);
  }
}

const THOUSANDS = /^-?\d{1,3}(,\d{3})+(\.\d+)?$/;
const DECIMAL_COMMA = /^-?\d+,\d+$/;

/** A cell without the apostrophe a spreadsheet puts before text that looks like a number or date. */
export function withoutTextGuard(value: string): string {
  return value.charCodeAt(0) === 39 ? value.slice(1).trim() : value;
}
