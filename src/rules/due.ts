import type { CycleRef, IsoDate, Month, Partner, RecordedCycle, SupportTerm } from '../domain/types.js';
import type { Policy } from '../policy/policy.js';
import { addMonthsToMonth, monthOf } from './months.js';

export interface DueInput {
  asOf: IsoDate;
  policy: Policy;
  partners: Array<{ partner: Partner; supportTerms: SupportTerm[] }>;
  recorded: RecordedCycle[];
}

export interface DueResult {
  /** Sorted by partner, then cycle month, renewal before anniversary. */
  due: CycleRef[];
  /** Direct-bill partners with no support-plan term at all: reported, never given a cycle. */
  missingSupportPlan: string[];
  /** Partners told to move, due for nothing until they may re-apply. */
  blocked: Array<{ partnerId: string; reapplyEligibleOn: IsoDate }>;
}

/**
 * Who is due on the as-of date (SPEC §3 "Who is due"). Pure: the same partners, terms, recorded
 * cycles and date always give the same answer.
 */
export function findDueCycles(input: DueInput): DueResult {
  const { asOf, policy } = input;
  const asOfMonth = monthOf(asOf);
  const earliest = maxMonth(monthOf(policy.programStart), addMonthsToMonth(asOfMonth, -policy.catchUpMonths));
  const inWindow = (cycle: Month) => cycle >= earliest && cycle <= asOfMonth;

  const recordedByPartner = new Map<string, RecordedCycle[]>();
  for (const cycle of input.recorded) {
    const list = recordedByPartner.get(cycle.partnerId) ?? [];
    list.push(cycle);
    recordedByPartner.set(cycle.partnerId, list);
  }

  const result: DueResult = { due: [], missingSupportPlan: [], blocked: [] };
  for (const { partner, supportTerms } of input.partners) {
    const recorded = recordedByPartner.get(partner.partnerId) ?? [];
    const blockedUntil = latestBlock(recorded, asOf);
    if (blockedUntil) {
      result.blocked.push({ partnerId: partner.partnerId, reapplyEligibleOn: blockedUntil });
      continue;
    }
    if (partner.status !== 'direct_bill') continue;
    if (supportTerms.length === 0) {
      result.missingSupportPlan.push(partner.partnerId);
      continue;
    }

    const cycles = new Map<string, CycleRef>();
    const add = (cycle: CycleRef) => {
      const key = `${cycle.trigger}:${cycle.cycle}`;
      const existing = cycles.get(key);
      // Two terms ending in the same month are one cycle; the later end date is the one to renew.
      if (!existing || (cycle.termEnd ?? '') > (existing.termEnd ?? '')) cycles.set(key, cycle);
    };
    for (const term of supportTerms) {
      const cycle = monthOf(term.termEnd);
      if (inWindow(cycle)) add({ partnerId: partner.partnerId, trigger: 'renewal', cycle, termEnd: term.termEnd });
    }
    for (const cycle of anniversaries(partner.onboardedOn, earliest, asOfMonth)) {
      add({ partnerId: partner.partnerId, trigger: 'anniversary', cycle });
    }

    const finalKeys = new Set(recorded.filter((r) => r.final).map((r) => `${r.trigger}:${r.cycle}`));
    for (const key of finalKeys) cycles.delete(key);
    // A cycle recorded without a final outcome stays due until it has one, whatever its age.
    for (const open of recorded.filter((r) => !r.final && r.cycle <= asOfMonth)) {
      const key = `${open.trigger}:${open.cycle}`;
      if (!cycles.has(key)) {
        cycles.set(key, {
          partnerId: open.partnerId,
          trigger: open.trigger,
          cycle: open.cycle,
          ...(open.termEnd ? { termEnd: open.termEnd } : {}),
        });
      }
    }
    result.due.push(...cycles.values());
  }

  result.due.sort(compareCycles);
  return result;
}

/** The onboarding month in every year after the onboarding year, limited to [from, to]. */
export function anniversaries(onboardedOn: IsoDate, from: Month, to: Month): Month[] {
  const onboardYear = Number(onboardedOn.slice(0, 4));
  const monthPart = onboardedOn.slice(5, 7);
  const result: Month[] = [];
  for (let year = Math.max(onboardYear + 1, Number(from.slice(0, 4))); year <= Number(to.slice(0, 4)); year++) {
    const cycle = `${String(year).padStart(4, '0')}-${monthPart}`;
    if (cycle >= from && cycle <= to) result.push(cycle);
  }
  return result;
}

/** The re-apply date of a partner told to move that may not yet re-apply, if any. */
export function latestBlock(recorded: RecordedCycle[], asOf: IsoDate): IsoDate | null {
  let until: IsoDate | null = null;
  for (const cycle of recorded) {
    if (cycle.outcome !== 'transition_required' || !cycle.reapplyEligibleOn) continue;
    if (cycle.reapplyEligibleOn > asOf && (until === null || cycle.reapplyEligibleOn > until)) until = cycle.reapplyEligibleOn;
  }
  return until;
}

const TRIGGER_ORDER = { renewal: 0, anniversary: 1 } as const;

export function compareCycles(a: CycleRef, b: CycleRef): number {
  if (a.partnerId !== b.partnerId) return a.partnerId < b.partnerId ? -1 : 1;
  if (a.cycle !== b.cycle) return a.cycle < b.cycle ? -1 : 1;
  return TRIGGER_ORDER[a.trigger] - TRIGGER_ORDER[b.trigger];
}

function maxMonth(a: Month, b: Month): Month {
  return a >= b ? a : b;
}
