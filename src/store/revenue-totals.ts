import type { ImportTx } from '../db/bulk-transaction.js';
import { TARGETS } from './import-targets.js';

/** Adds sums to revenue_totals: rows of partner_id, month, currency, amount_micro, lines, one after another. */
export async function addRevenueTotals(tx: ImportTx, values: readonly unknown[]): Promise<void> {
  if (values.length > 0) await tx.insertRows(TARGETS.revenueTotals, values);
}

/**
 * A total SQLite could not keep as an integer, or null. SQLite does not refuse an overflowing sum:
 * it turns it into an inexact floating-point number (PostgreSQL refuses it as it is written).
 */
export async function findInexactTotal(tx: ImportTx): Promise<{ partnerId: string; month: string; currency: string } | null> {
  if (tx.engine !== 'sqlite') return null;
  const [inexact] = await tx.all<{ partner_id: string; month: string; currency: string }>(
    "SELECT partner_id, month, currency FROM revenue_totals WHERE typeof(amount_micro) <> 'integer' LIMIT 1",
  );
  return inexact ? { partnerId: inexact.partner_id, month: inexact.month, currency: inexact.currency } : null;
}

/** Drops the totals whose lines were all replaced or deleted. */
export async function deleteEmptyTotals(tx: ImportTx): Promise<void> {
  await tx.run('DELETE FROM revenue_totals WHERE lines = 0');
}
