import type { IsoDate, Locale, Month, Outcome, Partner, Trigger } from '../domain/types.js';
import type { OverrideOutcome } from '../rules/override.js';
import { formatDate, formatMonth } from './format.js';
import type { RenderedMail, Templates } from './render.js';
import { oneLine, subjectLine } from './text.js';
import { wordsFor } from './words.js';

export interface CorrectionInput {
  partner: Partner;
  trigger: Trigger;
  cycle: Month;
  outcome: OverrideOutcome;
  replacedOutcome: Outcome | null;
  /** The day of the notice this one corrects; null when the partner was never told of the cycle. */
  earlierNoticeOn: IsoDate | null;
  decidedOn: IsoDate;
  reapplyEligibleOn: IsoDate | null;
}

/** The partner's notice of a corrected outcome, in its locale; it names the notice it corrects by that notice's date. */
export function renderCorrectionNotice(input: CorrectionInput, templates: Pick<Templates, 'correction'>): RenderedMail {
  const locale: Locale = input.partner.locale === 'ja' ? 'ja' : 'en';
  const words = CORRECTION_WORDS[locale];
  const month = formatMonth(input.cycle, locale);
  const view = {
    lang: locale,
    partnerName: oneLine(input.partner.name),
    partnerId: oneLine(input.partner.partnerId),
    month,
    title: words.title[input.trigger](month),
    renewal: input.trigger === 'renewal',
    earlierNoticeOn: input.earlierNoticeOn ? formatDate(input.earlierNoticeOn, locale) : null,
    replaced: input.replacedOutcome ? words.outcome[input.replacedOutcome] : null,
    corrected: words.outcome[input.outcome],
    confirmed: input.outcome === 'confirmed',
    transition: input.outcome === 'transition_required',
    liftedWait: input.outcome === 'confirmed' && input.replacedOutcome === 'transition_required',
    decidedOn: formatDate(input.decidedOn, locale),
    reapplyOn: input.reapplyEligibleOn ? formatDate(input.reapplyEligibleOn, locale) : null,
  };
  const set = templates.correction[locale];
  const subject = subjectLine(set.subject(view));
  return { subject, text: set.text({ ...view, subject }), html: set.html({ ...view, subject }) };
}

/** The words of a correction; dates, months and the sentences around them come from format.ts and the templates. */
const CORRECTION_WORDS: Record<Locale, { title: Record<Trigger, (month: string) => string>; outcome: Record<Outcome, string> }> = {
  en: {
    title: {
      renewal: (month) => `annual re-evaluation in your support-plan renewal month (${month})`,
      anniversary: (month) => `security requirements check in your onboarding anniversary month (${month})`,
    },
    outcome: {
      confirmed: 'all requirements met; you remain a CSP direct-bill partner',
      transition_required: 'requirements not met; a move to the indirect reseller model is required',
      awaiting_support_renewal: 'revenue and score met; support-plan renewal outstanding',
      needs_review: 'under review',
    },
  },
  ja: {
    // The Japanese notices name a cycle alike everywhere.
    title: wordsFor('ja').trigger,
    outcome: {
      confirmed: 'すべての要件を充足（引き続き CSP 直接請求パートナーとしてお取引いただけます）',
      transition_required: '一部の要件が未充足（間接リセラーへの移行が必要）',
      awaiting_support_renewal: '収益要件および評価スコアの基準を充足（サポート プランの更新待ち）',
      needs_review: '確認中',
    },
  },
};
