import type { Decision } from '../domain/types.js';

/**
 * Whether the partner is told of a decision now: of every final outcome, and the first time it is
 * asked to renew its support plan; never of a later "still awaiting", nor of `needs_review`, which
 * goes to operations instead.
 */
export function isToldToPartner(decision: Pick<Decision, 'outcome' | 'final'>, history: { askedToRenewBefore: boolean }): boolean {
  return decision.final || (decision.outcome === 'awaiting_support_renewal' && !history.askedToRenewBefore);
}
