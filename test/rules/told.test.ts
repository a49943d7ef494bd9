import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/domain/types.js';
import { FINAL_OUTCOMES } from '../../src/domain/types.js';
import { isToldToPartner } from '../../src/rules/told.js';

const decision = (outcome: Outcome) => ({ outcome, final: FINAL_OUTCOMES.has(outcome) });

describe('isToldToPartner', () => {
  it('tells every final outcome, whatever came before', () => {
    for (const askedToRenewBefore of [false, true]) {
      expect(isToldToPartner(decision('confirmed'), { askedToRenewBefore })).toBe(true);
      expect(isToldToPartner(decision('transition_required'), { askedToRenewBefore })).toBe(true);
    }
  });

  it('asks for the renewal once: a later "still awaiting" is not sent again', () => {
    expect(isToldToPartner(decision('awaiting_support_renewal'), { askedToRenewBefore: false })).toBe(true);
    expect(isToldToPartner(decision('awaiting_support_renewal'), { askedToRenewBefore: true })).toBe(false);
  });

  it('never tells the partner a cycle needs review: operations are told instead', () => {
    expect(isToldToPartner(decision('needs_review'), { askedToRenewBefore: false })).toBe(false);
    expect(isToldToPartner(decision('needs_review'), { askedToRenewBefore: true })).toBe(false);
  });
});
