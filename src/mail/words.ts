import type { CheckId, CheckResult, Locale, Trigger } from '../domain/types.js';
import { EN } from './words-en.js';
import { JA } from './words-ja.js';

export interface RatioPhrases {
  counted(part: number, whole: number): string;
  all: string;
  atLeast(percent: string): string;
}

/**
 * The words of one locale, given figures and dates already formatted (`format.ts`); the sentences
 * around them live in the templates.
 */
export interface Words {
  locale: Locale;
  listSeparator: string;
  atLeast(value: string): string;
  score(points: string): string;
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

const WORDS: Record<Locale, Words> = { en: EN, ja: JA };

/** A partner whose locale has no words is written to in English. */
export function wordsFor(locale: Locale): Words {
  return Object.hasOwn(WORDS, locale) ? WORDS[locale] : EN;
}
