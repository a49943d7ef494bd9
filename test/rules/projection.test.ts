import { describe, expect, it } from 'vitest';
import type { RecordedCycle, RevenueEvidence } from '../../src/domain/types.js';
import { projectCycle, projectionWindow, upcomingCycles, type UpcomingCycle } from '../../src/rules/projection.js';
import { assessment, defaultPolicy, partner, snapshot, term } from '../builders/index.js';

const POLICY = defaultPolicy();
/** The reference day of these tests: warnings for January cycles fall due in this month. */
const AS_OF = '2026-10-15';
/** Passing, and still fresh on the first day of a January cycle. */
const FRESH_ASSESSMENT = assessment({ sell: ['80'], secure: ['80'], support: ['80'] }, '2026-10-01');

function revenueToDate(amounts: Array<{ amount: string; currency?: string; month?: string }>, fx: Record<string, string> = {}, asOf = AS_OF): RevenueEvidence {
  const window = projectionWindow(asOf, POLICY);
  return {
    window,
    feedReachesWindowEnd: true,
    latestRevenueMonth: window.months.at(-1)!,
    groups: amounts.map(({ amount, currency = 'USD', month = window.months[0]! }) => ({ month, currency, amount, lines: 1 })),
    fxRates: fx,
  };
}

function upcoming(overrides: Partial<UpcomingCycle> = {}): UpcomingCycle {
  return { partnerId: 'P1', trigger: 'renewal', cycle: '2027-01', termEnd: '2027-01-31', monthsBefore: 3, ...overrides };
}

const recordedMove = (reapplyEligibleOn: string): RecordedCycle => ({
  partnerId: 'P1',
  trigger: 'anniversary',
  cycle: '2026-08',
  outcome: 'transition_required',
  final: true,
  decidedOn: '2026-08-03',
  reapplyEligibleOn,
});

describe('which cycles are warned of', () => {
  const entry = (onboardedOn: string, termEnd: string, recorded: RecordedCycle[] = []) => ({
    partner: partner({ onboardedOn }),
    supportTerms: [term('2026-02-01', termEnd)],
    recorded,
  });

  it('a renewal three months ahead crosses the year end: October warns of January', () => {
    expect(upcomingCycles(entry('2020-05-05', '2027-01-31'), '2026-10-15', POLICY, [3, 1])).toEqual([
      { partnerId: 'P1', trigger: 'renewal', cycle: '2027-01', termEnd: '2027-01-31', monthsBefore: 3 },
    ]);
    expect(upcomingCycles(entry('2020-05-05', '2027-01-31'), '2026-12-01', POLICY, [3, 1])).toEqual([
      { partnerId: 'P1', trigger: 'renewal', cycle: '2027-01', termEnd: '2027-01-31', monthsBefore: 1 },
    ]);
  });

  it('in the months between the offsets, and in the cycle month itself, nothing is warned of', () => {
    for (const asOf of ['2026-11-15', '2027-01-10', '2026-09-30']) expect(upcomingCycles(entry('2020-05-05', '2027-01-31'), asOf, POLICY, [3, 1])).toEqual([]);
  });

  it('a February anniversary after a leap-day onboarding is warned of in November and in January', () => {
    const leap = entry('2024-02-29', '2027-06-30');
    expect(upcomingCycles(leap, '2026-11-30', POLICY, [3, 1])).toEqual([{ partnerId: 'P1', trigger: 'anniversary', cycle: '2027-02', monthsBefore: 3 }]);
    expect(upcomingCycles(leap, '2027-01-31', POLICY, [3, 1])).toEqual([{ partnerId: 'P1', trigger: 'anniversary', cycle: '2027-02', monthsBefore: 1 }]);
    expect(upcomingCycles(leap, '2026-12-31', POLICY, [3, 1])).toEqual([]);
  });

  it('no anniversary in the onboarding year itself', () => {
    expect(upcomingCycles(entry('2026-12-10', '2027-06-30'), '2026-11-01', POLICY, [1])).toEqual([]);
    expect(upcomingCycles(entry('2026-12-10', '2027-06-30'), '2027-11-01', POLICY, [1])).toEqual([{ partnerId: 'P1', trigger: 'anniversary', cycle: '2027-12', monthsBefore: 1 }]);
  });

  it('a partner told to move is warned of nothing until it may re-apply', () => {
    expect(upcomingCycles(entry('2020-05-05', '2027-01-31', [recordedMove('2027-08-03')]), '2026-10-15', POLICY, [3, 1])).toEqual([]);
    expect(upcomingCycles(entry('2020-05-05', '2028-01-31', [recordedMove('2027-08-03')]), '2027-10-15', POLICY, [3, 1])).toHaveLength(1);
  });

  it('an indirect reseller, a partner without a support plan and a cycle before the programme are not warned of', () => {
    const reseller = { ...entry('2020-05-05', '2027-01-31'), partner: partner({ status: 'indirect_reseller' }) };
    expect(upcomingCycles(reseller, '2026-10-15', POLICY, [3])).toEqual([]);
    expect(upcomingCycles({ ...entry('2020-01-05', '2027-01-31'), supportTerms: [] }, '2026-10-15', POLICY, [3])).toEqual([]);
    expect(upcomingCycles(entry('2020-05-05', '2025-09-30'), '2025-06-15', POLICY, [3])).toEqual([]);
  });

  it('warnings off: no offsets, no cycles', () => {
    expect(upcomingCycles(entry('2020-01-05', '2027-01-31'), '2026-10-15', POLICY, [])).toEqual([]);
  });
});

describe('projecting a renewal', () => {
  it('the TTM to date below the minimum is at risk, with the shortfall', () => {
    const projection = projectCycle(upcoming(), { revenue: revenueToDate([{ amount: '817600.00' }]), assessment: FRESH_ASSESSMENT }, POLICY, AS_OF);
    expect(projection.status).toBe('at_risk');
    const ttm = projection.checks.find((check) => check.id === 'ttm_revenue')!;
    expect(ttm).toMatchObject({ result: 'fail', observed: '817600.00', required: '>= 1000000.00', atRisk: true, gap: '182400.00' });
    expect(projection.basis.revenueThrough).toBe('2026-09');
    expect(projection.actBy).toBe('2026-12-31');
  });

  it('counts the 12 whole months before the as-of month, not the cycle window', () => {
    expect(projectionWindow(AS_OF, POLICY)).toMatchObject({ from: '2025-10-01', to: '2026-09-30' });
    expect(projectionWindow('2027-01-05', POLICY)).toMatchObject({ from: '2026-01-01', to: '2026-12-31' });
  });

  it('exactly the minimum and a fresh passing assessment are on track', () => {
    const projection = projectCycle(upcoming(), { revenue: revenueToDate([{ amount: '1000000.00' }]), assessment: FRESH_ASSESSMENT }, POLICY, AS_OF);
    expect(projection.status).toBe('on_track');
    expect(projection.checks.map((check) => check.id)).toEqual(['ttm_revenue', 'assessment_score']);
  });

  it('an assessment fresh today but too old by the first day of the cycle month is a to-do', () => {
    // 2026-09-01 is 44 days old today and 122 days old on 2027-01-01: at most 120 allowed.
    const projection = projectCycle(upcoming(), { revenue: revenueToDate([{ amount: '2000000' }]), assessment: assessment({ sell: ['90'], secure: ['90'], support: ['90'] }, '2026-09-01') }, POLICY, AS_OF);
    const score = projection.checks.find((check) => check.id === 'assessment_score')!;
    expect(score).toMatchObject({ result: 'unknown', todo: true, atRisk: true, missing: { reason: 'assessment_stale' } });
    expect(projection.status).toBe('at_risk');
    expect(projection.basis.assessedOn).toBe('2026-09-01');
    const fresh = projectCycle(upcoming(), { revenue: revenueToDate([{ amount: '2000000' }]), assessment: assessment({ sell: ['90'], secure: ['90'], support: ['90'] }, '2026-09-03') }, POLICY, AS_OF);
    expect(fresh.status).toBe('on_track');
  });

  it('no assessment at all is a to-do as well', () => {
    const projection = projectCycle(upcoming(), { revenue: revenueToDate([{ amount: '2000000' }]), assessment: [] }, POLICY, AS_OF);
    expect(projection.checks[1]).toMatchObject({ todo: true, atRisk: true, missing: { reason: 'assessment_missing', detail: `no assessment on or before ${AS_OF}` } });
  });

  it('a missing fx rate needs data from us and never puts the partner at risk', () => {
    const projection = projectCycle(upcoming(), { revenue: revenueToDate([{ amount: '50000000', currency: 'JPY', month: '2026-03' }]), assessment: FRESH_ASSESSMENT }, POLICY, AS_OF);
    expect(projection.status).toBe('needs_data');
    expect(projection.checks[0]).toMatchObject({ result: 'unknown', atRisk: false, todo: false, missing: { reason: 'fx_rate_missing', detail: 'no USD rate for JPY 2026-03' } });
    const priced = projectCycle(upcoming(), { revenue: revenueToDate([{ amount: '50000000', currency: 'JPY', month: '2026-03' }], { 'JPY:2026-03': '0.0066' }), assessment: FRESH_ASSESSMENT }, POLICY, AS_OF);
    expect(priced.checks[0]).toMatchObject({ result: 'fail', observed: '330000.00', gap: '670000.00' });
  });

  it('a failing score is at risk with the points it is short by', () => {
    const projection = projectCycle(upcoming(), { revenue: revenueToDate([{ amount: '2000000' }]), assessment: assessment({ sell: ['60'], secure: ['60'], support: ['60'] }, '2026-10-01') }, POLICY, AS_OF);
    expect(projection.checks[1]).toMatchObject({ result: 'fail', observed: '60.00', gap: '10.00', atRisk: true, todo: false });
  });
});

describe('projecting an anniversary', () => {
  const cycle = upcoming({ trigger: 'anniversary', cycle: '2027-01', monthsBefore: 3 });
  delete (cycle as { termEnd?: string }).termEnd;

  it('an admin without MFA on the latest snapshot is at risk', () => {
    const projection = projectCycle(cycle, { security: snapshot({ asOf: '2026-10-10', adminUsersWithMfa: 9 }) }, POLICY, AS_OF);
    expect(projection.status).toBe('at_risk');
    expect(projection.checks.filter((check) => check.atRisk).map((check) => check.id)).toEqual(['mfa_admins']);
    expect(projection.basis.snapshotAsOf).toBe('2026-10-10');
  });

  it('no snapshot on file needs data, and is not the partner’s to-do', () => {
    const projection = projectCycle(cycle, { security: null }, POLICY, AS_OF);
    expect(projection.status).toBe('needs_data');
    expect(projection.checks.every((check) => !check.atRisk && check.missing?.reason === 'snapshot_missing')).toBe(true);
  });
});
