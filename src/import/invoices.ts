import { fromMicro, toPlainString } from '../money/decimal.js';
import type { ImportTx } from '../db/bulk-transaction.js';
import { deleteEarlierInvoiceLines, sumEarlierInvoiceLines, sumInvoiceLines } from '../store/invoice-lines.js';
import type { ImportSummary } from './summary.js';

/**
 * What the files of one import (one file, several given together, or a folder, in one
 * transaction) share: the lines of an invoice split over several of them add up, and only lines
 * that earlier imports brought are replaced.
 */
export class ImportSession {
  /** The batches of this import, and those of files in it that were imported before unchanged: their lines are this import's. */
  readonly batchIds: number[] = [];
  readonly invoices = new InvoiceLedger();
}

/** Invoices per query: few enough for every engine's parameter limit, many enough to save round trips. */
const INVOICES_PER_QUERY = 500;

interface Replaced {
  summary: ImportSummary;
  earlierLines: number;
  before: Map<string, bigint>;
}

/** The invoices an import has met, and those whose earlier lines it replaced, with their totals before. */
export class InvoiceLedger {
  private readonly seen = new Set<string>();
  private readonly replaced = new Map<string, Replaced>();

  /** Marks `invoice` as met; true the first time in this import. */
  meet(invoice: string): boolean {
    if (this.seen.has(invoice)) return false;
    this.seen.add(invoice);
    return true;
  }

  /**
   * Deletes the lines earlier imports brought for `invoices` (first met in this import, in the file
   * of `summary`), keeping what they added up to; resolves to how many lines were deleted.
   */
  async replaceEarlier(tx: ImportTx, session: ImportSession, invoices: readonly string[], summary: ImportSummary): Promise<number> {
    let removed = 0;
    for (let i = 0; i < invoices.length; i += INVOICES_PER_QUERY) {
      const slice = invoices.slice(i, i + INVOICES_PER_QUERY);
      const earlier = await sumEarlierInvoiceLines(tx, slice, session.batchIds);
      if (earlier.length === 0) continue;
      for (const row of earlier) {
        let entry = this.replaced.get(row.invoice);
        if (!entry) this.replaced.set(row.invoice, (entry = { summary, earlierLines: 0, before: new Map() }));
        entry.earlierLines += row.lines;
        entry.before.set(row.currency, row.totalMicro);
      }
      removed += await deleteEarlierInvoiceLines(tx, slice, session.batchIds);
    }
    return removed;
  }

  /** Tells each file's summary the invoices it replaced, with their totals before and after the whole import. */
  async finish(tx: ImportTx): Promise<void> {
    const invoices = [...this.replaced.keys()].sort();
    const after = new Map<string, Map<string, bigint>>();
    for (let i = 0; i < invoices.length; i += INVOICES_PER_QUERY) {
      const slice = invoices.slice(i, i + INVOICES_PER_QUERY);
      for (const row of await sumInvoiceLines(tx, slice)) {
        if (!after.has(row.invoice)) after.set(row.invoice, new Map());
        after.get(row.invoice)!.set(row.currency, row.totalMicro);
      }
    }
    for (const invoice of invoices) {
      const { summary, earlierLines, before } = this.replaced.get(invoice)!;
      const now = after.get(invoice) ?? new Map<string, bigint>();
      const currencies = [...new Set([...before.keys(), ...now.keys()])].sort();
      const decimal = (micro: bigint | undefined) => toPlainString(fromMicro(micro ?? 0n), 6);
      summary.replacedInvoices.push({
        invoice,
        earlierLines,
        totals: currencies.map((currency) => ({ currency, before: decimal(before.get(currency)), after: decimal(now.get(currency)) })),
      });
    }
  }
}
