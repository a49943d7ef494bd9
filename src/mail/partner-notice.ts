import type { Check } from '../domain/checks.js';
import type { CheckId, Decision, IsoDate, Locale, Month, NoticeKind, Outcome, Partner } from '../domain/types.js';
import { addMonthsToMonth, monthOf } from '../rules/months.js';
import { showCheck } from './check-view.js';
import { formatDate, formatMonth } from './format.js';
import type { RenderedMail, Templates } from './render.js';
import { oneLine, subjectLine } from './text.js';
import { type Words, wordsFor } from './words.js';

const LOCALES: readonly Locale[] = ['ja', 'en'];
const PARTNER_OUTCOMES: ReadonlySet<Outcome> = new Set(['confirmed', 'awaiting_support_renewal', 'transition_required']);

/** The early-warning part of a partner's notice, shown after its decisions (see warning-notice.ts). */
export interface NoticeWarnings {
  anyWarning: boolean;
  severalWarnings: boolean;
  warnings: object[];
}

const NO_WARNINGS: NoticeWarnings = { anyWarning: false, severalWarnings: false, warnings: [] };

interface CheckView {
  id: CheckId;
  label: string;
  observed: string;
  required: string;
  result: string;
  passed: boolean;
  failed: boolean;
  note: string | null;
}

interface CycleView {
  cycle: Month;
  month: string;
  title: string;
  confirmed: boolean;
  awaiting: boolean;
  transition: boolean;
  checks: CheckView[];
  unmet: CheckView[];
  snapshotDate: string | null;
}

/**
 * One email for every decision a partner gets in a run, in its locale; null when there is
 * nothing to tell it. `needs_review` never reaches a partner: operations are told instead.
 */
export function renderPartnerNotice(
  input: { partner: Partner; decisions: Decision[]; asOf: IsoDate; warnings?: NoticeWarnings },
  templates: Templates,
): (RenderedMail & { kinds: NoticeKind[] }) | null {
  const decisions = input.decisions.filter((decision) => PARTNER_OUTCOMES.has(decision.outcome));
  if (decisions.length === 0) return null;
  const locale: Locale = LOCALES.includes(input.partner.locale) ? input.partner.locale : 'en';
  const words = wordsFor(locale);
  const cycles = decisions.map((decision) => cycleView(decision, words));
  const optionalDate = (date: IsoDate | undefined) => (date ? formatDate(date, locale) : null);
  const awaiting = decisions
    .filter((decision) => decision.outcome === 'awaiting_support_renewal')
    .sort((a, b) => ((a.deadline ?? '') < (b.deadline ?? '') ? -1 : 1))[0];
  const reapplyOn = decisions.flatMap((decision) => (decision.reapplyEligibleOn ? [decision.reapplyEligibleOn] : [])).sort().at(-1);
  const view = {
    lang: locale,
    partnerName: oneLine(input.partner.name),
    partnerId: oneLine(input.partner.partnerId),
    asOf: formatDate(input.asOf, locale),
    cycles,
    several: cycles.length > 1,
    count: cycles.length,
    cycleList: [...new Set(decisions.map((decision) => decision.cycle))].join(', '),
    monthList: [...new Set(cycles.map((cycle) => cycle.month))].join(words.listSeparator),
    anyTransition: cycles.some((cycle) => cycle.transition),
    anyAwaiting: cycles.some((cycle) => cycle.awaiting),
    reapplyOn: optionalDate(reapplyOn),
    renewBy: optionalDate(awaiting?.deadline),
    renewTermEnd: optionalDate(awaiting?.termEnd),
    nextReviews: decisions.flatMap((decision) => nextReview(decision, locale)),
    ...(input.warnings ?? NO_WARNINGS),
  };
  const set = templates.partnerNotice[locale];
  const subject = subjectLine(set.subject(view));
  return {
    kinds: [...new Set<NoticeKind>(decisions.map((decision) => decision.outcome)), ...(input.warnings?.anyWarning ? (['early_warning'] as const) : [])],
    subject,
    text: set.text({ ...view, subject }),
    html: set.html({ ...view, subject }),
  };
}

function cycleView(decision: Decision, words: Words): CycleView {
  const checks = decision.checks.map((check) => checkView(check, words));
  const month = formatMonth(decision.cycle, words.locale);
  const snapshotAsOf = decision.checks.map(snapshotOf).find((day) => day !== null);
  return {
    cycle: decision.cycle,
    month,
    title: words.trigger[decision.trigger](month),
    confirmed: decision.outcome === 'confirmed',
    awaiting: decision.outcome === 'awaiting_support_renewal',
    transition: decision.outcome === 'transition_required',
    checks,
    unmet: checks.filter((check) => check.failed),
    snapshotDate: snapshotAsOf ? formatDate(snapshotAsOf, words.locale) : null,
  };
}

function snapshotOf(check: Check): IsoDate | null {
  return check.id === 'mfa_admins' || check.id === 'security_contact' || check.id === 'alert_response' ? check.snapshotAsOf : null;
}

/** Anniversaries recur in the same month; a renewal recurs in the month the renewed term ends. */
function nextReview(decision: Decision, locale: Locale): Array<{ renewal: boolean; month: string }> {
  if (decision.outcome !== 'confirmed') return [];
  if (decision.trigger === 'anniversary') return [{ renewal: false, month: formatMonth(addMonthsToMonth(decision.cycle, 12), locale) }];
  const renewal = decision.checks.find((check) => check.id === 'support_plan_renewal');
  const termEnd = renewal?.renewedTerm?.termEnd;
  return termEnd ? [{ renewal: true, month: formatMonth(monthOf(termEnd), locale) }] : [];
}

function checkView(check: Check, words: Words): CheckView {
  const shown = showCheck(check, words);
  return {
    id: check.id,
    label: words.checkLabel[check.id],
    observed: oneLine(shown.observed),
    required: oneLine(shown.required),
    result: words.result[check.result],
    passed: check.result === 'pass',
    failed: check.result === 'fail',
    note: shown.note === null ? null : oneLine(shown.note),
  };
}
