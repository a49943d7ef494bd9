import { describe, expect, it } from 'vitest';
import type { Check } from '../../src/domain/checks.js';
import { parseDecimal, writtenDecimal } from '../../src/money/decimal.js';
import { checkRecord, checkText } from '../../src/rules/check-text.js';

const evidence = {};

function revenue(totalUsd: string | null, minimumUsd = '1000000'): Check {
  return { id: 'ttm_revenue', unit: 'usd', result: 'fail', minimumUsd: parseDecimal(minimumUsd), totalUsd: totalUsd === null ? null : parseDecimal(totalUsd), window: null, evidence };
}

describe('checkText', () => {
  it('truncates an observed amount, so 999,999.995 never reads as the threshold it missed, and writes the minimum to the cent', () => {
    expect(checkText(revenue('999999.995'))).toEqual({ observed: '999999.99', required: '>= 1000000.00' });
    expect(checkText(revenue('-0.004', '1000000.005'))).toEqual({ observed: '0.00', required: '>= 1000000.01' });
    expect(checkText(revenue(null))).toEqual({ observed: 'unknown', required: '>= 1000000.00' });
  });

  it('repeats the pass mark as the policy writes it and truncates the score to two places', () => {
    const check: Check = { id: 'assessment_score', unit: 'score', result: 'pass', passMark: writtenDecimal('70.0'), score: parseDecimal('70.0049'), assessedOn: null, categoryMeans: [], evidence };
    expect(checkText(check)).toEqual({ observed: '70.00', required: '>= 70.0' });
  });

  it('gives a renewal the renewed term start, or none with the deadline', () => {
    const base = { id: 'support_plan_renewal', unit: 'date', termEnd: '2026-10-31', evidence } as const;
    const renewed: Check = { ...base, result: 'pass', deadline: null, renewedTerm: { plan: 'PSfP', termStart: '2026-11-01', termEnd: '2027-10-31' } };
    const pending: Check = { ...base, result: 'unknown', deadline: '2026-11-30', renewedTerm: null };
    expect(checkText(renewed)).toEqual({ observed: '2026-11-01', required: 'term starting after 2026-10-31' });
    expect(checkText(pending)).toEqual({ observed: 'none', required: 'term starting after 2026-10-31, by 2026-11-30' });
  });

  it('writes a share to four places, truncated, and says when there were no alerts', () => {
    const mfa: Check = { id: 'mfa_admins', unit: 'ratio', result: 'fail', minimum: writtenDecimal('1'), admins: { part: 2, whole: 3 }, snapshotAsOf: null, evidence };
    expect(checkText(mfa)).toEqual({ observed: '0.6666', required: '>= 1' });
    expect(checkText({ ...mfa, admins: { part: 9, whole: 10 } }).observed).toBe('0.9');
    expect(checkText({ ...mfa, result: 'unknown', admins: null }).observed).toBe('unknown');
    const alerts: Check = { id: 'alert_response', unit: 'ratio', result: 'pass', minimum: writtenDecimal('0.95'), alerts: { part: 0, whole: 0 }, snapshotAsOf: null, evidence };
    expect(checkText(alerts)).toEqual({ observed: 'no alerts', required: '>= 0.95' });
  });

  it('repeats an average response time and its limit as written', () => {
    const hours: Check = { id: 'alert_response', unit: 'hours', result: 'pass', maxHours: writtenDecimal('24'), averageHours: writtenDecimal('30.50'), snapshotAsOf: null, evidence };
    expect(checkText(hours)).toEqual({ observed: '30.50', required: '<= 24' });
  });

  it('names a security contact by its address, or by what Graph says of it', () => {
    const base = { id: 'security_contact', unit: 'email', result: 'pass', contactRequired: true, snapshotAsOf: null, evidence } as const;
    expect(checkText({ ...base, contact: { kind: 'address', address: 'soc@example.com', wellFormed: true } })).toEqual({ observed: 'soc@example.com', required: 'present' });
    expect(checkText({ ...base, contact: { kind: 'provided' } }).observed).toBe('provided');
    expect(checkText({ ...base, contact: { kind: 'none' }, contactRequired: false })).toEqual({ observed: 'none', required: 'not required' });
    expect(checkText({ ...base, contact: null }).observed).toBe('unknown');
  });
});

describe('checkRecord', () => {
  it('writes the keys in the order stored decisions have always had them', () => {
    const missing = { reason: 'revenue_feed_stale', detail: 'no revenue' } as const;
    expect(JSON.stringify(checkRecord({ ...revenue(null), result: 'unknown', missing }))).toBe(
      '{"id":"ttm_revenue","required":">= 1000000.00","unit":"usd","result":"unknown","observed":"unknown","missing":{"reason":"revenue_feed_stale","detail":"no revenue"},"evidence":{}}',
    );
    const renewal: Check = { id: 'support_plan_renewal', unit: 'date', result: 'fail', termEnd: '2026-10-31', deadline: '2026-11-30', renewedTerm: null, evidence };
    expect(JSON.stringify(checkRecord(renewal))).toBe(
      '{"id":"support_plan_renewal","result":"fail","observed":"none","required":"term starting after 2026-10-31, by 2026-11-30","unit":"date","evidence":{}}',
    );
  });
});
