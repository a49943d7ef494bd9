import { describe, expect, it } from 'vitest';
import type { CheckRecord } from '../../src/domain/types.js';
import { type CycleToOverride, parseOverrideRequest, planOverride } from '../../src/rules/override.js';

const POLICY = { version: '2025-10', reapplyWaitMonths: 12 };
const TODAY = '2026-11-02';
const OPTIONS = { cycle: '2026-10', trigger: 'renewal', outcome: 'confirmed', reason: 'appeal granted', by: 'Keiko Sato', notify: true };
const request = (changes: Partial<typeof OPTIONS> = {}) => {
  const parsed = parseOverrideRequest('4010003', { ...OPTIONS, ...changes });
  if ('problems' in parsed) throw new Error(parsed.problems.join('; '));
  return parsed.request;
};
const FAILED: CheckRecord = { id: 'ttm_revenue', result: 'fail', observed: '999999.99', required: '>= 1000000.00', unit: 'usd', evidence: {} };
const recorded = (outcome: 'transition_required' | 'confirmed' | 'needs_review'): CycleToOverride => ({
  kind: 'recorded',
  cycleId: 7,
  termEnd: '2026-10-31',
  latest: { decisionId: 11, outcome, checks: [FAILED] },
});

describe('parseOverrideRequest', () => {
  it('names every problem of a command line at once', () => {
    const parsed = parseOverrideRequest(' ', { cycle: '2026-1', trigger: 'yearly', outcome: 'awaiting_support_renewal', reason: '', notify: true });
    expect(parsed).toEqual({
      problems: [
        'PARTNER_ID is empty',
        "--cycle must be a month as YYYY-MM, got '2026-1'",
        "--trigger must be one of renewal, anniversary, got 'yearly'",
        "--outcome must be one of confirmed, transition_required, got 'awaiting_support_renewal'",
        '--reason TEXT is required and may not be empty: say why the decision is corrected',
        '--by NAME_OR_EMAIL is required and may not be empty: say who corrects it',
      ],
    });
  });

  it('keeps a reason over several lines, but not a control character, an over-long reason or a --by over two lines', () => {
    expect(request({ reason: 'appeal granted\nsee case 42' }).reason).toBe('appeal granted\nsee case 42');
    const problems = (changes: Partial<typeof OPTIONS>) => (parseOverrideRequest('4010003', { ...OPTIONS, ...changes }) as { problems: string[] }).problems;
    expect(problems({ reason: 'a\u0007b' })).toEqual(['--reason contains a control character']);
    expect(problems({ reason: 'x'.repeat(2001) })).toEqual(['--reason is 2001 characters long; at most 2000']);
    expect(problems({ by: 'Keiko\nSato' })).toEqual(['--by must be one line']);
  });
});

describe('planOverride', () => {
  it('transition_required → confirmed: a final decision of the day with no re-apply date, keeping the checks it was decided on', () => {
    const plan = planOverride(request(), recorded('transition_required'), POLICY, TODAY);
    expect(plan).toEqual({
      replacedOutcome: 'transition_required',
      decision: { partnerId: '4010003', trigger: 'renewal', cycle: '2026-10', outcome: 'confirmed', final: true, checks: [FAILED], decidedOn: TODAY, policyVersion: '2025-10', termEnd: '2026-10-31' },
    });
  });

  it('confirmed → transition_required: the partner may re-apply reapplyWaitMonths after the day of the override', () => {
    const plan = planOverride(request({ outcome: 'transition_required' }), recorded('confirmed'), { ...POLICY, reapplyWaitMonths: 6 }, TODAY);
    expect(plan).toMatchObject({ decision: { outcome: 'transition_required', reapplyEligibleOn: '2027-05-02' } });
  });

  it('a due cycle with no decision yet replaces nothing', () => {
    const plan = planOverride(request(), { kind: 'due', cycle: { partnerId: '4010003', trigger: 'renewal', cycle: '2026-10', termEnd: '2026-10-31' } }, POLICY, TODAY);
    expect(plan).toMatchObject({ replacedOutcome: null, decision: { checks: [], termEnd: '2026-10-31' } });
  });

  it('refuses a cycle that does not exist and an outcome the cycle already has', () => {
    expect(planOverride(request(), null, POLICY, TODAY)).toEqual({
      refused: 'the renewal cycle 2026-10 of partner 4010003 does not exist: it has no decision and is not due on 2026-11-02; see csp-reeval explain 4010003',
    });
    expect(planOverride(request(), recorded('confirmed'), POLICY, TODAY)).toEqual({
      refused: 'the renewal cycle 2026-10 of partner 4010003 is already confirmed: an override must change the outcome',
    });
  });
});
