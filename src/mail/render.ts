import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { Check, CheckId, CheckResult, Decision, IsoDate, Locale, Month, Outcome, Partner, Trigger } from '../domain/types.js';
import { compare, isDecimalText, mul, parseDecimal, rational, toFixed } from '../money/decimal.js';
import { addMonthsToMonth, monthOf } from '../rules/months.js';
import { type OverrideSummaryItem, overridesView } from './ops-overrides.js';

type Render = (view: object) => string;

interface TemplateSet {
  subject: Render;
  text: Render;
  html: Render;
}

export interface Templates {
  readonly partnerNotice: Readonly<Record<Locale, TemplateSet>>;
  readonly opsSummary: TemplateSet;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface OpsSummaryInput {
  asOf: IsoDate;
  runId: number;
  policyVersion: string;
  counts: Record<Outcome, number>;
  needsReview: Array<{ partnerId: string; partnerName: string; trigger: string; cycle: string; missing: string[] }>;
  missingSupportPlan: Array<{ partnerId: string; partnerName: string }>;
  failedSends: Array<{ partnerId: string | null; to: string[]; error: string }>;
  overrides?: OverrideSummaryItem[];
}

const LOCALES: readonly Locale[] = ['ja', 'en'];
const PARTNER_OUTCOMES: ReadonlySet<Outcome> = new Set(['confirmed', 'awaiting_support_renewal', 'transition_required']);
const OUTCOME_ORDER: readonly Outcome[] = ['confirmed', 'awaiting_support_renewal', 'transition_required', 'needs_review'];

const PARTIALS = ['html-layout', 'html-checks'] as const;

/**
 * Compiles every template in `dir` once. HTML templates escape every `{{value}}`; text and subject
 * templates are compiled with `noEscape`, as plain text has nothing to escape.
 */
export function loadTemplates(dir: string): Templates {
  const hbs = Handlebars.create();
  for (const name of PARTIALS) hbs.registerPartial(name, compileTemplate(hbs, path.join(dir, 'partials', `${name}.hbs`), true));
  const set = (base: string): TemplateSet => ({
    subject: compileFile(hbs, path.join(dir, `${base}.subject.hbs`), false),
    text: compileFile(hbs, path.join(dir, `${base}.txt.hbs`), false),
    html: compileFile(hbs, path.join(dir, `${base}.html.hbs`), true),
  });
  return {
    partnerNotice: { ja: set('partner-notice.ja'), en: set('partner-notice.en') },
    opsSummary: set('ops-summary.en'),
  };
}

function compileFile(hbs: typeof Handlebars, file: string, escape: boolean): Render {
  const template = compileTemplate(hbs, file, escape);
  return (view) => {
    try {
      return template(view);
    } catch (error) {
      throw new Error(`notice template ${file} failed to render: ${(error as Error).message}`);
    }
  };
}

function compileTemplate(hbs: typeof Handlebars, file: string, escape: boolean): Handlebars.TemplateDelegate {
  if (!existsSync(file)) throw new Error(`notice template ${file} is missing`);
  const source = readFileSync(file, 'utf8');
  const options = { strict: true, knownHelpersOnly: true, noEscape: !escape };
  try {
    // compile() is lazy: precompiling now makes a broken template stop the job before any decision.
    hbs.precompile(source, options);
    return hbs.compile(source, options);
  } catch (error) {
    throw new Error(`notice template ${file} is not valid: ${(error as Error).message}`);
  }
}

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
  input: { partner: Partner; decisions: Decision[]; asOf: IsoDate },
  templates: Templates,
): (RenderedMail & { kinds: Outcome[] }) | null {
  const decisions = input.decisions.filter((decision) => PARTNER_OUTCOMES.has(decision.outcome));
  if (decisions.length === 0) return null;
  const locale: Locale = LOCALES.includes(input.partner.locale) ? input.partner.locale : 'en';
  const words = WORDS[locale];
  const cycles = decisions.map((decision) => cycleView(decision, words));
  const optionalDate = (date: IsoDate | undefined) => (date ? words.date(date) : null);
  const awaiting = decisions
    .filter((decision) => decision.outcome === 'awaiting_support_renewal')
    .sort((a, b) => ((a.deadline ?? '') < (b.deadline ?? '') ? -1 : 1))[0];
  const reapplyOn = decisions.flatMap((decision) => (decision.reapplyEligibleOn ? [decision.reapplyEligibleOn] : [])).sort().at(-1);
  const view = {
    lang: locale,
    partnerName: oneLine(input.partner.name),
    partnerId: oneLine(input.partner.partnerId),
    asOf: words.date(input.asOf),
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
    nextReviews: decisions.flatMap((decision) => nextReview(decision, words)),
  };
  const set = templates.partnerNotice[locale];
  const subject = subjectLine(set.subject(view));
  return {
    kinds: [...new Set(decisions.map((decision) => decision.outcome))],
    subject,
    text: set.text({ ...view, subject }),
    html: set.html({ ...view, subject }),
  };
}

function cycleView(decision: Decision, words: Words): CycleView {
  const checks = decision.checks.map((check) => checkView(check, words));
  const month = words.month(decision.cycle);
  const snapshotAsOf = decision.checks.map((check) => check.evidence.snapshotAsOf).find((value) => typeof value === 'string');
  return {
    cycle: decision.cycle,
    month,
    title: words.trigger[decision.trigger](month),
    confirmed: decision.outcome === 'confirmed',
    awaiting: decision.outcome === 'awaiting_support_renewal',
    transition: decision.outcome === 'transition_required',
    checks,
    unmet: checks.filter((check) => check.failed),
    snapshotDate: typeof snapshotAsOf === 'string' ? words.date(snapshotAsOf) : null,
  };
}

/** Anniversaries recur in the same month; a renewal recurs in the month the renewed term ends. */
function nextReview(decision: Decision, words: Words): Array<{ renewal: boolean; month: string }> {
  if (decision.outcome !== 'confirmed') return [];
  if (decision.trigger === 'anniversary') return [{ renewal: false, month: words.month(addMonthsToMonth(decision.cycle, 12)) }];
  const renewal = decision.checks.find((check) => check.id === 'support_plan_renewal');
  const termEnd = (renewal?.evidence.renewedTerm as { termEnd?: unknown } | undefined)?.termEnd;
  return typeof termEnd === 'string' && ISO_DATE.test(termEnd) ? [{ renewal: true, month: words.month(monthOf(termEnd)) }] : [];
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

export function renderOpsSummary(input: OpsSummaryInput, templates: Templates): RenderedMail {
  const words = WORDS.en;
  const view = {
    lang: 'en',
    runId: input.runId,
    asOf: words.date(input.asOf),
    asOfIso: input.asOf,
    policyVersion: oneLine(input.policyVersion),
    counts: OUTCOME_ORDER.map((outcome) => ({ outcome, ...OUTCOME_LABELS[outcome], count: input.counts[outcome] ?? 0 })),
    decided: OUTCOME_ORDER.reduce((total, outcome) => total + (input.counts[outcome] ?? 0), 0),
    needsReview: input.needsReview.map((entry) => ({
      partnerId: oneLine(entry.partnerId),
      partnerName: oneLine(entry.partnerName),
      trigger: TRIGGER_NAMES[entry.trigger as Trigger] ?? oneLine(entry.trigger),
      cycle: oneLine(entry.cycle),
      missing: mergeMissing(entry.missing.map(oneLine)),
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
    ...overridesView(input.overrides ?? []),
  };
  const set = templates.opsSummary;
  const subject = subjectLine(set.subject(view));
  return { subject, text: set.text({ ...view, subject }), html: set.html({ ...view, subject }) };
}

/** `mfa_admins: no snapshot`, `alert_response: no snapshot` → `mfa_admins, alert_response: no snapshot`. */
function mergeMissing(lines: string[]): string[] {
  const idsByDetail = new Map<string, string[]>();
  for (const line of lines) {
    const match = /^([a-z_]+): (.*)$/.exec(line);
    const detail = match ? match[2]! : line;
    const ids = idsByDetail.get(detail) ?? [];
    if (match) ids.push(match[1]!);
    idsByDetail.set(detail, ids);
  }
  return [...idsByDetail].map(([detail, ids]) => (ids.length > 0 ? `${ids.join(', ')}: ${detail}` : detail));
}

const OUTCOME_LABELS: Record<Outcome, { label: string; short: string }> = {
  confirmed: { label: 'Confirmed', short: 'confirmed' },
  awaiting_support_renewal: { label: 'Awaiting support-plan renewal', short: 'awaiting renewal' },
  transition_required: { label: 'Transition required (move to indirect reseller)', short: 'transition required' },
  needs_review: { label: 'Needs review (no partner notice)', short: 'needs review' },
};

const TRIGGER_NAMES: Record<Trigger, string> = { renewal: 'support-plan renewal', anniversary: 'onboarding anniversary' };

/** CSV data may hold line breaks and control characters; none of them may shape a notice. */
function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f\u0085\u2028\u2029]+/g, ' ').trim();
}

function subjectLine(text: string): string {
  return oneLine(text).replace(/ {2,}/g, ' ');
}

/** How a check reads in a notice: its machine text turned into the partner's language and units. */
interface Shown {
  observed: string;
  required: string;
  note: string | null;
}

function showCheck(check: Check, w: Words): Shown {
  const minimum = threshold(check.required);
  const numeric = isDecimalText(check.observed);
  switch (check.id) {
    case 'ttm_revenue': {
      const window = check.evidence.window as { from?: unknown; to?: unknown } | undefined;
      return {
        observed: numeric ? w.usd(check.observed) : w.unavailable,
        required: minimum ? w.atLeast(w.usd(minimum)) : check.required,
        note: typeof window?.from === 'string' && typeof window.to === 'string' ? w.revenueWindow(w.date(window.from), w.date(window.to)) : null,
      };
    }
    case 'assessment_score': {
      const assessedOn = check.evidence.assessedOn;
      const dated = typeof assessedOn === 'string' ? w.questionnaire(w.date(assessedOn)) : null;
      const scores = categoryScores(check, w);
      return {
        observed: numeric ? w.score(check.observed) : w.unavailable,
        required: minimum ? w.atLeast(w.score(minimum)) : check.required,
        note: dated && scores ? w.withDetail(dated, scores) : (dated ?? scores),
      };
    }
    case 'support_plan_renewal': {
      const terms = /^term starting after (\d{4}-\d{2}-\d{2})(?:, by (\d{4}-\d{2}-\d{2}))?$/.exec(check.required.trim());
      const plan = (check.evidence.renewedTerm as { plan?: unknown } | undefined)?.plan;
      return {
        observed: ISO_DATE.test(check.observed)
          ? w.renewedTerm(typeof plan === 'string' ? plan : null, w.date(check.observed))
          : w.notRenewed(check.result === 'fail'),
        required: terms ? w.renewalRequired(w.date(terms[1]!), terms[2] ? w.date(terms[2]) : null) : check.required,
        note: null,
      };
    }
    case 'mfa_admins':
    case 'alert_response': {
      if (check.unit === 'hours') return showAverageResponse(check, w);
      const counts = check.id === 'mfa_admins' ? counted(check.evidence, 'adminUsersWithMfa', 'adminUsers') : counted(check.evidence, 'alertsRespondedInTime', 'alertsTotal');
      const phrases = check.id === 'mfa_admins' ? w.mfa : w.alerts;
      const observed = numeric ? (counts ? w.withDetail(percent(check.observed), phrases.counted(counts.part, counts.whole)) : percent(check.observed)) : null;
      return {
        observed: observed ?? (check.observed === 'no alerts' ? w.alerts.none : w.unavailable),
        required: minimum === null ? check.required : isOne(minimum) ? phrases.all : phrases.atLeast(percent(minimum)),
        note: null,
      };
    }
    case 'security_contact':
      return {
        observed:
          check.observed === 'none'
            ? w.contact.none
            : check.observed === 'provided' && !('securityContact' in check.evidence)
              ? w.contact.provided
              : check.observed === 'unknown'
              ? w.unavailable
              : check.evidence.problem
                ? w.withDetail(check.observed, w.contact.malformed)
                : check.observed,
        required: check.required === 'present' ? w.contact.required : check.required === 'not required' ? w.contact.notRequired : check.required,
        note: null,
      };
  }
}

/** Graph's average response time to security alerts, in hours, against the most allowed. */
function showAverageResponse(check: Check, w: Words): Shown {
  const limit = /^<=\s*(\d+(?:\.\d+)?)$/.exec(check.required.trim())?.[1];
  return {
    observed: isDecimalText(check.observed) ? w.alerts.averageHours(check.observed) : w.unavailable,
    required: limit ? w.alerts.atMostHours(limit) : check.required,
    note: null,
  };
}

/** `>= 1000000.00` → `1000000.00`; anything else is not a threshold. */
function threshold(required: string): string | null {
  const match = /^>=\s*(-?\d+(?:\.\d+)?)$/.exec(required.trim());
  return match ? match[1]! : null;
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Truncated, like the observed values themselves: a display must never round up to a threshold. */
function formatAmount(decimal: string): { sign: string; text: string } {
  const fixed = toFixed(parseDecimal(decimal), 2, 'truncate');
  const sign = fixed.startsWith('-') ? '-' : '';
  const [whole = '0', fraction = '00'] = fixed.slice(sign.length).split('.');
  return { sign, text: `${groupThousands(whole)}.${fraction}` };
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

function plainNumber(decimal: string): string {
  const { sign, text } = formatAmount(decimal);
  return `${sign}${trimZeros(text)}`;
}

function percent(decimal: string): string {
  return `${trimZeros(toFixed(mul(parseDecimal(decimal), rational(100)), 2, 'truncate'))}%`;
}

function isOne(decimal: string): boolean {
  return compare(parseDecimal(decimal), rational(1)) === 0;
}

function counted(evidence: Record<string, unknown>, part: string, whole: string): { part: number; whole: number } | null {
  const [p, w] = [evidence[part], evidence[whole]];
  return typeof p === 'number' && typeof w === 'number' ? { part: p, whole: w } : null;
}

/** The category means behind an assessment score, e.g. `Sell 80, Secure 65.5, Support 70`. */
function categoryScores(check: Check, w: Words): string | null {
  const categories = check.evidence.categories;
  if (!Array.isArray(categories)) return null;
  const parts = categories.flatMap((entry: { category?: unknown; mean?: unknown }) =>
    typeof entry?.category === 'string' && typeof entry.mean === 'string' && isDecimalText(entry.mean)
      ? [`${entry.category.charAt(0).toUpperCase()}${entry.category.slice(1)} ${w.points(trimZeros(toFixed(parseDecimal(entry.mean), 1, 'truncate')))}`]
      : [],
  );
  return parts.length > 0 ? parts.join(w.listSeparator) : null;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MONTH = /^(\d{4})-(\d{2})$/;
const EN_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function formatDateWith(iso: string, format: (year: string, month: number, day: number) => string): string {
  const match = ISO_DATE.exec(iso);
  return match ? format(match[1]!, Number(match[2]), Number(match[3])) : iso;
}

function formatMonthWith(month: string, format: (year: string, month: number) => string): string {
  const match = ISO_MONTH.exec(month);
  return match ? format(match[1]!, Number(match[2])) : month;
}

interface RatioPhrases {
  counted(part: number, whole: number): string;
  all: string;
  atLeast(percent: string): string;
}

/** The words and number formats of one locale; the sentences around them live in the templates. */
interface Words {
  listSeparator: string;
  date(iso: string): string;
  month(month: string): string;
  usd(decimal: string): string;
  atLeast(value: string): string;
  score(decimal: string): string;
  points(value: string): string;
  withDetail(main: string, detail: string): string;
  unavailable: string;
  trigger: Record<Trigger, (month: string) => string>;
  checkLabel: Record<CheckId, string>;
  result: Record<CheckResult, string>;
  revenueWindow(from: string, to: string): string;
  questionnaire(date: string): string;
  renewedTerm(plan: string | null, starts: string): string;
  notRenewed(final: boolean): string;
  renewalRequired(after: string, by: string | null): string;
  mfa: RatioPhrases;
  alerts: RatioPhrases & { none: string; averageHours(hours: string): string; atMostHours(hours: string): string };
  contact: { none: string; provided: string; malformed: string; required: string; notRequired: string };
}

const EN: Words = {
  listSeparator: ', ',
  date: (iso) => formatDateWith(iso, (year, month, day) => `${day} ${EN_MONTHS[month - 1] ?? month} ${year}`),
  month: (month) => formatMonthWith(month, (year, m) => `${EN_MONTHS[m - 1] ?? m} ${year}`),
  usd: (decimal) => {
    const { sign, text } = formatAmount(decimal);
    return `${sign}$${text}`;
  },
  atLeast: (value) => `at least ${value}`,
  score: (decimal) => `${plainNumber(decimal)} / 100`,
  points: (value) => value,
  withDetail: (main, detail) => `${main} (${detail})`,
  unavailable: 'not available yet',
  trigger: {
    renewal: (month) => `Support-plan renewal month: ${month}`,
    anniversary: (month) => `Onboarding anniversary month (security requirements): ${month}`,
  },
  checkLabel: {
    ttm_revenue: 'CSP transaction revenue, trailing 12 months (TTM)',
    assessment_score: 'Re-evaluation questionnaire score',
    support_plan_renewal: 'Support plan renewal (ASfP or PSfP)',
    mfa_admins: 'Multi-factor authentication (MFA) for admin users',
    security_contact: 'Security contact in Partner Center',
    alert_response: 'Response to security alerts',
  },
  result: { pass: 'met', fail: 'not met', unknown: 'not yet determined' },
  revenueWindow: (from, to) => `revenue from ${from} to ${to}`,
  questionnaire: (date) => `questionnaire of ${date}`,
  renewedTerm: (plan, starts) => `${plan ?? 'new'} term starting ${starts}`,
  notRenewed: (final) => (final ? 'not renewed' : 'not renewed yet'),
  renewalRequired: (after, by) => `a new ASfP or PSfP term starting after ${after}${by ? `, renewed by ${by}` : ''}`,
  mfa: {
    counted: (part, whole) => `${part} of ${whole} admin users`,
    all: '100% of admin users',
    atLeast: (pct) => `at least ${pct} of admin users`,
  },
  alerts: {
    counted: (part, whole) => `${part} of ${whole} alerts answered in time`,
    all: '100% of alerts answered in time',
    atLeast: (pct) => `at least ${pct} of alerts answered in time`,
    none: 'no security alerts in the period',
    averageHours: (hours) => `${hours} hours on average`,
    atMostHours: (hours) => `at most ${hours} hours on average`,
  },
  contact: {
    none: 'not registered',
    provided: 'registered',
    malformed: 'not a valid email address',
    required: 'a valid email address registered',
    notRequired: 'not required',
  },
};

const JA: Words = {
  listSeparator: '、',
  date: (iso) => formatDateWith(iso, (year, month, day) => `${year}年${month}月${day}日`),
  month: (month) => formatMonthWith(month, (year, m) => `${year}年${m}月`),
  usd: (decimal) => {
    const { sign, text } = formatAmount(decimal);
    return `${sign}${text} 米ドル`;
  },
  atLeast: (value) => `${value}以上`,
  score: (decimal) => `${plainNumber(decimal)} 点`,
  points: (value) => `${value} 点`,
  withDetail: (main, detail) => `${main}（${detail}）`,
  unavailable: '未確定',
  trigger: {
    renewal: (month) => `サポート プラン更新月（${month}）の年次再評価`,
    anniversary: (month) => `CSP オンボード記念月（${month}）のセキュリティ要件の確認`,
  },
  checkLabel: {
    ttm_revenue: '直近 12 か月 (TTM) の CSP 取引収益',
    assessment_score: '再評価アンケートの評価スコア（100 点満点）',
    support_plan_renewal: 'サポート プランの更新（ASfP または PSfP）',
    mfa_admins: '管理者ユーザーの多要素認証 (MFA)',
    security_contact: 'パートナー センターのセキュリティ連絡先',
    alert_response: 'セキュリティ アラートへの対応',
  },
  result: { pass: '充足', fail: '未充足', unknown: '確認中' },
  revenueWindow: (from, to) => `対象期間 ${from}～${to}`,
  questionnaire: (date) => `${date}回答分`,
  renewedTerm: (plan, starts) => `${plan ?? '新しい契約'}（${starts}開始）`,
  notRenewed: () => '未更新',
  renewalRequired: (after, by) => `${after}より後に開始する ASfP または PSfP の契約${by ? `（期限：${by}）` : ''}`,
  mfa: {
    counted: (part, whole) => `管理者ユーザー ${whole} 名中 ${part} 名`,
    all: '管理者ユーザーの 100%',
    atLeast: (pct) => `管理者ユーザーの ${pct} 以上`,
  },
  alerts: {
    counted: (part, whole) => `アラート ${whole} 件中 ${part} 件に期限内に対応`,
    all: 'アラートの 100% に期限内に対応',
    atLeast: (pct) => `アラートの ${pct} 以上に期限内に対応`,
    none: '対象期間のセキュリティ アラートなし',
    averageHours: (hours) => `平均 ${hours} 時間`,
    atMostHours: (hours) => `平均 ${hours} 時間以内`,
  },
  contact: {
    none: '未登録',
    provided: '登録済み',
    malformed: 'メール アドレスの形式が正しくありません',
    required: '有効なメール アドレスの登録',
    notRequired: '不要',
  },
};

const WORDS: Record<Locale, Words> = { en: EN, ja: JA };
