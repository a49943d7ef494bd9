import type { ImportTx } from '../../db/bulk-transaction.js';
import { listPartnerAliases } from '../../store/partner-aliases.js';
import type { ImportSession } from '../invoices.js';
import { type ImportSummary, LISTED_UNMATCHED } from '../summary.js';
import type { KindHooks } from './index.js';

/**
 * Partner Center lines: the PGA is found by location id (MpnId) first, then by tenant id
 * (PartnerId); an invoice met for the first time in this import replaces every line an earlier
 * Partner Center import held for it.
 */
export async function partnerCenterHooks(tx: ImportTx, session: ImportSession, summary: ImportSummary): Promise<KindHooks> {
  const aliases = await listPartnerAliases(tx);
  const byLocation = new Map(aliases.filter((a) => a.kind === 'location').map((a) => [a.alias, a.partnerId]));
  const byTenant = new Map(aliases.filter((a) => a.kind === 'tenant').map((a) => [a.alias, a.partnerId]));
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
