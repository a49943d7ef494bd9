import type { Decision, IsoDate, Locale, NoticeKind, Partner } from '../domain/types.js';
import type { Policy } from '../policy/policy.js';
import { addMonthsToMonth, firstDayOf } from '../rules/months.js';
import type { ProjectedCheck, Projection } from '../rules/projection.js';
import { groupThousands } from '../money/decimal.js';
import { showCheck } from './check-view.js';
import { formatDate, formatMonth } from './format.js';
import { type NoticeWarnings, renderPartnerNotice } from './partner-notice.js';
import type { RenderedMail, Templates } from './render.js';
import { oneLine, subjectLine } from './text.js';
import { type Words, wordsFor } from './words.js';

/** The phrases of a warning that are not sentences: the sentences live in the templates. */
interface WarningWords {
  gap: { usd(short: string, of: string): string; score(short: string, of: string): string };
  missingQuestionnaire: string;
  staleQuestionnaire(date: string, on: string): string;
  revenueThrough(month: string): string;
  questionnaireOf(date: string): string;
  snapshotOf(date: string): string;
  noSnapshot: string;
  join: string;
}

const WARNING_WORDS: Record<Locale, WarningWords> = {
  en: {
    gap: { usd: (short, of) => `USD ${short} short of ${of}`, score: (short, of) => `${short} points short of ${of}` },
    missingQuestionnaire: 'no questionnaire on file',
    staleQuestionnaire: (date, on) => `questionnaire of ${date}, too old by ${on}`,
    revenueThrough: (month) => `revenue through ${month}`,
    questionnaireOf: (date) => `the questionnaire of ${date}`,
    snapshotOf: (date) => `your security status as of ${date}`,
    noSnapshot: 'no security status on file',
    join: '; ',
  },
  ja: {
    gap: { usd: (short, of) => `${of} 米ドルに対して ${short} 米ドル不足`, score: (short, of) => `${of} 点に対して ${short} 点不足` },
    missingQuestionnaire: 'ご回答を確認できておりません',
    staleQuestionnaire: (date, on) => `${date}回答分（${on}時点で有効期間を過ぎる見込み）`,
    revenueThrough: (month) => `${month}までの CSP 取引収益`,
    questionnaireOf: (date) => `${date}回答分の再評価アンケート`,
    snapshotOf: (date) => `${date}時点のセキュリティの状況`,
    noSnapshot: 'セキュリティの状況は未取得',
    join: '、',
  },
};

export interface WarningItemView {
  label: string;
  projected: string;
  required: string;
  gap: string | null;
  ttm: boolean;
  score: boolean;
  todoMissing: boolean;
  todoStale: boolean;
  mfa: boolean;
  contact: boolean;
  alerts: boolean;
}

export interface WarningView {
  title: string;
  cycleMonth: string;
  monthsBefore: number;
  severalMonths: boolean;
  actBy: string;
  basis: string;
  cycleWindowFrom: string;
  cycleWindowTo: string;
  cycleStart: string;
  maxAgeDays: number;
  items: WarningItemView[];
}

/** Each warning as the notice shows it: only the checks at risk, in the partner's words and units. */
export function warningViews(projections: Projection[], locale: Locale, policy: Pick<Policy, 'revenue' | 'assessment'>): WarningView[] {
  const words = wordsFor(locale);
  const phrases = WARNING_WORDS[locale];
  return projections.map((projection) => {
    // The cycle's TTM window: the whole months before it, ending the day the partner must act by.
    const windowStart = firstDayOf(addMonthsToMonth(projection.cycle, -policy.revenue.windowMonths));
    return {
      title: words.trigger[projection.trigger](formatMonth(projection.cycle, words.locale)),
      cycleMonth: formatMonth(projection.cycle, words.locale),
      monthsBefore: projection.monthsBefore,
      severalMonths: projection.monthsBefore > 1,
      actBy: formatDate(projection.actBy, words.locale),
      basis: basisText(projection, words, phrases),
      cycleWindowFrom: formatDate(windowStart, words.locale),
      cycleWindowTo: formatDate(projection.actBy, words.locale),
      cycleStart: formatDate(firstDayOf(projection.cycle), words.locale),
      maxAgeDays: policy.assessment.maxAgeDays,
      items: projection.checks.filter((check) => check.atRisk).map((check) => itemView(check, projection, words, phrases)),
    };
  });
}

function itemView(check: ProjectedCheck, projection: Projection, words: Words, phrases: WarningWords): WarningItemView {
  const shown = showCheck(check, words);
  const stale = check.todo && check.missing?.reason === 'assessment_stale';
  const assessedOn = check.id === 'assessment_score' ? check.assessedOn : null;
  const projected = !check.todo
    ? shown.observed
    : stale && assessedOn
      ? phrases.staleQuestionnaire(formatDate(assessedOn, words.locale), formatDate(firstDayOf(projection.cycle), words.locale))
      : phrases.missingQuestionnaire;
  return {
    label: words.checkLabel[check.id],
    projected: oneLine(projected),
    required: oneLine(shown.required),
    gap: check.gap === undefined ? null : gapText(check, phrases),
    ttm: check.id === 'ttm_revenue',
    score: check.id === 'assessment_score' && !check.todo,
    todoMissing: check.todo && !stale,
    todoStale: stale,
    mfa: check.id === 'mfa_admins',
    contact: check.id === 'security_contact',
    alerts: check.id === 'alert_response',
  };
}

/** `USD 182,400.00 short of 1,000,000.00`: the gap and the requirement, grouped as money is. */
function gapText(check: ProjectedCheck, phrases: WarningWords): string {
  const minimum = /^>= (\S+)$/.exec(check.required)?.[1] ?? check.required;
  const grouped = (decimal: string) => decimal.replace(/^(-?)(\d+)/, (_, sign: string, digits: string) => `${sign}${groupThousands(digits)}`);
  return check.unit === 'usd' ? phrases.gap.usd(grouped(check.gap!), grouped(minimum)) : phrases.gap.score(check.gap!.replace(/\.00$/, ''), minimum);
}

function basisText(projection: Projection, words: Words, phrases: WarningWords): string {
  const { revenueThrough, assessedOn, snapshotAsOf } = projection.basis;
  const parts =
    projection.trigger === 'renewal'
      ? [revenueThrough ? phrases.revenueThrough(formatMonth(revenueThrough, words.locale)) : null, assessedOn ? phrases.questionnaireOf(formatDate(assessedOn, words.locale)) : null]
      : [snapshotAsOf ? phrases.snapshotOf(formatDate(snapshotAsOf, words.locale)) : phrases.noSnapshot];
  return parts.filter((part): part is string => part !== null).join(phrases.join);
}

/**
 * One email for everything a partner is told in a run: its decisions, with any early warning after
 * them; or, with no decision to tell, the early warning on its own. Null when there is nothing to tell.
 */
export function renderPartnerMail(
  input: { partner: Partner; decisions: Decision[]; warnings: Projection[]; asOf: IsoDate; policy: Pick<Policy, 'revenue' | 'assessment'> },
  templates: Templates,
): (RenderedMail & { kinds: NoticeKind[] }) | null {
  const locale: Locale = input.partner.locale === 'ja' ? 'ja' : 'en';
  const views = warningViews(input.warnings.filter((warning) => warning.status === 'at_risk'), locale, input.policy);
  const warnings: NoticeWarnings = { anyWarning: views.length > 0, severalWarnings: views.length > 1, warnings: views };
  const decided = renderPartnerNotice({ partner: input.partner, decisions: input.decisions, asOf: input.asOf, warnings }, templates);
  if (decided || views.length === 0) return decided;
  const words = wordsFor(locale);
  const view = {
    lang: locale,
    partnerName: oneLine(input.partner.name),
    partnerId: oneLine(input.partner.partnerId),
    asOf: formatDate(input.asOf, words.locale),
    monthList: [...new Set(views.map((warning) => warning.cycleMonth))].join(words.listSeparator),
    actBy: formatDate(input.warnings.map((warning) => warning.actBy).sort()[0]!, words.locale),
    ...warnings,
  };
  const set = templates.earlyWarning[locale];
  const subject = subjectLine(set.subject(view));
  return { kinds: ['early_warning'], subject, text: set.text({ ...view, subject }), html: set.html({ ...view, subject }) };
}
