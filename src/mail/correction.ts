import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { IsoDate, Locale, Month, Outcome, Partner, Trigger } from '../domain/types.js';
import type { OverrideOutcome } from '../rules/override.js';

type Render = (view: object) => string;
export type CorrectionTemplates = Readonly<Record<Locale, { subject: Render; text: Render; html: Render }>>;

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

/** Compiles the correction notice's templates once; a broken one stops the command before anything is recorded. */
export function loadCorrectionTemplates(dir: string): CorrectionTemplates {
  const hbs = Handlebars.create();
  hbs.registerPartial('html-layout', compile(hbs, path.join(dir, 'partials', 'html-layout.hbs'), true));
  const set = (locale: Locale) => {
    const base = path.join(dir, `correction-notice.${locale}`);
    const [subject, text, html] = [compile(hbs, `${base}.subject.hbs`, false), compile(hbs, `${base}.txt.hbs`, false), compile(hbs, `${base}.html.hbs`, true)];
    return { subject: (view: object) => subject(view), text: (view: object) => text(view), html: (view: object) => html(view) };
  };
  return { ja: set('ja'), en: set('en') };
}

function compile(hbs: typeof Handlebars, file: string, escape: boolean): Handlebars.TemplateDelegate {
  if (!existsSync(file)) throw new Error(`notice template ${file} is missing`);
  const options = { strict: true, knownHelpersOnly: true, noEscape: !escape };
  try {
    const source = readFileSync(file, 'utf8');
    hbs.precompile(source, options);
    return hbs.compile(source, options);
  } catch (error) {
    throw new Error(`notice template ${file} is not valid: ${(error as Error).message}`);
  }
}

/** The partner's notice of a corrected outcome, in its locale; it names the notice it corrects by that notice's date. */
export function renderCorrectionNotice(input: CorrectionInput, templates: CorrectionTemplates): { subject: string; text: string; html: string } {
  const locale: Locale = input.partner.locale === 'ja' ? 'ja' : 'en';
  const words = CORRECTION_WORDS[locale];
  const month = words.month(input.cycle);
  const view = {
    lang: locale,
    partnerName: oneLine(input.partner.name),
    partnerId: oneLine(input.partner.partnerId),
    month,
    title: words.title[input.trigger](month),
    renewal: input.trigger === 'renewal',
    earlierNoticeOn: input.earlierNoticeOn ? words.date(input.earlierNoticeOn) : null,
    replaced: input.replacedOutcome ? words.outcome[input.replacedOutcome] : null,
    corrected: words.outcome[input.outcome],
    confirmed: input.outcome === 'confirmed',
    transition: input.outcome === 'transition_required',
    liftedWait: input.outcome === 'confirmed' && input.replacedOutcome === 'transition_required',
    decidedOn: words.date(input.decidedOn),
    reapplyOn: input.reapplyEligibleOn ? words.date(input.reapplyEligibleOn) : null,
  };
  const set = templates[locale];
  const subject = oneLine(set.subject(view));
  return { subject, text: set.text({ ...view, subject }), html: set.html({ ...view, subject }) };
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\t\u2028\u2029]+/g, ' ').trim();
}

const EN_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const parts = (iso: string) => iso.split('-').map(Number) as [number, number, number?];

const CORRECTION_WORDS: Record<Locale, { date(iso: IsoDate): string; month(month: Month): string; title: Record<Trigger, (month: string) => string>; outcome: Record<Outcome, string> }> = {
  en: {
    date: (iso) => {
      const [year, month, day] = parts(iso);
      return `${day} ${EN_MONTHS[month - 1]} ${year}`;
    },
    month: (value) => {
      const [year, month] = parts(value);
      return `${EN_MONTHS[month - 1]} ${year}`;
    },
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
    date: (iso) => {
      const [year, month, day] = parts(iso);
      return `${year}年${month}月${day}日`;
    },
    month: (value) => {
      const [year, month] = parts(value);
      return `${year}年${month}月`;
    },
    title: {
      renewal: (month) => `サポート プラン更新月（${month}）の年次再評価`,
      anniversary: (month) => `CSP オンボード記念月（${month}）のセキュリティ要件の確認`,
    },
    outcome: {
      confirmed: 'すべての要件を充足（引き続き CSP 直接請求パートナーとしてお取引いただけます）',
      transition_required: '一部の要件が未充足（間接リセラーへの移行が必要）',
      awaiting_support_renewal: '収益要件および評価スコアの基準を充足（サポート プランの更新待ち）',
      needs_review: '確認中',
    },
  },
};
