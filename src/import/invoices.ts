import { fromMicro, toPlainString } from '../money/decimal.js';
import type { KindHooks } from './kind-hooks.js';
import { type ImportSummary, LISTED_UNMATCHED } from './summary.js';
import type { ImportTx } from '../db/bulk-transaction.js';

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

const FROM_EXPORTS = "transaction_id IS NULL AND batch_id IN (SELECT id FROM import_batches WHERE format = 'partner-center')";

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
    const notThisImport = `batch_id NOT IN (${session.batchIds.map(() => '?').join(', ')})`;
    for (let i = 0; i < invoices.length; i += INVOICES_PER_QUERY) {
      const slice = invoices.slice(i, i + INVOICES_PER_QUERY);
      const where = `invoice_number IN (${slice.map(() => '?').join(', ')}) AND ${notThisImport} AND ${FROM_EXPORTS}`;
      const params = [...slice, ...session.batchIds];
      const earlier = await tx.all<{ invoice_number: string; currency: string; total: string; lines: number | string }>(
        `SELECT invoice_number, currency, cast(sum(amount_micro) AS text) AS total, count(*) AS lines FROM revenue_lines WHERE ${where} GROUP BY invoice_number, currency`,
        params,
      );
      if (earlier.length === 0) continue;
      for (const row of earlier) {
        let entry = this.replaced.get(row.invoice_number);
        if (!entry) this.replaced.set(row.invoice_number, (entry = { summary, earlierLines: 0, before: new Map() }));
        entry.earlierLines += Number(row.lines);
        entry.before.set(row.currency, BigInt(row.total));
      }
      removed += await tx.run(`DELETE FROM revenue_lines WHERE ${where}`, params);
    }
    return removed;
  }

  /** Tells each file's summary the invoices it replaced, with their totals before and after the whole import. */
  async finish(tx: ImportTx): Promise<void> {
    const invoices = [...this.replaced.keys()].sort();
    const after = new Map<string, Map<string, bigint>>();
    for (let i = 0; i < invoices.length; i += INVOICES_PER_QUERY) {
      const slice = invoices.slice(i, i + INVOICES_PER_QUERY);
      const rows = await tx.all<{ invoice_number: string; currency: string; total: string }>(
        `SELECT invoice_number, currency, cast(sum(amount_micro) AS text) AS total FROM revenue_lines WHERE invoice_number IN (${slice.map(() => '?').join(', ')}) AND ${FROM_EXPORTS} GROUP BY invoice_number, currency`,
        slice,
      );
      for (const row of rows) {
        if (!after.has(row.invoice_number)) after.set(row.invoice_number, new Map());
        after.get(row.invoice_number)!.set(row.currency, BigInt(row.total));
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

/**
 * Partner Center lines: the PGA is found by location id (MpnId) first, then by tenant id
 * (PartnerId); an invoice met for the first time in this import replaces every line an earlier
 * Partner Center import held for it.
 */
export async function partnerCenterHooks(tx: ImportTx, session: ImportSession, summary: ImportSummary): Promise<KindHooks> {
  const aliases = await tx.all<{ alias_kind: string; alias: string; partner_id: string }>('SELECT alias_kind, alias, partner_id FROM partner_aliases');
  const byLocation = new Map(aliases.filter((a) => a.alias_kind === 'location').map((a) => [a.alias, a.partner_id]));
  const byTenant = new Map(aliases.filter((a) => a.alias_kind === 'tenant').map((a) => [a.alias, a.partner_id]));
  let pending: string[] = [];
  let removed = 0;
  return {
    accept(values, offset, line) {
      const mpnId = values[offset] as string | null;
      const tenant = values[offset + 5] as string | null;
      const partnerId = (mpnId !== null ? byLocation.get(mpnId) : undefined) ?? (tenant !== null ? byTenant.get(tenant) : undefined);
      if (partnerId === undefined) {
        summary.skipped++;
        if (summary.unmatched.length < LISTED_UNMATCHED) summary.unmatched.push({ line, mpnId, tenantId: tenant });
        return false;
      }
      values[offset] = partnerId;
      const invoice = values[offset + 6] as string;
      if (session.invoices.meet(invoice)) pending.push(invoice);
      return true;
    },
    async beforeWrite() {
      if (pending.length === 0) return;
      removed += await session.invoices.replaceEarlier(tx, session, pending, summary);
      pending = [];
    },
    removed: () => removed,
  };
}
