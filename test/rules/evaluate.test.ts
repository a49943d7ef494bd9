import { describe, expect, it } from 'vitest';
import type { CheckRecord, Decision, Evidence } from '../../src/domain/types.js';
import { checkRecord } from '../../src/rules/check-text.js';
import { evaluate } from '../../src/rules/evaluate.js';
import {
  AS_OF,
  anniversaryCycle,
  anniversaryEvidence,
  assessment,
  defaultPolicy,
  partner,
  renewalCycle,
  renewalEvidence,
  revenue,
  snapshot,
  term,
} from '../builders/index.js';

const policy = defaultPolicy();

function decideRenewal(overrides: Partial<Evidence> = {}, asOf = AS_OF, cycle = renewalCycle()): Decision {
  return evaluate(cycle, partner(), renewalEvidence(overrides), policy, asOf);
}

function decideAnniversary(overrides: Partial<Evidence> = {}, asOf = AS_OF): Decision {
  return evaluate(anniversaryCycle(), partner(), anniversaryEvidence(overrides), policy, asOf);
}

function check(decision: Decision, id: CheckRecord['id']): CheckRecord {
  const found = decision.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no ${id} check in ${JSON.stringify(decision.checks.map((c) => c.id))}`);
  return checkRecord(found);
}

const renewed = [term('2025-11-01', '2026-10-31'), term('2026-11-01', '2027-10-31')];

describe('ttm_revenue', () => {
  it('passes at exactly the threshold however many fractions make it up', () => {
    const groups = [
      ...Array.from({ length: 3 }, () => ({ amount: '333333.333333' })),
      { amount: '0.000001', month: '2026-03' },
    ];
    const decision = decideRenewal({ revenue: revenue(groups), supportTerms: renewed });
    expect(check(decision, 'ttm_revenue')).toMatchObject({ result: 'pass', observed: '1000000.00', required: '>= 1000000.00' });
    expect(decision.outcome).toBe('confirmed');
  });

  it('fails a cent short and shows the amount truncated, never rounded up to the threshold', () => {
    const decision = decideRenewal({ revenue: revenue([{ amount: '999999.999999' }]) });
    expect(check(decision, 'ttm_revenue')).toMatchObject({ result: 'fail', observed: '999999.99' });
    expect(decision.outcome).toBe('transition_required');
    expect(decision.checks.map((c) => c.id)).toEqual(['ttm_revenue', 'assessment_score']);
  });

  it('counts credits negative', () => {
    const decision = decideRenewal({ revenue: revenue([{ amount: '1000100.00' }, { amount: '-100.01', month: '2026-09' }]) });
    expect(check(decision, 'ttm_revenue')).toMatchObject({ result: 'fail', observed: '999999.99' });
  });

  it('converts each currency with the rate of the charge month', () => {
    const groups = [
      { currency: 'JPY', month: '2025-10', amount: '100000000' },
      { currency: 'JPY', month: '2026-09', amount: '50000000' },
      { currency: 'USD', month: '2026-09', amount: '100000.00' },
    ];
    const fx = { 'JPY:2025-10': '0.006', 'JPY:2026-09': '0.006' };
    const decision = decideRenewal({ revenue: revenue(groups, { fx }), supportTerms: renewed });
    // 600,000 + 300,000 + 100,000 = 1,000,000.00 exactly
    expect(check(decision, 'ttm_revenue')).toMatchObject({ result: 'pass', observed: '1000000.00' });
    const fxDecision = decideRenewal({ revenue: revenue(groups, { fx: { ...fx, 'JPY:2026-09': '0.005999' } }) });
    expect(check(fxDecision, 'ttm_revenue').result).toBe('fail');
  });

  it('is unknown, never failed, when a needed fx rate is missing', () => {
    const decision = decideRenewal({ revenue: revenue([{ currency: 'EUR', month: '2026-04', amount: '10.00' }]) });
    const ttm = check(decision, 'ttm_revenue');
    expect(ttm).toMatchObject({ result: 'unknown', missing: { reason: 'fx_rate_missing' } });
    expect(ttm.missing?.detail).toContain('EUR 2026-04');
    expect(decision.outcome).toBe('needs_review');
  });

  it('is unknown when the revenue feed has not reached the end of the window', () => {
    const decision = decideRenewal({ revenue: revenue([{ amount: '10.00' }], { feedReachesWindowEnd: false }) });
    expect(check(decision, 'ttm_revenue')).toMatchObject({ result: 'unknown', missing: { reason: 'revenue_feed_stale' } });
    expect(decision.outcome).toBe('needs_review');
  });

  it('a failure elsewhere still makes the partner move even when revenue is unknown', () => {
    const decision = decideRenewal({
      revenue: revenue([{ amount: '10.00' }], { feedReachesWindowEnd: false }),
      assessment: assessment({ sell: ['10'], secure: ['10'], support: ['10'] }),
    });
    expect(decision.outcome).toBe('transition_required');
  });
});

describe('assessment_score', () => {
  it('weights the category means (mean of capabilities)', () => {
    // sell mean 70, secure mean 70, support mean 70 → 70.00 passes exactly
    const lines = assessment({ sell: ['60', '80'], secure: ['70'], support: ['65', '75'] });
    const decision = decideRenewal({ assessment: lines, supportTerms: renewed });
    expect(check(decision, 'assessment_score')).toMatchObject({ result: 'pass', observed: '70.00', required: '>= 70' });
  });

  it('fails just under the pass mark, with the weighted total truncated', () => {
    // 0.40 × 69.99 + 0.35 × 70 + 0.25 × 70 = 69.996
    const decision = decideRenewal({ assessment: assessment({ sell: ['69.99'], secure: ['70'], support: ['70'] }) });
    expect(check(decision, 'assessment_score')).toMatchObject({ result: 'fail', observed: '69.99' });
    expect(decision.outcome).toBe('transition_required');
  });

  it('is unknown without an assessment, or with one older than maxAgeDays', () => {
    expect(check(decideRenewal({ assessment: [] }), 'assessment_score').missing?.reason).toBe('assessment_missing');
    const at120 = assessment({ sell: ['90'], secure: ['90'], support: ['90'] }, '2026-06-17'); // 120 days before 2026-10-15
    expect(check(decideRenewal({ assessment: at120, supportTerms: renewed }), 'assessment_score').result).toBe('pass');
    const at121 = assessment({ sell: ['90'], secure: ['90'], support: ['90'] }, '2026-06-16');
    expect(check(decideRenewal({ assessment: at121 }), 'assessment_score')).toMatchObject({ result: 'unknown', missing: { reason: 'assessment_stale' } });
  });

  it('is unknown when a category has no score', () => {
    const decision = decideRenewal({ assessment: assessment({ sell: ['90'], secure: ['90'] }) });
    expect(check(decision, 'assessment_score')).toMatchObject({ result: 'unknown', missing: { reason: 'assessment_incomplete' } });
  });
});

describe('support_plan_renewal', () => {
  it('is only checked once revenue and assessment pass', () => {
    expect(decideRenewal().checks.map((c) => c.id)).toEqual(['ttm_revenue', 'assessment_score', 'support_plan_renewal']);
    expect(decideRenewal({ assessment: [] }).checks.map((c) => c.id)).toEqual(['ttm_revenue', 'assessment_score']);
  });

  it('a term starting after the term end (renewed early) confirms straight away', () => {
    const decision = decideRenewal({ supportTerms: renewed });
    expect(check(decision, 'support_plan_renewal')).toMatchObject({ result: 'pass', observed: '2026-11-01' });
    expect(decision).toMatchObject({ outcome: 'confirmed', final: true });
  });

  it('without renewal the partner awaits, with the deadline at the end of the cycle month', () => {
    const decision = decideRenewal();
    expect(decision).toMatchObject({ outcome: 'awaiting_support_renewal', final: false, deadline: '2026-10-31' });
  });

  it('the deadline is never sooner than minNoticeDays after the partner is told', () => {
    expect(decideRenewal({}, '2026-10-25').deadline).toBe('2026-11-08');
    const late = evaluate(renewalCycle('2026-09', '2026-09-30'), partner(), renewalEvidence(), policy, '2026-10-15');
    expect(late.deadline).toBe('2026-10-29');
    const graced = evaluate(renewalCycle(), partner(), renewalEvidence(), defaultPolicy({ supportRenewal: { graceDays: 10 } }), '2026-10-01');
    expect(graced.deadline).toBe('2026-11-10');
  });

  it('after the deadline without renewal the partner must move, counted from the day it was told', () => {
    const prior = {
      outcome: 'awaiting_support_renewal' as const,
      awaiting: { decidedOn: '2026-10-15', deadline: '2026-10-31', toldOn: '2026-10-20', checks: decideRenewal().checks.slice(0, 2) },
    };
    // told on 20 Oct: the deadline moves to 3 Nov
    expect(decideRenewal({ prior }, '2026-11-03')).toMatchObject({ outcome: 'awaiting_support_renewal', deadline: '2026-11-03' });
    const after = decideRenewal({ prior }, '2026-11-04');
    expect(after).toMatchObject({ outcome: 'transition_required', reapplyEligibleOn: '2027-11-04' });
    expect(check(after, 'support_plan_renewal').result).toBe('fail');
  });

  it('a partner never told is never failed for want of a renewal', () => {
    const prior = {
      outcome: 'awaiting_support_renewal' as const,
      awaiting: { decidedOn: '2026-10-15', deadline: '2026-10-31', toldOn: null, checks: decideRenewal().checks.slice(0, 2) },
    };
    const decision = decideRenewal({ prior }, '2026-12-20');
    expect(decision).toMatchObject({ outcome: 'awaiting_support_renewal', deadline: '2027-01-03' });
  });

  it('once told, the passed revenue and score stand even if later data would differ', () => {
    const passed = decideRenewal().checks.slice(0, 2);
    const prior = { outcome: 'awaiting_support_renewal' as const, awaiting: { decidedOn: '2026-10-15', deadline: '2026-10-31', toldOn: '2026-10-15', checks: passed } };
    const decision = decideRenewal({ prior, revenue: revenue([{ amount: '1.00' }]), supportTerms: renewed }, '2026-10-20');
    expect(decision.outcome).toBe('confirmed');
    expect(check(decision, 'ttm_revenue').observed).toBe('1000000.00');
  });
});

describe('anniversary checks', () => {
  it('all pass → confirmed', () => {
    const decision = decideAnniversary();
    expect(decision.checks.map((c) => [c.id, c.result])).toEqual([
      ['mfa_admins', 'pass'],
      ['security_contact', 'pass'],
      ['alert_response', 'pass'],
    ]);
    expect(decision.outcome).toBe('confirmed');
  });

  it('one admin without MFA fails', () => {
    const decision = decideAnniversary({ security: snapshot({ adminUsers: 20, adminUsersWithMfa: 18 }) });
    expect(check(decision, 'mfa_admins')).toMatchObject({ result: 'fail', observed: '0.9', required: '>= 1' });
    expect(decision).toMatchObject({ outcome: 'transition_required', reapplyEligibleOn: '2027-10-15' });
  });

  it('0 admin users is bad data: unknown', () => {
    const decision = decideAnniversary({ security: snapshot({ adminUsers: 0, adminUsersWithMfa: 0 }) });
    expect(check(decision, 'mfa_admins')).toMatchObject({ result: 'unknown', missing: { reason: 'no_admin_users' } });
    expect(decision.outcome).toBe('needs_review');
  });

  it('a missing or malformed security contact fails when required', () => {
    expect(check(decideAnniversary({ security: snapshot({ securityContact: null }) }), 'security_contact')).toMatchObject({ result: 'fail', observed: 'none' });
    expect(check(decideAnniversary({ security: snapshot({ securityContact: 'soc at contoso' }) }), 'security_contact').result).toBe('fail');
    const relaxed = evaluate(anniversaryCycle(), partner(), anniversaryEvidence({ security: snapshot({ securityContact: null }) }), defaultPolicy({ security: { requireContact: false } }), AS_OF);
    expect(relaxed.outcome).toBe('confirmed');
  });

  it('0 alerts passes; one unanswered alert fails', () => {
    expect(check(decideAnniversary({ security: snapshot({ alertsTotal: 0, alertsRespondedInTime: 0 }) }), 'alert_response').result).toBe('pass');
    expect(check(decideAnniversary({ security: snapshot({ alertsTotal: 3, alertsRespondedInTime: 2 }) }), 'alert_response')).toMatchObject({ result: 'fail', observed: '0.6666' });
  });

  it('no snapshot, or one older than maxAgeDays, is unknown for every check', () => {
    const none = decideAnniversary({ security: null });
    expect(none.checks.every((c) => c.result === 'unknown' && c.missing?.reason === 'snapshot_missing')).toBe(true);
    expect(none.outcome).toBe('needs_review');
    expect(decideAnniversary({ security: snapshot({ asOf: '2026-09-14' }) }).outcome).toBe('confirmed'); // 31 days
    const stale = decideAnniversary({ security: snapshot({ asOf: '2026-09-13' }) });
    expect(stale.checks.every((c) => c.missing?.reason === 'snapshot_stale')).toBe(true);
  });
});

describe('decision record', () => {
  it('records the policy version, the decision date and the re-apply date', () => {
    const decision = evaluate(anniversaryCycle(), partner(), anniversaryEvidence({ security: snapshot({ adminUsersWithMfa: 9 }) }), defaultPolicy({ version: '2027-01', reapplyWaitMonths: 6 }), '2026-08-31');
    expect(decision).toMatchObject({ policyVersion: '2027-01', decidedOn: '2026-08-31', reapplyEligibleOn: '2027-02-28' });
  });

  it('a leap-day decision re-applies on the last day of February', () => {
    const decision = decideAnniversary({ security: snapshot({ asOf: '2028-02-20', adminUsersWithMfa: 1 }) }, '2028-02-29');
    expect(decision.reapplyEligibleOn).toBe('2029-02-28');
  });

  it('is deterministic', () => {
    expect(decideRenewal()).toEqual(decideRenewal());
  });
});
