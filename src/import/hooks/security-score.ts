import type { ImportTx } from '../../db/bulk-transaction.js';
import { listPartnerAliases } from '../../store/partner-aliases.js';
import { combineTenants, type TenantScore } from '../graph-security-score.js';
import type { KindSpec } from '../kinds.js';
import { type ImportSummary, LISTED_UNMATCHED } from '../summary.js';
import type { KindHooks } from './index.js';

/**
 * Graph's security score: a tenant's partner is found through the partners file's tenant_ids (a
 * tenant no partner lists is counted and listed, not imported), and a partner's tenants are
 * combined into one snapshot, written once the whole file is read.
 */
export async function securityScoreHooks(tx: ImportTx, spec: KindSpec, summary: ImportSummary): Promise<KindHooks> {
  const tenants = await listPartnerAliases(tx, 'tenant');
  const partnerOf = new Map(tenants.map((row) => [row.alias, row.partnerId]));
  const byPartner = new Map<string, TenantScore[]>();
  let written = 0;
  return {
    accept(values, offset, line) {
      const score = values[offset] as TenantScore;
      const partnerId = partnerOf.get(score.tenantId);
      if (partnerId === undefined) {
        summary.skipped++;
        if (summary.unmatched.length < LISTED_UNMATCHED) summary.unmatched.push({ line, mpnId: null, tenantId: score.tenantId });
      } else {
        byPartner.set(partnerId, [...(byPartner.get(partnerId) ?? []), score]);
      }
      return false;
    },
    async beforeFinish() {
      const batchId = summary.batchId;
      const rows = [...byPartner].flatMap(([partnerId, scores]) => {
        const combined = combineTenants(scores);
        return [
          partnerId, combined.asOf, combined.adminUsers, combined.adminUsersWithMfa, null, null, null,
          'graph-security-score', combined.contactStatus, combined.averageResponseHours, JSON.stringify(combined.details), batchId,
        ];
      });
      if (rows.length > 0) await tx.insertRows(spec.target, rows);
      written = byPartner.size;
    },
    written: () => written,
  };
}
