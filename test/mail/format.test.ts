import { describe, expect, it } from 'vitest';
import { formatDate, formatMonth, formatNumber, formatPercent, formatUsd } from '../../src/mail/format.js';
import { parseDecimal, rational } from '../../src/money/decimal.js';

describe('locale-aware formatting', () => {
  it('writes dollars in each locale, truncated in notices and rounded where asked, digits a float would lose included', () => {
    expect(formatUsd(parseDecimal('-12345678901234567.899'), 'en')).toBe('-$12,345,678,901,234,567.89');
    expect(formatUsd(parseDecimal('999999.999'), 'ja')).toBe('999,999.99 米ドル');
    expect(formatUsd(parseDecimal('999999.995'), 'en', 'round')).toBe('$1,000,000.00');
    expect(formatUsd(parseDecimal('-0.001'), 'en')).toBe('$0.00');
  });

  it('writes scores without trailing zeros and shares as truncated percentages', () => {
    expect(formatNumber(parseDecimal('68.50'))).toBe('68.5');
    expect(formatNumber(parseDecimal('1000'))).toBe('1,000');
    expect(formatPercent(rational(2, 3))).toBe('66.66%');
    expect(formatPercent(rational(1))).toBe('100%');
  });

  it('writes dates and months as each locale reads them, and leaves anything else alone', () => {
    expect(formatDate('2026-10-05', 'en')).toBe('5 October 2026');
    expect(formatDate('2026-10-05', 'ja')).toBe('2026年10月5日');
    expect(formatMonth('2026-10', 'en')).toBe('October 2026');
    expect(formatMonth('2026-10', 'ja')).toBe('2026年10月');
    expect(formatDate('not a date', 'ja')).toBe('not a date');
  });
});
