import { FieldProblem } from '../errors.js';
import { digitsAt, isCalendarDay } from './fields.js';

/**
 * Dates as Partner Center and Microsoft Graph write them, and as the tools people pass the files
 * through write them back, each to its UTC calendar day (`YYYY-MM-DD`):
 * - `M/D/YYYY`, optionally with a time (`8/1/2025 12:00:00 AM`, `2/1/2019 0:00`): Partner Center's own;
 * - `YYYY-MM-DD`, optionally with a time and `Z` or a UTC offset, which is converted to the UTC day
 *   (`2025-09-30T20:00:00-04:00` is 2025-10-01);
 * - `YYYY/M/D`, optionally with a time: what Excel in Japan writes back.
 * A time without a zone is UTC, as Partner Center's dates are. Read character by character, for
 * this runs once per line of multi-million-line exports.
 */
export function exportedDate(value: string): string {
  const text = value.trim();
  const reader = new Reader(text);
  const first = reader.digits(1, 4);
  let year: number;
  let month: number;
  let day: number;
  let iso = false;
  if (first.length === 4 && reader.take('-')) {
    iso = true;
    [year, month, day] = [first.value, reader.digits(2, 2).value, reader.take('-') ? reader.digits(2, 2).value : Number.NaN];
  } else if (first.length === 4 && reader.take('/')) {
    [year, month, day] = [first.value, reader.digits(1, 2).value, reader.take('/') ? reader.digits(1, 2).value : Number.NaN];
  } else if (first.length <= 2 && reader.take('/')) {
    month = first.value;
    day = reader.digits(1, 2).value;
    year = reader.take('/') ? reader.digits(4, 4).value : Number.NaN;
  } else {
    throw new FieldProblem(hintFor(text));
  }
  if (Number.isNaN(year + month + day)) throw new FieldProblem(hintFor(text));
  if (!isCalendarDay(year, month, day)) throw new FieldProblem('is not a real calendar date');
  const shift = reader.atEnd() ? 0 : readTime(reader, text, iso);
  return shift === 0 ? formatDay(year, month, day) : shiftDay(year, month, day, shift);
}

/**
 * The rest after the date: ` ` or `T`, then `h:mm`, `:ss` and a fraction optionally, then `AM`/`PM`
 * (US and Japanese forms) or `Z` or an offset (ISO form). Returns the days the UTC date lies from the
 * written one: -1, 0 or 1.
 */
function readTime(reader: Reader, text: string, iso: boolean): number {
  if (!(reader.take(' ') || (iso && reader.take('T')))) throw new FieldProblem(hintFor(text));
  while (reader.take(' '));
  let hour = reader.digits(1, 2).value;
  const minute = reader.take(':') ? reader.digits(2, 2).value : Number.NaN;
  let second = 0;
  if (reader.take(':')) {
    second = reader.digits(2, 2).value;
    if (reader.take('.')) reader.digits(1, 9);
  }
  if (Number.isNaN(hour + minute + second)) throw new FieldProblem(hintFor(text));
  while (reader.take(' '));
  const meridiem = iso ? null : reader.meridiem();
  if (meridiem !== null) {
    if (hour < 1 || hour > 12) throw new FieldProblem('is not a real time of day');
    hour = (hour % 12) + (meridiem === 'PM' ? 12 : 0);
  }
  if (hour > 23 || minute > 59 || second > 59) throw new FieldProblem('is not a real time of day');
  const offset = iso ? reader.offsetMinutes() : 0;
  if (Number.isNaN(offset)) throw new FieldProblem('has an impossible UTC offset');
  if (!reader.atEnd()) throw new FieldProblem(hintFor(text));
  return Math.floor((hour * 60 + minute - offset) / (24 * 60));
}

class Reader {
  at = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.at === this.text.length;
  }

  take(char: string): boolean {
    if (this.text[this.at] !== char) return false;
    this.at++;
    return true;
  }

  /**
   * A run of `min` to `max` ASCII digits and its value; NaN (with length 0) when there is none such.
   * `exact` reads only `max` digits, for fields written side by side without a separator (`+0900`).
   */
  digits(min: number, max: number, exact = false): { value: number; length: number } {
    let end = this.at;
    const limit = exact ? max : max + 1;
    while (end < this.text.length && end - this.at < limit && this.text.charCodeAt(end) >= 48 && this.text.charCodeAt(end) <= 57) end++;
    const length = end - this.at;
    if (length < min || length > max) return { value: Number.NaN, length: 0 };
    const value = digitsAt(this.text, this.at, length);
    this.at = end;
    return { value, length };
  }

  meridiem(): 'AM' | 'PM' | null {
    const word = this.text.slice(this.at, this.at + 2).toUpperCase();
    if (word !== 'AM' && word !== 'PM') return null;
    this.at += 2;
    return word;
  }

  /** `Z`, `±hh:mm`, `±hhmm` or `±hh` in minutes east of UTC; 0 when there is none; NaN when malformed. */
  offsetMinutes(): number {
    if (this.take('Z') || this.take('z')) return 0;
    const sign = this.take('+') ? 1 : this.take('-') ? -1 : 0;
    if (sign === 0) return 0;
    const hours = this.digits(2, 2, true).value;
    const minutes = this.take(':') ? this.digits(2, 2).value : this.atEnd() ? 0 : this.digits(2, 2).value;
    return hours <= 14 && minutes <= 59 ? sign * (hours * 60 + minutes) : Number.NaN;
  }
}

function formatDay(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/** The day before or after a real calendar day. */
function shiftDay(year: number, month: number, day: number, by: number): string {
  if (by > 0) {
    if (isCalendarDay(year, month, day + 1)) return formatDay(year, month, day + 1);
    return month === 12 ? formatDay(year + 1, 1, 1) : formatDay(year, month + 1, 1);
  }
  if (day > 1) return formatDay(year, month, day - 1);
  const [y, m] = month === 1 ? [year - 1, 12] : [year, month - 1];
  let last = 31;
  while (!isCalendarDay(y, m, last)) last--;
  return formatDay(y, m, last);
}

function hintFor(text: string): string {
  const expected = 'a date as M/D/YYYY, YYYY-MM-DD or YYYY/M/D (a time may follow)';
  if (text === '') return `is empty; expected ${expected}`;
  if (/^\d{5}(\.\d+)?$/.test(text)) return `looks like a spreadsheet serial number; expected ${expected}`;
  return `is not ${expected}`;
}
