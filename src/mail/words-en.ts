import type { Words } from './words.js';

export const EN: Words = {
  locale: 'en',
  listSeparator: ', ',
  atLeast: (value) => `at least ${value}`,
  score: (points) => `${points} / 100`,
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
