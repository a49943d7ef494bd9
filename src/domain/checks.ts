import type { Rational, WrittenDecimal } from '../money/decimal.js';
import type { AssessmentCategory, CheckResult, IsoDate, MissingReason } from './types.js';

/**
 * A check as the rules decide it: one variant per check id, its values typed (exact amounts, dates,
 * counts). Text is made from it once, by `checkText` in `rules/check-text.ts`; the notices read the
 * typed fields. A value is null while the check cannot establish it (`result: 'unknown'`).
 */
export type Check = RevenueCheck | AssessmentCheck | RenewalCheck | MfaCheck | ContactCheck | AlertRateCheck | AlertHoursCheck;

interface CheckCommon {
  result: CheckResult;
  /** Set when `result` is `unknown`: what is missing. */
  missing?: { reason: MissingReason; detail: string };
  /** What the check looked at, kept with the decision for `explain`. */
  evidence: Record<string, unknown>;
}

export interface RevenueCheck extends CheckCommon {
  id: 'ttm_revenue';
  unit: 'usd';
  minimumUsd: Rational;
  totalUsd: Rational | null;
  /** First and last day of the TTM window; null when no revenue was read for the cycle. */
  window: { from: IsoDate; to: IsoDate } | null;
}

export interface AssessmentCheck extends CheckCommon {
  id: 'assessment_score';
  unit: 'score';
  passMark: WrittenDecimal;
  /** The weighted score, exact. */
  score: Rational | null;
  assessedOn: IsoDate | null;
  /** The mean of every category that has scores, as recorded in the evidence (to the millionth). */
  categoryMeans: Array<{ category: AssessmentCategory; mean: Rational }>;
}

export interface RenewalCheck extends CheckCommon {
  id: 'support_plan_renewal';
  unit: 'date';
  /** The term the renewal must follow ends on this day. */
  termEnd: IsoDate;
  /** Not renewed: the day by which it must be. */
  deadline: IsoDate | null;
  renewedTerm: { plan: string | null; termStart: IsoDate; termEnd: IsoDate | null } | null;
}

/** `part` of `whole` (admins with MFA, alerts answered in time). */
export interface Counted {
  part: number;
  whole: number;
}

interface SecurityCheckCommon extends CheckCommon {
  /** The day of the snapshot the check read; null when there is none. */
  snapshotAsOf: IsoDate | null;
}

export interface MfaCheck extends SecurityCheckCommon {
  id: 'mfa_admins';
  unit: 'ratio';
  minimum: WrittenDecimal;
  admins: Counted | null;
}

export interface ContactCheck extends SecurityCheckCommon {
  id: 'security_contact';
  unit: 'email';
  contactRequired: boolean;
  /** `provided`: Graph says one is registered without telling the address. */
  contact: { kind: 'address'; address: string; wellFormed: boolean } | { kind: 'provided' } | { kind: 'none' } | null;
}

/** From the security CSV: the share of alerts answered in time; `whole` 0 means there were none. */
export interface AlertRateCheck extends SecurityCheckCommon {
  id: 'alert_response';
  unit: 'ratio';
  minimum: WrittenDecimal;
  alerts: Counted | null;
}

/** From Graph's security score: the slowest tenant's average response time, in hours. */
export interface AlertHoursCheck extends SecurityCheckCommon {
  id: 'alert_response';
  unit: 'hours';
  maxHours: WrittenDecimal;
  averageHours: WrittenDecimal | null;
}
