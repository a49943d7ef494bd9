import type { Outcome } from '../domain/types.js';
import { oneLine as line } from './text.js';

/** One override as the operations summary lists it. */
export interface OverrideSummaryItem {
  partnerId: string;
  partnerName: string;
  trigger: string;
  cycle: string;
  replacedOutcome: Outcome | null;
  outcome: Outcome;
  by: string;
  reason: string;
  /** ISO-8601 UTC instant the override was recorded. */
  at: string;
  /** Recorded with --no-notice. */
  noticeWithheld: boolean;
}

/** The summary's "overrides since the last summary" block; empty, it is left out. */
export function overridesView(items: OverrideSummaryItem[]): { overrides: object[]; overrideCount: number } {
  return {
    overrideCount: items.length,
    overrides: items.map((item) => ({
      partnerId: line(item.partnerId),
      partnerName: item.partnerName === item.partnerId ? '' : line(item.partnerName),
      trigger: line(item.trigger),
      cycle: line(item.cycle),
      replaced: item.replacedOutcome ?? 'due, not decided',
      outcome: item.outcome,
      by: line(item.by),
      at: item.at.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'),
      reason: line(item.reason),
      noticeWithheld: item.noticeWithheld,
    })),
  };
}
