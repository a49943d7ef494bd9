import { describe, expect, it } from 'vitest';
import type { CheckRecord } from '../../src/domain/types.js';
import { checkRecord } from '../../src/rules/check-text.js';
import { evaluate } from '../../src/rules/evaluate.js';
import { carriedChecks } from '../../src/store/check-records.js';
import { AS_OF, assessment, defaultPolicy, partner, renewalCycle, renewalEvidence, revenue } from '../builders/index.js';

/** The checks of a decision as the decisions table holds them. */
function stored(overrides: Parameters<typeof renewalEvidence>[0] = {}): CheckRecord[] {
  const decision = evaluate(renewalCycle(), partner(), renewalEvidence(overrides), defaultPolicy(), AS_OF);
  return JSON.parse(JSON.stringify(decision.checks.map(checkRecord))) as CheckRecord[];
}

describe('carriedChecks', () => {
  it('reads back the revenue and the score so that they are stored again exactly as they were', () => {
    for (const overrides of [{}, { revenue: revenue([{ amount: '999999.995' }, { amount: '0.004' }]) }, { assessment: assessment({ sell: ['69.99999'], secure: ['70.5'], support: ['71'] }) }]) {
      const records = stored(overrides);
      const carried = carriedChecks(records);
      expect(carried.map((check) => check.id)).toEqual(['ttm_revenue', 'assessment_score']);
      expect(JSON.stringify(carried.map(checkRecord))).toBe(JSON.stringify(records.filter((record) => record.id !== 'support_plan_renewal')));
    }
  });

  it('keeps the window, the assessment day and the category means the notice shows', () => {
    const [ttm, score] = carriedChecks(stored());
    expect(ttm).toMatchObject({ id: 'ttm_revenue', window: { from: '2025-10-01', to: '2026-09-30' } });
    expect(score).toMatchObject({ id: 'assessment_score', assessedOn: '2026-09-01' });
    expect(score?.id === 'assessment_score' && score.categoryMeans.map((entry) => entry.category)).toEqual(['sell', 'secure', 'support']);
  });

  it('reads a row written before typed checks, which holds nothing but text', () => {
    const legacy: CheckRecord = { id: 'ttm_revenue', required: '>= 1000000.00', unit: 'usd', result: 'pass', observed: '1234567.89', evidence: {} };
    const [check] = carriedChecks([legacy]);
    expect(check).toMatchObject({ window: null });
    expect(checkRecord(check!)).toEqual(legacy);
  });
});
