import type { AssessmentCheck, Check, RenewalCheck, RevenueCheck } from '../domain/checks.js';
import type {
  AssessmentCategory,
  CheckId,
  CycleRef,
  Decision,
  Evidence,
  IsoDate,
  Outcome,
  Partner,
  RevenueEvidence,
  Trigger,
} from '../domain/types.js';
import { FINAL_OUTCOMES } from '../domain/types.js';
import { add, compare, div, mul, parseDecimal, rational, type Rational, sum, toFixed, toPlainString, writtenDecimal, ZERO } from '../money/decimal.js';
import type { Policy } from '../policy/policy.js';
import { type Undecided, unknown } from './check-base.js';
import { addDays, addMonthsToDate, daysBetween, lastDayOf, laterOf } from './months.js';
import { ANNIVERSARY_CHECKS, anniversaryChecks } from './security-checks.js';

const CHECK_ORDER: Record<Trigger, readonly CheckId[]> = {
  renewal: ['ttm_revenue', 'assessment_score', 'support_plan_renewal'],
  anniversary: ANNIVERSARY_CHECKS,
};

export function checkOrder(trigger: Trigger): readonly CheckId[] {
  return CHECK_ORDER[trigger];
}

/**
 * Decides one cycle (SPEC §3). A pure function of the partner, the evidence, the policy and the
 * as-of date: no clock, no I/O, so `explain` and `run --dry-run` see exactly what `run` does.
 */
export function evaluate(cycle: CycleRef, partner: Partner, evidence: Evidence, policy: Policy, asOf: IsoDate): Decision {
  const checks = cycle.trigger === 'renewal' ? renewalChecks(cycle, evidence, policy, asOf) : anniversaryChecks(evidence, policy, asOf);
  const outcome = outcomeOf(checks);
  const decision: Decision = {
    partnerId: partner.partnerId,
    trigger: cycle.trigger,
    cycle: cycle.cycle,
    outcome,
    final: FINAL_OUTCOMES.has(outcome),
    checks,
    decidedOn: asOf,
    policyVersion: policy.version,
    ...(cycle.termEnd ? { termEnd: cycle.termEnd } : {}),
  };
  if (outcome === 'transition_required') decision.reapplyEligibleOn = addMonthsToDate(asOf, policy.reapplyWaitMonths);
  if (outcome === 'awaiting_support_renewal') {
    const renewal = checks.find((check) => check.id === 'support_plan_renewal');
    decision.deadline = renewal?.deadline as IsoDate;
  }
  return decision;
}

/**
 * Any failure means the partner must move; anything unknown (other than a renewal it still has
 * time for) needs a person; a renewal still open means waiting; otherwise confirmed.
 */
export function outcomeOf(checks: Check[]): Outcome {
  if (checks.some((check) => check.result === 'fail')) return 'transition_required';
  const unknown = checks.filter((check) => check.result === 'unknown');
  if (unknown.some((check) => check.missing?.reason !== 'renewal_pending')) return 'needs_review';
  if (unknown.length > 0) return 'awaiting_support_renewal';
  return 'confirmed';
}

function renewalChecks(cycle: CycleRef, evidence: Evidence, policy: Policy, asOf: IsoDate): Check[] {
  const awaiting = evidence.prior.awaiting;
  // Once the partner was told its score passed, that verdict stands: later data cannot take back
  // what it was asked to act on. Only the renewal itself is looked at again.
  const carried = awaiting?.checks.filter((check) => check.id === 'ttm_revenue' || check.id === 'assessment_score');
  const checks: Check[] =
    carried && carried.length === 2
      ? carried
      : [revenueCheck(evidence.revenue, policy), assessmentCheck(evidence.assessment ?? [], policy, asOf)];
  if (checks.every((check) => check.result === 'pass')) checks.push(renewalCheck(cycle, evidence, policy, asOf));
  return checks;
}

export function revenueCheck(revenue: RevenueEvidence | undefined, policy: Policy): RevenueCheck {
  const minimum = parseDecimal(policy.revenue.minimumTtmUsd);
  const undecided: Undecided<RevenueCheck> = { id: 'ttm_revenue', unit: 'usd', minimumUsd: minimum, totalUsd: null, window: null };
  if (!revenue) {
    return unknown(undecided, 'revenue_feed_stale', 'no revenue data was read for this cycle', {});
  }
  const base = { ...undecided, window: { from: revenue.window.from, to: revenue.window.to } };
  const lastMonth = revenue.window.months[revenue.window.months.length - 1]!;
  const converted = revenue.groups.map((group) => {
    const rate = group.currency === 'USD' ? '1' : revenue.fxRates[`${group.currency}:${group.month}`];
    const usd = rate === undefined ? null : mul(parseDecimal(group.amount), parseDecimal(rate));
    return { ...group, usdPerUnit: rate ?? null, usd };
  });
  const known = converted.filter((group) => group.usd !== null);
  const partialUsd = sum(known.map((group) => group.usd!));
  const evidence = {
    window: revenue.window,
    groups: converted.map((group) => ({ ...group, usd: group.usd === null ? null : toPlainString(group.usd, 12) })),
    totalUsd: toPlainString(partialUsd, 12),
    latestRevenueMonth: revenue.latestRevenueMonth,
  };

  if (!revenue.feedReachesWindowEnd) {
    const latest = revenue.latestRevenueMonth ? `the latest revenue is dated in ${revenue.latestRevenueMonth}` : 'no revenue has been imported';
    return unknown(base, 'revenue_feed_stale', `no revenue dated in ${lastMonth} has been imported for anyone yet (${latest})`, evidence);
  }
  const missing = [...new Set(converted.filter((group) => group.usd === null).map((g) => `${g.currency} ${g.month}`))];
  if (missing.length > 0) {
    return unknown(base, 'fx_rate_missing', `no USD rate for ${missing.join(', ')}`, evidence);
  }
  return {
    ...base,
    result: compare(partialUsd, minimum) >= 0 ? 'pass' : 'fail',
    totalUsd: partialUsd,
    evidence,
  };
}

const CATEGORIES: readonly AssessmentCategory[] = ['sell', 'secure', 'support'];

export function assessmentCheck(lines: NonNullable<Evidence['assessment']>, policy: Policy, asOf: IsoDate): AssessmentCheck {
  const passMark = writtenDecimal(policy.assessment.passMark);
  const undecided: Undecided<AssessmentCheck> = { id: 'assessment_score', unit: 'score', passMark, score: null, assessedOn: null, categoryMeans: [] };
  if (lines.length === 0) return unknown(undecided, 'assessment_missing', `no assessment on or before ${asOf}`, {});

  const assessedOn = lines[0]!.assessedOn;
  const ageDays = daysBetween(assessedOn, asOf);
  const means: Partial<Record<AssessmentCategory, Rational>> = {};
  for (const category of CATEGORIES) {
    const scores = lines.filter((line) => line.category === category).map((line) => parseDecimal(line.score));
    if (scores.length > 0) means[category] = div(sum(scores), rational(scores.length));
  }
  const base = {
    ...undecided,
    assessedOn,
    // As recorded in the evidence, to the millionth, so a decision read back shows the same figures.
    categoryMeans: CATEGORIES.flatMap((category) => (means[category] ? [{ category, mean: parseDecimal(toPlainString(means[category]!, 6)) }] : [])),
  };
  const evidence = {
    assessedOn,
    ageDays,
    categories: CATEGORIES.map((category) => ({
      category,
      weight: policy.assessment.weights[category],
      mean: means[category] ? toPlainString(means[category]!, 6) : null,
      capabilities: lines.filter((line) => line.category === category).map((line) => ({ capability: line.capability, score: line.score })),
    })),
  };
  if (ageDays > policy.assessment.maxAgeDays) {
    return unknown(base, 'assessment_stale', `the latest assessment (${assessedOn}) is ${ageDays} days old; at most ${policy.assessment.maxAgeDays} allowed`, evidence);
  }
  const absent = CATEGORIES.filter((category) => !means[category]);
  if (absent.length > 0) {
    return unknown(base, 'assessment_incomplete', `the assessment of ${assessedOn} has no score for ${absent.join(', ')}`, evidence);
  }
  const total = CATEGORIES.reduce(
    (acc, category) => add(acc, mul(parseDecimal(policy.assessment.weights[category]), means[category]!)),
    ZERO,
  );
  return {
    ...base,
    result: compare(total, passMark.value) >= 0 ? 'pass' : 'fail',
    score: total,
    evidence: { ...evidence, total: toPlainString(total, 6) },
  };
}

/**
 * The support-plan renewal. Renewed = a term starting after the cycle's term end. Otherwise the
 * partner has until the deadline, counted from when it was actually told; a partner never told is
 * never failed for it.
 */
export function renewalCheck(cycle: CycleRef, evidence: Evidence, policy: Policy, asOf: IsoDate): RenewalCheck {
  const termEnd = cycle.termEnd ?? lastDayOf(cycle.cycle);
  const base = { id: 'support_plan_renewal', unit: 'date', termEnd } as const;
  const renewed = evidence.supportTerms
    .filter((term) => term.termStart > termEnd)
    .sort((a, b) => (a.termStart < b.termStart ? -1 : 1))[0];
  if (renewed) {
    return {
      ...base,
      result: 'pass',
      deadline: null,
      renewedTerm: { plan: renewed.plan, termStart: renewed.termStart, termEnd: renewed.termEnd },
      evidence: { termEnd, renewedTerm: renewed },
    };
  }

  const awaiting = evidence.prior.awaiting;
  const firstDeadline = laterOf(addDays(lastDayOf(cycle.cycle), policy.supportRenewal.graceDays), addDays(asOf, policy.supportRenewal.minNoticeDays));
  const toldOn = awaiting?.toldOn ?? null;
  const deadline = !awaiting
    ? firstDeadline
    : toldOn
      ? laterOf(awaiting.deadline, addDays(toldOn, policy.supportRenewal.minNoticeDays))
      : laterOf(awaiting.deadline, addDays(asOf, policy.supportRenewal.minNoticeDays));
  const evidenceOut = { termEnd, deadline, toldOn, terms: evidence.supportTerms };
  if (toldOn && asOf > deadline) {
    return { ...base, result: 'fail', deadline, renewedTerm: null, evidence: evidenceOut };
  }
  return {
    ...base,
    result: 'unknown',
    deadline,
    renewedTerm: null,
    missing: {
      reason: 'renewal_pending',
      detail: toldOn ? `told on ${toldOn}; renewal due by ${deadline}` : `not renewed yet; the partner is to be told it must renew by ${deadline}`,
    },
    evidence: evidenceOut,
  };
}
