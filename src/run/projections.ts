import type { Store } from '../db/database.js';
import type { IsoDate, Partner, RecordedCycle, SupportTerm } from '../domain/types.js';
import type { Policy } from '../policy/policy.js';
import { type ProjectedPartner, projectCycle, upcomingCycles } from '../rules/projection.js';
import { listRecordedCycles } from '../store/cycles.js';
import { listPartnersWithTerms } from '../store/partners.js';
import { readProjectionEvidence } from '../store/projection-evidence.js';

export interface KnownPartners {
  partners: Array<{ partner: Partner; supportTerms: SupportTerm[] }>;
  recorded: RecordedCycle[];
}

/**
 * Projects every upcoming cycle `monthsAhead` months after the as-of month. A run passes the
 * partners and cycles it has already read for `due`; `outlook` lets them be read here.
 */
export async function projectUpcoming(
  store: Store,
  policy: Policy,
  asOf: IsoDate,
  monthsAhead: readonly number[],
  known?: KnownPartners,
): Promise<ProjectedPartner[]> {
  if (monthsAhead.length === 0) return [];
  const { partners, recorded } = known ?? { partners: await listPartnersWithTerms(store.db), recorded: await listRecordedCycles(store.db) };
  const recordedByPartner = new Map<string, RecordedCycle[]>();
  for (const cycle of recorded) recordedByPartner.set(cycle.partnerId, [...(recordedByPartner.get(cycle.partnerId) ?? []), cycle]);

  const upcoming = partners.flatMap(({ partner, supportTerms }) =>
    upcomingCycles({ partner, supportTerms, recorded: recordedByPartner.get(partner.partnerId) ?? [] }, asOf, policy, monthsAhead).map((cycle) => ({ partner, cycle })),
  );
  const ids = (trigger: 'renewal' | 'anniversary') => [...new Set(upcoming.filter(({ cycle }) => cycle.trigger === trigger).map(({ cycle }) => cycle.partnerId))];
  const evidence = await readProjectionEvidence(store.db, policy, asOf, { revenue: ids('renewal'), security: ids('anniversary') });
  return upcoming.map(({ partner, cycle }) => ({ partner, projection: projectCycle(cycle, evidence.get(cycle.partnerId) ?? {}, policy, asOf) }));
}
