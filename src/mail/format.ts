import type { IsoDate, Locale, Month } from '../domain/types.js';
import { groupThousands, mul, rational, type Rational, toFixed, trimZeros } from '../money/decimal.js';

/**
 * Amounts, shares and dates as a reader of each locale writes them, for the notices and the HTML
 * report. Every figure comes from an exact value; none passes through a float.
 */

const EN_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MONTH = /^(\d{4})-(\d{2})$/;

/** `15 October 2026`, `2026年10月15日`; anything that is not `YYYY-MM-DD` is left as it is. */
export function formatDate(iso: IsoDate, locale: Locale): string {
  const match = ISO_DATE.exec(iso);
  if (!match) return iso;
  const [year, month, day] = [match[1]!, Number(match[2]), Number(match[3])];
  return locale === 'ja' ? `${year}年${month}月${day}日` : `${day} ${EN_MONTHS[month - 1] ?? month} ${year}`;
}

/** `October 2026`, `2026年10月`. */
export function formatMonth(month: Month, locale: Locale): string {
  const match = ISO_MONTH.exec(month);
  if (!match) return month;
  const [year, m] = [match[1]!, Number(match[2])];
  return locale === 'ja' ? `${year}年${m}月` : `${EN_MONTHS[m - 1] ?? m} ${year}`;
}

/**
 * `-$1,234,567.89`, `-1,234,567.89 米ドル`. Notices truncate, like the observed values themselves: a
 * display must never round up to a threshold. A threshold is shown as its rule text rounds it.
 */
export function formatUsd(value: Rational, locale: Locale, mode: 'round' | 'truncate' = 'truncate'): string {
  const { sign, text } = formatAmount(value, mode);
  return locale === 'ja' ? `${sign}${text} 米ドル` : `${sign}$${text}`;
}

/** `68.5`, `1,000`: two places at most, truncated, without trailing zeros. */
export function formatNumber(value: Rational): string {
  const { sign, text } = formatAmount(value, 'truncate');
  return `${sign}${trimZeros(text)}`;
}

/** A share as a percentage to two places, truncated: `0.9` → `90%`, `2/3` → `66.66%`. */
export function formatPercent(share: Rational): string {
  return `${trimZeros(toFixed(mul(share, rational(100)), 2, 'truncate'))}%`;
}

function formatAmount(value: Rational, mode: 'round' | 'truncate'): { sign: string; text: string } {
  const fixed = toFixed(value, 2, mode);
  const sign = fixed.startsWith('-') ? '-' : '';
  const [whole = '0', fraction = '00'] = fixed.slice(sign.length).split('.');
  return { sign, text: `${groupThousands(whole)}.${fraction}` };
}
