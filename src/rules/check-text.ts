import type { Check, Counted } from '../domain/checks.js';
import type { CheckRecord, Decision, DecisionRecord } from '../domain/types.js';
import { rational, toFixed, trimZeros } from '../money/decimal.js';

/** What a check observed and required, as canonical machine text. */
export interface CheckText {
  /** `"999999.99"`, `"0.75"`, `"none"`, `"2026-11-01"`, `"unknown"` while it cannot be told. */
  observed: string;
  /** `">= 1000000.00"`, `">= 70"`, `"present"`, `"term starting after 2026-10-31, by 2026-11-30"`. */
  required: string;
}

/**
 * The one projection of a typed check to its text, shared by `run --json`, the reports, `explain`
 * and the stored decisions. Observed figures are truncated, never rounded, so that 999,999.995
 * does not read as the threshold it missed.
 */
export function checkText(check: Check): CheckText {
  switch (check.id) {
    case 'ttm_revenue':
      return { observed: check.totalUsd ? toFixed(check.totalUsd, 2, 'truncate') : 'unknown', required: `>= ${toFixed(check.minimumUsd, 2)}` };
    case 'assessment_score':
      return { observed: check.score ? toFixed(check.score, 2, 'truncate') : 'unknown', required: `>= ${check.passMark.text}` };
    case 'support_plan_renewal':
      return {
        observed: check.renewedTerm?.termStart ?? 'none',
        required: `term starting after ${check.termEnd}${check.deadline ? `, by ${check.deadline}` : ''}`,
      };
    case 'mfa_admins':
      return { observed: check.admins ? ratioText(check.admins) : 'unknown', required: `>= ${check.minimum.text}` };
    case 'security_contact':
      return {
        observed: check.contact === null ? 'unknown' : check.contact.kind === 'address' ? check.contact.address : check.contact.kind,
        required: check.contactRequired ? 'present' : 'not required',
      };
    case 'alert_response':
      if (check.unit === 'hours') return { observed: check.averageHours?.text ?? 'unknown', required: `<= ${check.maxHours.text}` };
      return {
        observed: check.alerts === null ? 'unknown' : check.alerts.whole === 0 ? 'no alerts' : ratioText(check.alerts),
        required: `>= ${check.minimum.text}`,
      };
  }
}

/** A share to four places, truncated: `0.6666`, `0.9`, `1`. */
function ratioText({ part, whole }: Counted): string {
  return trimZeros(toFixed(rational(part, whole), 4, 'truncate'));
}

/**
 * A check as `--json` shows it and the decisions store it, keys in the order they have always been
 * written: a renewal check leads with its result, the others with what they require.
 */
export function checkRecord(check: Check): CheckRecord {
  const { observed, required } = checkText(check);
  const missing = check.missing ? { missing: check.missing } : {};
  const { id, result, unit, evidence } = check;
  if (id === 'support_plan_renewal') return { id, result, observed, required, unit, ...missing, evidence };
  return { id, required, unit, result, observed, ...missing, evidence };
}

export function decisionRecord(decision: Decision): DecisionRecord {
  return { ...decision, checks: decision.checks.map(checkRecord) };
}
