import type { Check } from '../domain/checks.js';
import type {
  AssessmentLine,
  CheckRecord,
  CycleRef,
  GraphSecuritySnapshot,
  IsoDate,
  Month,
  Partner,
  RecordedCycle,
  RevenueEvidence,
  SecuritySnapshot,
  SupportTerm,
} from '../domain/types.js';
import { isDecimalText, parseDecimal, sub, toFixed } from '../money/decimal.js';
import type { Policy } from '../policy/policy.js';
import { type CheckText, checkRecord, checkText } from './check-text.js';
import { anniversaries, compareCycles, latestBlock } from './due.js';
import { assessmentCheck, revenueCheck } from './evaluate.js';
import { addMonthsToMonth, firstDayOf, lastDayOf, monthOf, ttmWindow } from './months.js';
import { anniversaryChecks } from './security-checks.js';

/** A cycle still ahead, and how many months after the as-of month it falls. */
export interface UpcomingCycle extends CycleRef {
  monthsBefore: number;
}

/** What the projection reads: the data on file on the as-of date, of any age. */
export interface ProjectionEvidence {
  /** The partner's revenue over the window `projectionWindow` gives. */
  revenue?: RevenueEvidence;
  assessment?: AssessmentLine[];
  security?: SecuritySnapshot | GraphSecuritySnapshot | null;
}

/** What a projection adds to a check: whether it is at risk, and by how much. */
export interface ProjectedMarks {
  atRisk: boolean;
  /** The partner must act before the cycle month (an assessment that is missing or will be too old). */
  todo: boolean;
  /** How far a failing figure is from its requirement, in the check's unit, as exact decimal text. */
  gap?: string;
}

/** A check as projected, typed as the rules decide it, with its text (`checkText`) alongside. */
export type ProjectedCheck = Check & CheckText & ProjectedMarks;

/** A projected check as it is stored with its warning: the text of the check, without its evidence. */
export type ProjectedCheckRecord = Omit<CheckRecord, 'evidence'> & ProjectedMarks;

/** `at_risk`: warn the partner. `needs_data`: our data cannot tell yet; only operations hear of it. */
export type ProjectionStatus = 'at_risk' | 'on_track' | 'needs_data';

export interface Projection {
  partnerId: string;
  trigger: CycleRef['trigger'];
  cycle: Month;
  monthsBefore: number;
  asOf: IsoDate;
  status: ProjectionStatus;
  checks: ProjectedCheck[];
  /** The last day on which what the partner does still counts for the cycle. */
  actBy: IsoDate;
  /** The data projected from: the last whole month of revenue, the assessment and snapshot dates. */
  basis: { revenueThrough: Month | null; assessedOn: IsoDate | null; snapshotAsOf: IsoDate | null };
  termEnd?: IsoDate;
}

/** A projection with the partner it is for, as the notices and reports need it. */
export interface ProjectedPartner {
  partner: Partner;
  projection: Projection;
}

/** The TTM a projection sums: the whole months before the as-of month, not the cycle's window. */
export function projectionWindow(asOf: IsoDate, policy: Policy): ReturnType<typeof ttmWindow> {
  return ttmWindow(monthOf(asOf), policy.revenue.windowMonths);
}

/**
 * The cycles of one partner whose month lies exactly one of `monthsAhead` months after the as-of
 * month, as `due` would find them then: only a direct-bill partner with a support plan, never one told
 * to move before it may re-apply, never before the programme starts, never a cycle already final.
 */
export function upcomingCycles(
  entry: { partner: Partner; supportTerms: SupportTerm[]; recorded: RecordedCycle[] },
  asOf: IsoDate,
  policy: Policy,
  monthsAhead: readonly number[],
): UpcomingCycle[] {
  const { partner, supportTerms, recorded } = entry;
  if (partner.status !== 'direct_bill' || supportTerms.length === 0 || latestBlock(recorded, asOf)) return [];
  const start = policy.programStart.slice(0, 7);
  const final = new Set(recorded.filter((r) => r.final).map((r) => `${r.trigger}:${r.cycle}`));
  const found = new Map<string, UpcomingCycle>();
  for (const monthsBefore of monthsAhead) {
    const cycle = monthAhead(asOf, monthsBefore);
    if (cycle < start) continue;
    for (const term of supportTerms) {
      // Stored dates are validated `YYYY-MM-DD`: their month is their first seven characters.
      if (term.termEnd.slice(0, 7) !== cycle) continue;
      const existing = found.get(`renewal:${cycle}`);
      // Two terms ending in one month are one cycle, renewed from the later end, as when it is due.
      if (!existing || term.termEnd > (existing.termEnd ?? '')) found.set(`renewal:${cycle}`, { partnerId: partner.partnerId, trigger: 'renewal', cycle, termEnd: term.termEnd, monthsBefore });
    }
    if (anniversaries(partner.onboardedOn, cycle, cycle).length > 0) found.set(`anniversary:${cycle}`, { partnerId: partner.partnerId, trigger: 'anniversary', cycle, monthsBefore });
  }
  return [...found.entries()].filter(([key]) => !final.has(key)).map(([, cycle]) => cycle).sort(compareCycles);
}

const monthsAheadCache = new Map<string, Month>();
const cycleDatesCache = new Map<Month, { cycleStart: IsoDate; actBy: IsoDate }>();

/** A cycle month's first day, and the last day before it on which what a partner does still counts. */
function datesOf(cycle: Month): { cycleStart: IsoDate; actBy: IsoDate } {
  let dates = cycleDatesCache.get(cycle);
  if (dates === undefined) {
    dates = { cycleStart: firstDayOf(cycle), actBy: lastDayOf(addMonthsToMonth(cycle, -1)) };
    cycleDatesCache.set(cycle, dates);
  }
  return dates;
}

/** The month `months` after the as-of date's month, remembered: thousands of partners ask for the same few. */
function monthAhead(asOf: IsoDate, months: number): Month {
  const key = `${asOf.slice(0, 7)}:${months}`;
  let month = monthsAheadCache.get(key);
  if (month === undefined) {
    month = addMonthsToMonth(monthOf(asOf), months);
    monthsAheadCache.set(key, month);
  }
  return month;
}

/**
 * Projects one upcoming cycle with the very checks that will decide it (SPEC §4a). Revenue is the
 * TTM to date; the assessment is aged to the first day of the cycle month; the security snapshot is
 * the latest on file. Whatever our own data cannot tell stays unknown and never puts a partner at risk.
 */
export function projectCycle(cycle: UpcomingCycle, evidence: ProjectionEvidence, policy: Policy, asOf: IsoDate): Projection {
  const { cycleStart, actBy } = datesOf(cycle.cycle);
  const checks: ProjectedCheck[] =
    cycle.trigger === 'renewal'
      ? [projected(revenueCheck(evidence.revenue, policy)), projectedAssessment(assessmentCheck(evidence.assessment ?? [], policy, cycleStart), asOf)]
      : anniversaryChecks({ supportTerms: [], security: evidence.security ?? null, prior: { outcome: null } }, policy, asOf).map(projected);
  const assessedOn = evidence.assessment?.[0]?.assessedOn ?? null;
  return {
    partnerId: cycle.partnerId,
    trigger: cycle.trigger,
    cycle: cycle.cycle,
    monthsBefore: cycle.monthsBefore,
    asOf,
    status: checks.some((check) => check.atRisk) ? 'at_risk' : checks.some((check) => check.result === 'unknown') ? 'needs_data' : 'on_track',
    checks,
    actBy,
    basis: {
      revenueThrough: cycle.trigger === 'renewal' ? monthAhead(asOf, -1) : null,
      assessedOn: cycle.trigger === 'renewal' ? assessedOn : null,
      snapshotAsOf: cycle.trigger === 'anniversary' ? (evidence.security?.asOf ?? null) : null,
    },
    ...(cycle.termEnd ? { termEnd: cycle.termEnd } : {}),
  };
}

/**
 * A failing figure is at risk, with its gap when it is an amount or a score below a minimum: the
 * minimum less the figure as shown (truncated), so that the two always add up on the page.
 */
function projected(check: Check): ProjectedCheck {
  const text = checkText(check);
  const fail = check.result === 'fail';
  const minimum = check.id === 'ttm_revenue' ? check.minimumUsd : check.id === 'assessment_score' ? check.passMark.value : null;
  const gap = fail && minimum !== null && isDecimalText(text.observed) ? { gap: toFixed(sub(minimum, parseDecimal(text.observed)), 2) } : {};
  return { ...check, ...text, atRisk: fail, todo: false, ...gap };
}

/** An assessment that is missing, or will be too old by the cycle month, is the partner's to-do. */
function projectedAssessment(check: Check, asOf: IsoDate): ProjectedCheck {
  const reason = check.missing?.reason;
  if (reason !== 'assessment_missing' && reason !== 'assessment_stale') return projected(check);
  const missing = reason === 'assessment_missing' ? { reason, detail: `no assessment on or before ${asOf}` } : check.missing!;
  return { ...check, ...checkText(check), missing, atRisk: true, todo: true };
}

/** The stored form of a projected check: its text and marks; the decision keeps the evidence. */
export function projectedCheckRecord(check: ProjectedCheck): ProjectedCheckRecord {
  const { evidence: _evidence, ...record } = checkRecord(check);
  return { ...record, atRisk: check.atRisk, todo: check.todo, ...(check.gap !== undefined ? { gap: check.gap } : {}) };
}

const STATUS_ORDER = { at_risk: 0, needs_data: 1, on_track: 2 } as const;

/** At risk first, then what needs data, then on track; each by cycle month, then partner. */
export function compareProjections(a: Projection, b: Projection): number {
  return (
    STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
    (a.cycle < b.cycle ? -1 : a.cycle > b.cycle ? 1 : 0) ||
    (a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : 0) ||
    (a.trigger === b.trigger ? 0 : a.trigger === 'renewal' ? -1 : 1)
  );
}

/** A projected check as `run --json` and `outlook --json` show it: the decision's fields, and why it is at risk. */
export interface ProjectedCheckJson {
  id: CheckRecord['id'];
  result: CheckRecord['result'];
  observed: string;
  required: string;
  atRisk: boolean;
  todo?: true;
  gap?: string;
  missing?: string;
}

export function projectedCheckJson(check: ProjectedCheckRecord | ProjectedCheck): ProjectedCheckJson {
  return {
    id: check.id,
    result: check.result,
    observed: check.observed,
    required: check.required,
    atRisk: check.atRisk,
    ...(check.todo ? { todo: true as const } : {}),
    ...(check.gap !== undefined ? { gap: check.gap } : {}),
    ...(check.missing ? { missing: check.missing.detail } : {}),
  };
}
