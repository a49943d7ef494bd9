import { DateTime } from 'luxon';
import type { IsoDate, Month } from '../domain/types.js';

/**
 * Calendar arithmetic on `YYYY-MM-DD` days and `YYYY-MM` months. A calendar day carries no time
 * of day, so adding days or months to it gives the same answer in every zone; the policy's zone
 * matters only when deciding which day "today" is (`todayIn`).
 */

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^\d{4}-\d{2}$/;

function day(date: IsoDate): DateTime {
  const parsed = DateTime.fromISO(date, { zone: 'UTC' });
  if (!DAY.test(date) || !parsed.isValid) throw new RangeError(`not a calendar day: '${date}'`);
  return parsed;
}

function month(value: Month): DateTime {
  const parsed = DateTime.fromISO(`${value}-01`, { zone: 'UTC' });
  if (!MONTH.test(value) || !parsed.isValid) throw new RangeError(`not a calendar month: '${value}'`);
  return parsed;
}

const isoDay = (value: DateTime): IsoDate => value.toFormat('yyyy-MM-dd');
const isoMonth = (value: DateTime): Month => value.toFormat('yyyy-MM');

/** `2026-02-30` and `2026-2-3` are not days: null. */
export function parseIsoDate(text: string): IsoDate | null {
  const trimmed = text.trim();
  return DAY.test(trimmed) && DateTime.fromISO(trimmed, { zone: 'UTC' }).isValid ? trimmed : null;
}

export function parseMonth(text: string): Month | null {
  const trimmed = text.trim();
  return MONTH.test(trimmed) && DateTime.fromISO(`${trimmed}-01`, { zone: 'UTC' }).isValid ? trimmed : null;
}

/** The calendar day it is in `zone` at the instant `now`. */
export function todayIn(zone: string, now: Date): IsoDate {
  return isoDay(DateTime.fromJSDate(now, { zone }));
}

export function monthOf(date: IsoDate): Month {
  return isoMonth(day(date));
}

export function addMonthsToMonth(value: Month, months: number): Month {
  return isoMonth(month(value).plus({ months }));
}

export function firstDayOf(value: Month): IsoDate {
  return isoDay(month(value));
}

export function lastDayOf(value: Month): IsoDate {
  return isoDay(month(value).endOf('month'));
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return isoDay(day(date).plus({ days }));
}

/** Calendar months later; a day the target month lacks becomes its last day (2024-02-29 + 12 → 2025-02-28). */
export function addMonthsToDate(date: IsoDate, months: number): IsoDate {
  return isoDay(day(date).plus({ months }));
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round(day(to).diff(day(from), 'days').days);
}

export function laterOf(a: IsoDate, b: IsoDate): IsoDate {
  return a >= b ? a : b;
}

/** The `windowMonths` whole calendar months before the cycle month. */
export function ttmWindow(cycle: Month, windowMonths: number): { from: IsoDate; to: IsoDate; months: Month[] } {
  const months = Array.from({ length: windowMonths }, (_, i) => addMonthsToMonth(cycle, i - windowMonths));
  return { from: firstDayOf(months[0]!), to: lastDayOf(months[months.length - 1]!), months };
}

/** Months from `from` to `to`, both included, in order. */
export function monthsBetween(from: Month, to: Month): Month[] {
  const result: Month[] = [];
  for (let current = from; current <= to; current = addMonthsToMonth(current, 1)) result.push(current);
  return result;
}
