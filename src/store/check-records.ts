import type { AssessmentCheck, RevenueCheck } from '../domain/checks.js';
import type { AssessmentCategory, CheckRecord } from '../domain/types.js';
import { isDecimalText, parseDecimal, type Rational, writtenDecimal } from '../money/decimal.js';

/**
 * The revenue and assessment checks of a stored decision, typed again: a cycle awaiting its renewal
 * carries them into its later decisions as they passed. Decisions are stored as text (`CheckRecord`)
 * and rows of every version read alike; each value is read back so that it projects to the same text.
 */
export function carriedChecks(records: CheckRecord[]): Array<RevenueCheck | AssessmentCheck> {
  return records.flatMap((record): Array<RevenueCheck | AssessmentCheck> => {
    const common = { result: record.result, ...(record.missing ? { missing: record.missing } : {}), evidence: record.evidence };
    const threshold = record.required.replace(/^>=\s*/, '');
    if (record.id === 'ttm_revenue') {
      const window = record.evidence.window as { from?: unknown; to?: unknown } | undefined;
      return [{
        id: 'ttm_revenue',
        unit: 'usd',
        ...common,
        minimumUsd: parseDecimal(threshold),
        totalUsd: figure(record.observed),
        window: typeof window?.from === 'string' && typeof window.to === 'string' ? { from: window.from, to: window.to } : null,
      }];
    }
    if (record.id === 'assessment_score') {
      const assessedOn = record.evidence.assessedOn;
      const categories = Array.isArray(record.evidence.categories) ? (record.evidence.categories as Array<{ category?: unknown; mean?: unknown }>) : [];
      return [{
        id: 'assessment_score',
        unit: 'score',
        ...common,
        passMark: writtenDecimal(threshold),
        score: figure(record.observed),
        assessedOn: typeof assessedOn === 'string' ? assessedOn : null,
        categoryMeans: categories.flatMap((entry) =>
          typeof entry?.category === 'string' && typeof entry.mean === 'string' && isDecimalText(entry.mean)
            ? [{ category: entry.category as AssessmentCategory, mean: parseDecimal(entry.mean) }]
            : [],
        ),
      }];
    }
    return [];
  });
}

/** `unknown` and the like are no figure. */
function figure(text: string): Rational | null {
  return isDecimalText(text) ? parseDecimal(text) : null;
}
