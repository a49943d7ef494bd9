import { parseDecimal, sub, toPlainString } from '../money/decimal.js';
import type { Encoding } from './encoding.js';
import type { ImportKind, ImportFormat } from './kinds.js';

export interface UnmatchedRow {
  line: number;
  mpnId: string | null;
  tenantId: string | null;
}

export interface ImportSummary {
  file: string;
  kind: ImportKind;
  format: ImportFormat;
  encoding: Encoding | null;
  /** `unchanged`: the same file (by sha256) was imported before; nothing was done. */
  status: 'imported' | 'unchanged';
  batchId: number;
  rowsRead: number;
  /** Rows of nothing but empty fields, skipped (counted in `rowsRead`). */
  emptyRows: number;
  inserted: number;
  replaced: number;
  /** Partner Center rows whose partner could not be found. */
  skipped: number;
  unmatched: UnmatchedRow[];
  warnings: string[];
  millis: number;
  /** Whether the file was parsed in a worker thread beside the inserts. */
  readInWorker: boolean;
  importedBefore?: string;
  /** Invoices of earlier imports whose lines this file replaced (filled in once the whole import is read). */
  replacedInvoices: InvoiceReplacement[];
}

/** An invoice an import holds whose lines an earlier import brought: what it had, and what it has now. */
export interface InvoiceReplacement {
  invoice: string;
  /** How many lines of earlier imports were replaced. */
  earlierLines: number;
  /** Per currency, exact decimal text: the invoice's total before this import and after it. */
  totals: Array<{ currency: string; before: string; after: string }>;
}

/** How many unmatched rows and replaced invoices a summary lists; all are counted. */
export const LISTED_UNMATCHED = 20;

export function formatSummary(summary: ImportSummary): string {
  if (summary.status === 'unchanged') {
    return `${summary.file}: already imported on ${summary.importedBefore} (batch ${summary.batchId}, same content); nothing changed`;
  }
  const encoding = summary.encoding === 'shift_jis' ? 'Shift_JIS' : 'UTF-8';
  const parts = [`${n(summary.rowsRead)} rows read`, `${n(summary.inserted)} inserted`, `${n(summary.replaced)} replaced`];
  if (summary.format !== 'canonical') parts.push(`${n(summary.skipped)} unmatched (not imported)`);
  if (summary.emptyRows > 0) parts.push(`${n(summary.emptyRows)} empty row${summary.emptyRows === 1 ? '' : 's'} skipped`);
  const lines = [`${summary.file}: ${summary.kind}${FORMAT_NAMES[summary.format]}, ${encoding} — ${parts.join(', ')} in ${(summary.millis / 1000).toFixed(2)} s`];
  for (const row of summary.unmatched) {
    const ids =
      summary.format === 'graph-security-score'
        ? `tenant ${row.tenantId} in its tenant_ids`
        : [row.mpnId ? `MpnId ${row.mpnId}` : null, row.tenantId ? `PartnerId ${row.tenantId}` : null].filter(Boolean).join(', ');
    lines.push(`  line ${row.line}: no partner has ${ids}`);
  }
  if (summary.skipped > summary.unmatched.length) lines.push(`  … and ${n(summary.skipped - summary.unmatched.length)} more unmatched rows`);
  for (const replaced of summary.replacedInvoices.slice(0, LISTED_UNMATCHED)) lines.push(`  ${describeReplacement(replaced)}`);
  const more = summary.replacedInvoices.length - LISTED_UNMATCHED;
  if (more > 0) lines.push(`  … and ${n(more)} more invoice${more === 1 ? '' : 's'} replaced`);
  for (const warning of summary.warnings) lines.push(`  warning: ${warning}`);
  return lines.join('\n');
}

const FORMAT_NAMES: Readonly<Record<ImportFormat, string>> = {
  canonical: '',
  'partner-center': ' (Partner Center export)',
  'graph-security-score': " (Microsoft Graph's partner security score)",
};

/** `invoice G001: 6 earlier lines replaced; total USD 600.00 → 1200.50 (+600.50)`, exact. */
function describeReplacement(replaced: InvoiceReplacement): string {
  const totals = replaced.totals.map(({ currency, before, after }) => {
    const change = sub(parseDecimal(after), parseDecimal(before));
    const sign = change.num > 0n ? '+' : change.num < 0n ? '' : '±';
    return `${currency} ${money(before)} → ${money(after)} (${sign}${money(toPlainString(change, 6))})`;
  });
  const lines = `${n(replaced.earlierLines)} earlier line${replaced.earlierLines === 1 ? '' : 's'} replaced`;
  return `invoice ${replaced.invoice}: ${lines}; total ${totals.join(', ')}`;
}

/** Exact decimal text with at least two decimal places: `600` → `600.00`, `0.125` stays. */
function money(text: string): string {
  const [whole, fraction = ''] = text.split('.');
  return `${whole}.${fraction.padEnd(2, '0')}`;
}

function n(value: number): string {
  return value.toLocaleString('en-US');
}
