import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { IsoDate, Month } from '../domain/types.js';
import { addMonthsToMonth, monthOf } from '../rules/months.js';
import { listWarnings, type RecordedWarning } from '../store/warnings.js';
import { type ProjectedCheckJson, projectedCheckJson } from '../rules/projection.js';

/** How far ahead the report looks for partners at risk. */
export const AT_RISK_MONTHS = 3;

/** A partner at risk of a cycle ahead, as its latest early warning projected it. */
export interface ReportWarning {
  partnerId: string;
  partnerName: string;
  trigger: string;
  cycle: Month;
  monthsBefore: number;
  warnedOn: IsoDate;
  actBy: IsoDate;
  /** The projected TTM when the warning could establish it: the chart's bar. */
  projectedTtmUsd: string | null;
  checks: ProjectedCheckJson[];
}

/**
 * The latest warning of every partner and cycle in the next `AT_RISK_MONTHS` months after the
 * as-of month (or of the one cycle asked for): who is at risk, with the figures it was warned of.
 */
export async function warningsAhead(db: Kysely<Database>, asOf: IsoDate, cycle?: Month): Promise<ReportWarning[]> {
  const from = addMonthsToMonth(monthOf(asOf), 1);
  const to = addMonthsToMonth(monthOf(asOf), AT_RISK_MONTHS);
  const latest = new Map<string, RecordedWarning>();
  for (const warning of await listWarnings(db, cycle ? { cycle } : {})) {
    if (warning.cycle < from || warning.cycle > to) continue;
    const key = `${warning.partnerId}:${warning.trigger}:${warning.cycle}`;
    const seen = latest.get(key);
    if (!seen || warning.monthsBefore < seen.monthsBefore) latest.set(key, warning);
  }
  return [...latest.values()].map((warning) => {
    const ttm = warning.checks.find((check) => check.id === 'ttm_revenue' && check.result !== 'unknown');
    return {
      partnerId: warning.partnerId,
      partnerName: warning.partnerName,
      trigger: warning.trigger,
      cycle: warning.cycle,
      monthsBefore: warning.monthsBefore,
      warnedOn: warning.asOf,
      actBy: warning.actBy,
      projectedTtmUsd: ttm ? ttm.observed : null,
      checks: warning.checks.filter((check) => check.atRisk).map(projectedCheckJson),
    };
  });
}
