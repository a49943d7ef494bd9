import type { Insertable } from 'kysely';
import type { CyclesTable, PartnersTable, SupportPlansTable } from '../../src/db/schema.js';

/** A partners row as an import writes it: a direct-bill partner onboarded 2020-10-05, told in Japanese. */
export function partnerRow(partnerId: string, overrides: Partial<Insertable<PartnersTable>> = {}): Insertable<PartnersTable> {
  return {
    partner_id: partnerId,
    partner_name: `株式会社 ${partnerId}`,
    onboarded_on: '2020-10-05',
    notice_to: `${partnerId.toLowerCase()}@example.com`,
    notice_cc: '',
    locale: 'ja',
    status: 'direct_bill',
    tenant_ids: '',
    location_ids: '',
    regions: '',
    batch_id: 1,
    ...overrides,
  };
}

export function supportPlanRow(partnerId: string, termStart: string, termEnd: string, plan = 'ASfP'): Insertable<SupportPlansTable> {
  return { partner_id: partnerId, plan, term_start: termStart, term_end: termEnd, batch_id: 1 };
}

/** A cycles row with nothing decided yet; outcomes and dates as given. */
export function cycleRow(partnerId: string, trigger: 'renewal' | 'anniversary', cycle: string, overrides: Partial<Insertable<CyclesTable>> = {}): Insertable<CyclesTable> {
  return { partner_id: partnerId, trigger, cycle, term_end: null, outcome: null, final: 0, decided_on: null, reapply_eligible_on: null, deadline: null, told_on: null, last_decision_id: null, ...overrides };
}
