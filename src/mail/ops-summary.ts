import type { IsoDate, Outcome, Trigger } from '../domain/types.js';
import { formatDate } from './format.js';
import { type OverrideSummaryItem, overridesView } from './ops-overrides.js';
import type { RenderedMail, Templates } from './render.js';
import { warningsSummaryView, type WarningsForOps } from './summary-warnings.js';
import { oneLine, subjectLine } from './text.js';

/** What the operations summary of a run reports. */
export interface OpsSummaryInput {
  asOf: IsoDate;
  runId: number;
  policyVersion: string;
  counts: Record<Outcome, number>;
  needsReview: Array<{ partnerId: string; partnerName: string; trigger: string; cycle: string; missing: Array<{ checkId: string; detail: string }> }>;
  missingSupportPlan: Array<{ partnerId: string; partnerName: string }>;
  failedSends: Array<{ partnerId: string | null; to: string[]; error: string }>;
  /** Who was warned in this run, and which projections wait for our data. */
  warnings?: WarningsForOps;
  overrides?: OverrideSummaryItem[];
}

const OUTCOME_ORDER: readonly Outcome[] = ['confirmed', 'awaiting_support_renewal', 'transition_required', 'needs_review'];

export function renderOpsSummary(input: OpsSummaryInput, templates: Templates): RenderedMail {
  const view = {
    lang: 'en',
    runId: input.runId,
    asOf: formatDate(input.asOf, 'en'),
    asOfIso: input.asOf,
    policyVersion: oneLine(input.policyVersion),
    counts: OUTCOME_ORDER.map((outcome) => ({ outcome, ...OUTCOME_LABELS[outcome], count: input.counts[outcome] ?? 0 })),
    decided: OUTCOME_ORDER.reduce((total, outcome) => total + (input.counts[outcome] ?? 0), 0),
    needsReview: input.needsReview.map((entry) => ({
      partnerId: oneLine(entry.partnerId),
      partnerName: oneLine(entry.partnerName),
      trigger: TRIGGER_NAMES[entry.trigger as Trigger] ?? oneLine(entry.trigger),
      cycle: oneLine(entry.cycle),
      missing: mergeMissing(entry.missing),
    })),
    missingSupportPlan: input.missingSupportPlan.map((entry) => ({
      partnerId: oneLine(entry.partnerId),
      partnerName: entry.partnerName === entry.partnerId ? '' : oneLine(entry.partnerName),
    })),
    failedSends: input.failedSends.map((entry) => ({
      partner: entry.partnerId === null ? '(operations summary)' : oneLine(entry.partnerId),
      to: entry.to.map(oneLine).join(', '),
      error: oneLine(entry.error),
    })),
    needsReviewCount: input.needsReview.length,
    missingSupportPlanCount: input.missingSupportPlan.length,
    failedSendCount: input.failedSends.length,
    ...warningsSummaryView(input.warnings, oneLine),
    ...overridesView(input.overrides ?? []),
  };
  const set = templates.opsSummary;
  const subject = subjectLine(set.subject(view));
  return { subject, text: set.text({ ...view, subject }), html: set.html({ ...view, subject }) };
}

/** `mfa_admins: no snapshot`, `alert_response: no snapshot` → `mfa_admins, alert_response: no snapshot`. */
function mergeMissing(missing: Array<{ checkId: string; detail: string }>): string[] {
  const idsByDetail = new Map<string, string[]>();
  for (const { checkId, detail } of missing) {
    const line = oneLine(detail);
    idsByDetail.set(line, [...(idsByDetail.get(line) ?? []), checkId]);
  }
  return [...idsByDetail].map(([detail, ids]) => `${ids.join(', ')}: ${detail}`);
}

const OUTCOME_LABELS: Record<Outcome, { label: string; short: string }> = {
  confirmed: { label: 'Confirmed', short: 'confirmed' },
  awaiting_support_renewal: { label: 'Awaiting support-plan renewal', short: 'awaiting renewal' },
  transition_required: { label: 'Transition required (move to indirect reseller)', short: 'transition required' },
  needs_review: { label: 'Needs review (no partner notice)', short: 'needs review' },
};

const TRIGGER_NAMES: Record<Trigger, string> = { renewal: 'support-plan renewal', anniversary: 'onboarding anniversary' };
