import type { AlertHoursCheck, AssessmentCheck, Check, ContactCheck, Counted, RenewalCheck, RevenueCheck } from '../domain/checks.js';
import { compare, rational, type Rational, toFixed, trimZeros } from '../money/decimal.js';
import { formatDate, formatNumber, formatPercent, formatUsd } from './format.js';
import type { RatioPhrases, Words } from './words.js';

/** How a check reads in a notice: its typed values in the partner's language and units. */
export interface Shown {
  observed: string;
  required: string;
  note: string | null;
}

export function showCheck(check: Check, w: Words): Shown {
  switch (check.id) {
    case 'ttm_revenue':
      return showRevenue(check, w);
    case 'assessment_score':
      return showAssessment(check, w);
    case 'support_plan_renewal':
      return showRenewal(check, w);
    case 'mfa_admins':
      return showShare(check.admins, check.minimum.value, w.mfa, w);
    case 'security_contact':
      return showContact(check, w);
    case 'alert_response':
      if (check.unit === 'hours') return showAverageResponse(check, w);
      if (check.alerts?.whole === 0) return { ...showShare(null, check.minimum.value, w.alerts, w), observed: w.alerts.none };
      return showShare(check.alerts, check.minimum.value, w.alerts, w);
  }
}

function showRevenue(check: RevenueCheck, w: Words): Shown {
  const usd = (value: Rational, mode?: 'round') => formatUsd(value, w.locale, mode);
  return {
    observed: check.totalUsd ? usd(check.totalUsd) : w.unavailable,
    // Rounded as the rule's own text rounds the policy's minimum.
    required: w.atLeast(usd(check.minimumUsd, 'round')),
    note: check.window ? w.revenueWindow(formatDate(check.window.from, w.locale), formatDate(check.window.to, w.locale)) : null,
  };
}

function showAssessment(check: AssessmentCheck, w: Words): Shown {
  const dated = check.assessedOn ? w.questionnaire(formatDate(check.assessedOn, w.locale)) : null;
  // The category means behind the score, e.g. `Sell 80, Secure 65.5, Support 70`.
  const means = check.categoryMeans.map(
    ({ category, mean }) => `${category.charAt(0).toUpperCase()}${category.slice(1)} ${w.points(trimZeros(toFixed(mean, 1, 'truncate')))}`,
  );
  const scores = means.length > 0 ? means.join(w.listSeparator) : null;
  return {
    observed: check.score ? w.score(formatNumber(check.score)) : w.unavailable,
    required: w.atLeast(w.score(formatNumber(check.passMark.value))),
    note: dated && scores ? w.withDetail(dated, scores) : (dated ?? scores),
  };
}

function showRenewal(check: RenewalCheck, w: Words): Shown {
  const date = (iso: string) => formatDate(iso, w.locale);
  return {
    observed: check.renewedTerm ? w.renewedTerm(check.renewedTerm.plan, date(check.renewedTerm.termStart)) : w.notRenewed(check.result === 'fail'),
    required: w.renewalRequired(date(check.termEnd), check.deadline ? date(check.deadline) : null),
    note: null,
  };
}

/** A share of admins or alerts, with the counts behind it, against the least allowed. */
function showShare(counts: Counted | null, minimum: Rational, phrases: RatioPhrases, w: Words): Shown {
  const observed = counts ? w.withDetail(formatPercent(rational(counts.part, counts.whole)), phrases.counted(counts.part, counts.whole)) : w.unavailable;
  return { observed, required: compare(minimum, rational(1)) === 0 ? phrases.all : phrases.atLeast(formatPercent(minimum)), note: null };
}

function showContact(check: ContactCheck, w: Words): Shown {
  const contact = check.contact;
  const observed =
    contact === null
      ? w.unavailable
      : contact.kind === 'address'
        ? contact.wellFormed
          ? contact.address
          : w.withDetail(contact.address, w.contact.malformed)
        : w.contact[contact.kind];
  return { observed, required: check.contactRequired ? w.contact.required : w.contact.notRequired, note: null };
}

/** Graph's average response time to security alerts, in hours, against the most allowed. */
function showAverageResponse(check: AlertHoursCheck, w: Words): Shown {
  return {
    observed: check.averageHours ? w.alerts.averageHours(check.averageHours.text) : w.unavailable,
    required: w.alerts.atMostHours(check.maxHours.text),
    note: null,
  };
}
