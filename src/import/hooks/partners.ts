import type { ImportTx } from '../../db/bulk-transaction.js';
import { deletePartnerAliases, findAliasOwner, insertPartnerAlias } from '../../store/partner-aliases.js';
import { PARTNERS } from '../kinds.js';
import type { KindHooks, ProblemSink } from './index.js';

/** Partners: their tenant and location ids become the aliases Partner Center lines are matched by. */
export async function partnerHooks(tx: ImportTx, problems: ProblemSink): Promise<KindHooks> {
  const width = PARTNERS.target.columns.length;
  return {
    async afterWrite(values, lines) {
      for (let row = 0; row < lines.length; row++) {
        const [partnerId, , , , , , , tenants, locations] = values.slice(row * width, (row + 1) * width) as string[];
        await deletePartnerAliases(tx, partnerId!);
        const wanted = [
          ...split(tenants!).map((alias) => ({ kind: 'tenant' as const, column: 'tenant_ids', alias })),
          ...split(locations!).map((alias) => ({ kind: 'location' as const, column: 'location_ids', alias })),
        ];
        for (const { kind, column, alias } of wanted) {
          const owner = await findAliasOwner(tx, kind, alias);
          if (owner !== null && owner !== partnerId) {
            problems.add(lines[row]!, column, alias, `is already listed for partner ${owner}`);
            continue;
          }
          if (owner === null) await insertPartnerAlias(tx, { kind, alias, partnerId: partnerId! });
        }
      }
    },
  };
}

function split(list: string): string[] {
  return list === '' ? [] : list.split(';');
}
