import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RevenueTotals, TOTALS_WIDTH } from '../../src/import/totals.js';

const SEED = 20_261_125;

interface Line {
  partner: string;
  date: string;
  amount: number | bigint;
  currency: string;
}

const SAFE = Number.MAX_SAFE_INTEGER;
/** Amounts as the reader gives them: safe-integer micro-units, and BigInt when beyond. */
const amountArb = fc.oneof(
  fc.integer({ min: -5_000_000_000, max: 5_000_000_000 }),
  fc.constantFrom(SAFE, -SAFE, SAFE - 1, 999_999_999_999_999),
  fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
);
const lineArb = fc.record({
  partner: fc.integer({ min: 0, max: 400 }).map((n) => `P${n}`),
  date: fc.record({ year: fc.integer({ min: 1999, max: 2031 }), month: fc.integer({ min: 1, max: 12 }) }).map(({ year, month }) => `${year}-${String(month).padStart(2, '0')}-15`),
  amount: amountArb,
  currency: fc.constantFrom('USD', 'JPY', 'EUR', 'AUD', 'GBP'),
});

/** The sums the plain way: BigInt per partner, month and currency, in key order. */
function expected(lines: Line[]): Array<[string, string, string, bigint, number]> {
  const sums = new Map<string, { sum: bigint; lines: number }>();
  for (const line of lines) {
    const key = [line.partner, line.date.slice(0, 7), line.currency].join('\u0000');
    const group = sums.get(key) ?? { sum: 0n, lines: 0 };
    group.sum += BigInt(line.amount);
    group.lines++;
    sums.set(key, group);
  }
  return [...sums.keys()].sort().map((key) => {
    const [partner, month, currency] = key.split('\u0000') as [string, string, string];
    return [partner, month, currency, sums.get(key)!.sum, sums.get(key)!.lines];
  });
}

function actual(values: unknown[]): Array<[string, string, string, bigint, number]> {
  const rows: Array<[string, string, string, bigint, number]> = [];
  for (let at = 0; at < values.length; at += TOTALS_WIDTH) {
    const [partner, month, currency, total, lines] = values.slice(at, at + TOTALS_WIDTH) as [string, string, string, number | bigint, number];
    if (typeof total === 'number') expect(Number.isSafeInteger(total)).toBe(true);
    rows.push([partner, month, currency, BigInt(total), lines]);
  }
  return rows;
}

describe('monthly revenue totals', () => {
  it('sum exactly, whatever the amounts, through every growth of the table, and come out in key order', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 4000 }), (lines) => {
        const totals = new RevenueTotals();
        for (const line of lines) totals.add(line.partner, line.date, line.amount, line.currency);
        expect(actual(totals.rows())).toEqual(expected(lines));
        expect(totals.partnerIds()).toEqual([...new Set(lines.map((line) => line.partner))]);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('keep a sum exact past 2^53, where a float64 alone would round it', () => {
    const totals = new RevenueTotals();
    const rows = [
      ['P1', '2026-01-05', SAFE, 'USD'],
      ['P1', '2026-01-06', 2, 'USD'],
      ['P1', '2026-01-07', 2n ** 63n - 1n - BigInt(SAFE) - 2n, 'USD'],
      ['P2', '2026-01-05', 1, 'USD'],
    ] as const;
    totals.addRows(rows.flat(), rows.length, 4);
    expect(actual(totals.rows())).toEqual([
      ['P1', '2026-01', 'USD', 2n ** 63n - 1n, 3],
      ['P2', '2026-01', 'USD', 1n, 1],
    ]);
  });

  it('hold some 50,000 sums of 2,000 partners, with lines in no order', () => {
    const totals = new RevenueTotals();
    const lines: Line[] = [];
    for (let i = 0; i < 200_000; i++) {
      const n = (i * 7_919) % 50_000;
      lines.push({ partner: `P${n % 2000}`, date: `2026-${String(1 + (Math.floor(n / 2000) % 12)).padStart(2, '0')}-01`, amount: i - 100_000, currency: n % 50_000 < 24_000 ? 'USD' : 'JPY' });
    }
    for (const line of lines) totals.add(line.partner, line.date, line.amount, line.currency);
    expect(actual(totals.rows())).toEqual(expected(lines));
  });
});
