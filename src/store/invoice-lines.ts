import type { ImportTx } from '../db/bulk-transaction.js';

/** Lines of Partner Center exports: only these belong to an invoice that a later export replaces. */
const FROM_EXPORTS = "transaction_id IS NULL AND batch_id IN (SELECT id FROM import_batches WHERE format = 'partner-center')";

export interface InvoiceTotal {
  invoice: string;
  currency: string;
  /** Exact, in micro-units. */
  totalMicro: bigint;
  lines: number;
}

const list = (values: readonly unknown[]) => values.map(() => '?').join(', ');

function earlierWhere(invoices: readonly string[], exceptBatchIds: readonly number[]): string {
  return `invoice_number IN (${list(invoices)}) AND batch_id NOT IN (${list(exceptBatchIds)}) AND ${FROM_EXPORTS}`;
}

async function sumLines(tx: ImportTx, where: string, params: readonly unknown[]): Promise<InvoiceTotal[]> {
  const rows = await tx.all<{ invoice_number: string; currency: string; total: string; lines: number | string }>(
    `SELECT invoice_number, currency, cast(sum(amount_micro) AS text) AS total, count(*) AS lines FROM revenue_lines WHERE ${where} GROUP BY invoice_number, currency`,
    params,
  );
  return rows.map((row) => ({ invoice: row.invoice_number, currency: row.currency, totalMicro: BigInt(row.total), lines: Number(row.lines) }));
}

/** Per invoice and currency, what the lines of `invoices` that batches other than `exceptBatchIds` brought add up to. */
export function sumEarlierInvoiceLines(tx: ImportTx, invoices: readonly string[], exceptBatchIds: readonly number[]): Promise<InvoiceTotal[]> {
  return sumLines(tx, earlierWhere(invoices, exceptBatchIds), [...invoices, ...exceptBatchIds]);
}

/** Deletes those lines; resolves to how many were deleted. */
export function deleteEarlierInvoiceLines(tx: ImportTx, invoices: readonly string[], exceptBatchIds: readonly number[]): Promise<number> {
  return tx.run(`DELETE FROM revenue_lines WHERE ${earlierWhere(invoices, exceptBatchIds)}`, [...invoices, ...exceptBatchIds]);
}

/** Per invoice and currency, what every line of `invoices` adds up to now. */
export function sumInvoiceLines(tx: ImportTx, invoices: readonly string[]): Promise<InvoiceTotal[]> {
  return sumLines(tx, `invoice_number IN (${list(invoices)}) AND ${FROM_EXPORTS}`, invoices);
}
