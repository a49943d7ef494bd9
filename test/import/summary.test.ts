import { describe, expect, it } from 'vitest';
import { formatSummary, type ImportSummary, LISTED_UNMATCHED } from '../../src/import/summary.js';

function summary(overrides: Partial<ImportSummary> = {}): ImportSummary {
  return {
    file: 'revenue.csv',
    kind: 'revenue',
    format: 'canonical',
    encoding: 'utf8',
    status: 'imported',
    batchId: 4,
    rowsRead: 1_234_567,
    emptyRows: 0,
    inserted: 1_234_000,
    replaced: 567,
    skipped: 0,
    unmatched: [],
    warnings: [],
    millis: 12_345,
    readInWorker: false,
    replacedInvoices: [],
    ...overrides,
  };
}

describe('formatSummary', () => {
  it('says what was read, inserted and replaced, grouped for reading, with the encoding and time', () => {
    expect(formatSummary(summary())).toBe('revenue.csv: revenue, UTF-8 — 1,234,567 rows read, 1,234,000 inserted, 567 replaced in 12.35 s');
    expect(formatSummary(summary({ encoding: 'shift_jis', kind: 'partners', emptyRows: 1 }))).toMatch(/^revenue\.csv: partners, Shift_JIS — .*, 1 empty row skipped in/);
    expect(formatSummary(summary({ emptyRows: 3 }))).toMatch(/, 3 empty rows skipped in/);
  });

  it('says a file imported before changed nothing', () => {
    expect(formatSummary(summary({ status: 'unchanged', importedBefore: '2026-10-01T06:00:00.000Z', batchId: 2 }))).toBe(
      'revenue.csv: already imported on 2026-10-01T06:00:00.000Z (batch 2, same content); nothing changed',
    );
  });

  it('names the unmatched rows of an export by their ids, and counts the ones not listed', () => {
    const unmatched = [
      { line: 2, mpnId: '4100009', tenantId: null },
      { line: 3, mpnId: null, tenantId: 'aaaa-bbbb' },
      { line: 4, mpnId: '4100010', tenantId: 'cccc' },
    ];
    const text = formatSummary(summary({ format: 'partner-center', skipped: 1_503, unmatched }));
    expect(text.split('\n')).toEqual([
      expect.stringMatching(/^revenue\.csv: revenue \(Partner Center export\), UTF-8 — .*, 1,503 unmatched \(not imported\) in/),
      '  line 2: no partner has MpnId 4100009',
      '  line 3: no partner has PartnerId aaaa-bbbb',
      '  line 4: no partner has MpnId 4100010, PartnerId cccc',
      '  … and 1,500 more unmatched rows',
    ]);
  });

  it("names a Graph tenant no partner lists by its tenant id", () => {
    const text = formatSummary(summary({ format: 'graph-security-score', kind: 'security', skipped: 1, unmatched: [{ line: 7, mpnId: null, tenantId: 't-1' }] }));
    expect(text).toContain("(Microsoft Graph's partner security score)");
    expect(text).toContain('  line 7: no partner has tenant t-1 in its tenant_ids');
    expect(text).not.toContain('more unmatched');
  });

  it('describes each replaced invoice exactly, with the change signed, and counts those beyond the list', () => {
    const invoices = Array.from({ length: LISTED_UNMATCHED + 2 }, (_, i) => ({ invoice: `G${i}`, earlierLines: 1, totals: [{ currency: 'USD', before: '1', after: '1' }] }));
    invoices[0] = { invoice: 'G001', earlierLines: 6, totals: [{ currency: 'USD', before: '600', after: '1200.5' }, { currency: 'JPY', before: '100.125', after: '0' }] };
    const lines = formatSummary(summary({ replacedInvoices: invoices })).split('\n');
    expect(lines[1]).toBe('  invoice G001: 6 earlier lines replaced; total USD 600.00 → 1200.50 (+600.50), JPY 100.125 → 0.00 (-100.125)');
    expect(lines[2]).toBe('  invoice G1: 1 earlier line replaced; total USD 1.00 → 1.00 (±0.00)');
    expect(lines.filter((line) => line.startsWith('  invoice '))).toHaveLength(LISTED_UNMATCHED);
    expect(lines.at(-1)).toBe('  … and 2 more invoices replaced');
  });

  it('ends with every warning', () => {
    const lines = formatSummary(summary({ warnings: ['3 partners are not in the partners file: P1, P2, P3', 'second'] })).split('\n');
    expect(lines.slice(1)).toEqual(['  warning: 3 partners are not in the partners file: P1, P2, P3', '  warning: second']);
  });
});
