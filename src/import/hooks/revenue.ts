import type { ImportTx } from '../../db/bulk-transaction.js';
import { ImportRejected } from '../../errors.js';
import { listImportedPartnerIds } from '../../store/partner-aliases.js';
import { addRevenueTotals, deleteEmptyTotals, findInexactTotal } from '../../store/revenue-totals.js';
import type { ImportSummary } from '../summary.js';
import { RevenueTotals, TOTALS_WIDTH } from '../totals.js';
import type { KindHooks } from './index.js';

/** Revenue of either layout: what its lines add up to is written to revenue_totals once the file is read. */
export async function withRevenueTotals(tx: ImportTx, summary: ImportSummary, sourceHooks: (totals: RevenueTotals) => KindHooks | Promise<KindHooks>): Promise<KindHooks> {
  const totals = new RevenueTotals();
  const source = await sourceHooks(totals);
  return {
    ...source,
    observe(values, rows, width) {
      source.observe?.(values, rows, width);
      totals.addRows(values, rows, width);
    },
    async beforeFinish() {
      await source.beforeFinish?.();
      await writeTotals(tx, summary.file, totals.rows());
    },
  };
}

/**
 * Writes what the imported lines add to revenue_totals (the triggers on revenue_lines take out what
 * upserts and deletes remove). A sum beyond 64 bits refuses the file, naming where it overflows.
 */
async function writeTotals(tx: ImportTx, file: string, values: unknown[]): Promise<void> {
  // A sum kept as a number is a safe integer; only one kept as BigInt can be too large.
  for (let offset = 0; offset < values.length; offset += TOTALS_WIDTH) {
    const total = values[offset + 3];
    if (typeof total === 'bigint' && (total > INT64_MAX || total < -INT64_MAX)) throw totalTooLarge(file, values[offset] as string, values[offset + 1] as string, values[offset + 2] as string);
  }
  try {
    await addRevenueTotals(tx, values);
  } catch (error) {
    // PostgreSQL refuses a bigint that overflows: numeric_value_out_of_range.
    if ((error as { code?: string }).code === '22003') throw totalTooLarge(file, 'one of the partners', 'a month', 'one currency');
    throw error;
  }
  const inexact = await findInexactTotal(tx);
  if (inexact) throw totalTooLarge(file, inexact.partnerId, inexact.month, inexact.currency);
  await deleteEmptyTotals(tx);
}

const INT64_MAX = 2n ** 63n - 1n;

/** A month's revenue too large to keep exact in 64-bit micro-units (about 9.2 trillion of a currency). */
function totalTooLarge(file: string, partnerId: string, month: string, currency: string): ImportRejected {
  return new ImportRejected(file, [
    {
      file,
      line: 0,
      column: '',
      value: '',
      message: `the revenue of ${partnerId} dated in ${month} in ${currency} would add up to more than 9,223,372,036,854 units, which cannot be kept exact; check the amounts`,
    },
  ], 1);
}

/**
 * Canonical revenue: rows for partners not (yet) imported are kept, and counted in a warning. The
 * partners are checked once each, from the sums, at the end, rather than once per line.
 */
export async function revenueHooks(tx: ImportTx, summary: ImportSummary, totals: RevenueTotals): Promise<KindHooks> {
  const known = await listImportedPartnerIds(tx);
  return {
    async beforeFinish() {
      const unknown = totals.partnerIds().filter((partnerId) => !known.has(partnerId));
      summary.warnings = unknown.length === 0 ? [] : [`${unknown.length} partner id(s) are not in the partners file: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''}`];
    },
  };
}
