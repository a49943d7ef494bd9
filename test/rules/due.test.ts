import { describe, expect, it } from 'vitest';
import type { RecordedCycle } from '../../src/domain/types.js';
import { findDueCycles } from '../../src/rules/due.js';
import { defaultPolicy, partner, term } from '../builders/index.js';

const policy = defaultPolicy();

function due(asOf: string, entries: Parameters<typeof findDueCycles>[0]['partners'], recorded: RecordedCycle[] = [], p = policy) {
  return findDueCycles({ asOf, policy: p, partners: entries, recorded });
}

const keys = (result: ReturnType<typeof due>) => result.due.map((c) => `${c.partnerId} ${c.trigger} ${c.cycle}`);

describe('findDueCycles', () => {
  it('a renewal cycle in the term-end month, an anniversary in the onboarding month', () => {
    const result = due('2026-10-15', [{ partner: partner({ onboardedOn: '2019-10-20' }), supportTerms: [term('2025-11-01', '2026-10-31')] }]);
    expect(result.due).toEqual([
      { partnerId: 'P1', trigger: 'renewal', cycle: '2026-10', termEnd: '2026-10-31' },
      { partnerId: 'P1', trigger: 'anniversary', cycle: '2026-10' },
    ]);
  });

  it('a cycle stays due catchUpMonths after its month, and not longer', () => {
    const entry = { partner: partner({ onboardedOn: '2019-09-20' }), supportTerms: [term('2025-10-01', '2026-09-30')] };
    expect(keys(due('2026-10-01', [entry]))).toEqual(['P1 renewal 2026-09', 'P1 anniversary 2026-09']);
    expect(keys(due('2026-11-01', [entry]))).toEqual([]);
    expect(keys(due('2026-11-01', [entry], [], defaultPolicy({ catchUpMonths: 2 })))).toEqual(['P1 renewal 2026-09', 'P1 anniversary 2026-09']);
    expect(keys(due('2026-08-31', [entry]))).toEqual([]);
  });

  it('nothing before programStart is ever due', () => {
    const entry = { partner: partner({ onboardedOn: '2019-09-20' }), supportTerms: [term('2024-10-01', '2025-09-30')] };
    expect(keys(due('2025-10-05', [entry]))).toEqual([]);
  });

  it('no anniversary in the onboarding year itself', () => {
    const entry = { partner: partner({ onboardedOn: '2026-10-01' }), supportTerms: [term('2026-10-01', '2027-09-30')] };
    expect(keys(due('2026-10-15', [entry]))).toEqual([]);
  });

  it('a leap-day onboarding has its anniversary every February', () => {
    const entry = { partner: partner({ onboardedOn: '2024-02-29' }), supportTerms: [term('2026-06-01', '2027-05-31')] };
    expect(keys(due('2027-02-28', [entry]))).toEqual(['P1 anniversary 2027-02']);
    expect(keys(due('2028-02-29', [entry]))).toEqual(['P1 anniversary 2028-02']);
  });

  it('final cycles are never due again; open ones stay due however old', () => {
    const entry = { partner: partner({ onboardedOn: '2019-10-20' }), supportTerms: [term('2025-11-01', '2026-10-31')] };
    const recorded: RecordedCycle[] = [
      { partnerId: 'P1', trigger: 'renewal', cycle: '2026-10', outcome: 'confirmed', final: true, decidedOn: '2026-10-02', reapplyEligibleOn: null },
      { partnerId: 'P1', trigger: 'anniversary', cycle: '2026-10', outcome: 'needs_review', final: false, decidedOn: '2026-10-02', reapplyEligibleOn: null },
    ];
    expect(keys(due('2027-03-01', [entry], recorded))).toEqual(['P1 anniversary 2026-10']);
    expect(keys(due('2026-10-15', [entry], recorded))).toEqual(['P1 anniversary 2026-10']);
  });

  it('a partner told to move is due for nothing until it may re-apply', () => {
    const entry = { partner: partner({ onboardedOn: '2019-11-20' }), supportTerms: [term('2025-11-01', '2026-10-31'), term('2026-11-01', '2027-10-31')] };
    const recorded: RecordedCycle[] = [
      { partnerId: 'P1', trigger: 'renewal', cycle: '2026-10', outcome: 'transition_required', final: true, decidedOn: '2026-10-15', reapplyEligibleOn: '2027-10-15' },
    ];
    const blocked = due('2026-11-10', [entry], recorded);
    expect(blocked.due).toEqual([]);
    expect(blocked.blocked).toEqual([{ partnerId: 'P1', reapplyEligibleOn: '2027-10-15' }]);
    expect(keys(due('2027-10-20', [entry], recorded))).toEqual(['P1 renewal 2027-10']);
  });

  it('a direct-bill partner without any support-plan term is reported, with no cycle at all', () => {
    const result = due('2026-10-15', [{ partner: partner({ onboardedOn: '2019-10-20' }), supportTerms: [] }]);
    expect(result).toMatchObject({ due: [], missingSupportPlan: ['P1'] });
  });

  it('indirect resellers are never due', () => {
    const result = due('2026-10-15', [{ partner: partner({ onboardedOn: '2019-10-20', status: 'indirect_reseller' }), supportTerms: [] }]);
    expect(result).toEqual({ due: [], missingSupportPlan: [], blocked: [] });
  });

  it('orders by partner, month, renewal first', () => {
    const result = due('2026-10-15', [
      { partner: partner({ partnerId: 'B', onboardedOn: '2019-10-01' }), supportTerms: [term('2025-10-01', '2026-09-30'), term('2025-11-01', '2026-10-31')] },
      { partner: partner({ partnerId: 'A', onboardedOn: '2019-10-01' }), supportTerms: [term('2025-11-01', '2026-10-31')] },
    ]);
    expect(keys(result)).toEqual(['A renewal 2026-10', 'A anniversary 2026-10', 'B renewal 2026-09', 'B renewal 2026-10', 'B anniversary 2026-10']);
  });
});
