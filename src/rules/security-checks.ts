import { isEmail } from '../config/config.js';
import type { Check, CheckId, Evidence, GraphSecuritySnapshot, IsoDate, SecuritySnapshot } from '../domain/types.js';
import { compare, parseDecimal, rational, toFixed } from '../money/decimal.js';
import type { Policy } from '../policy/policy.js';
import { type CheckBase, trimZeros, unknown } from './check-base.js';
import { daysBetween } from './months.js';

/** The mandatory security requirements, checked in the month of the onboarding anniversary. */
export const ANNIVERSARY_CHECKS = ['mfa_admins', 'security_contact', 'alert_response'] as const satisfies readonly CheckId[];

type EvidenceOf = (extra: Record<string, unknown>) => Record<string, unknown>;

/**
 * The security checks from the latest snapshot, whichever its source: the security CSV, or
 * Microsoft Graph's partner security score, whose requirements it does not know are unknown, never
 * failed. Every check's evidence names the source and the file it came from.
 */
export function anniversaryChecks(evidence: Evidence, policy: Policy, asOf: IsoDate): Check[] {
  const snapshot = evidence.security ?? null;
  const graph = snapshot?.source === 'graph-security-score';
  const required: Record<(typeof ANNIVERSARY_CHECKS)[number], string> = {
    mfa_admins: `>= ${policy.security.minMfaCoverage}`,
    security_contact: policy.security.requireContact ? 'present' : 'not required',
    alert_response: graph ? `<= ${policy.security.maxAverageAlertResponseHours}` : `>= ${policy.security.minAlertResponseRate}`,
  };
  const units = { mfa_admins: 'ratio', security_contact: 'email', alert_response: graph ? 'hours' : 'ratio' } as const;
  const baseOf = (id: (typeof ANNIVERSARY_CHECKS)[number]): CheckBase => ({ id, required: required[id], unit: units[id] });

  if (!snapshot) {
    return ANNIVERSARY_CHECKS.map((id) => unknown(baseOf(id), 'snapshot_missing', `no security snapshot on or before ${asOf}`, {}));
  }
  const ageDays = daysBetween(snapshot.asOf, asOf);
  const source = snapshot.source === 'graph-security-score' ? sourceOfGraph(snapshot) : { source: 'csv', sourceFile: snapshot.sourceFile ?? null };
  const evidenceOf: EvidenceOf = (extra) => ({ ...source, snapshotAsOf: snapshot.asOf, ageDays, ...extra });
  if (ageDays > policy.security.maxAgeDays) {
    const detail = `the latest security snapshot (${snapshot.asOf}) is ${ageDays} days old; at most ${policy.security.maxAgeDays} allowed`;
    return ANNIVERSARY_CHECKS.map((id) => unknown(baseOf(id), 'snapshot_stale', detail, evidenceOf({})));
  }
  if (snapshot.source === 'graph-security-score') {
    return [
      graphMfaCheck(snapshot, policy, baseOf('mfa_admins'), evidenceOf),
      graphContactCheck(snapshot, policy, baseOf('security_contact'), evidenceOf),
      graphAlertCheck(snapshot, policy, baseOf('alert_response'), evidenceOf),
    ];
  }
  return [
    mfaCheck(snapshot, policy, baseOf('mfa_admins'), evidenceOf),
    contactCheck(snapshot, policy, baseOf('security_contact'), evidenceOf),
    alertCheck(snapshot, policy, baseOf('alert_response'), evidenceOf),
  ];
}

function sourceOfGraph(snapshot: GraphSecuritySnapshot): Record<string, unknown> {
  return {
    source: 'graph-security-score',
    sourceFile: snapshot.sourceFile ?? null,
    tenants: snapshot.tenants.map(({ tenantId, retrievedDateTime }) => ({ tenantId, retrievedDateTime })),
  };
}

function mfaCheck(snapshot: SecuritySnapshot, policy: Policy, base: CheckBase, evidenceOf: EvidenceOf): Check {
  const evidence = evidenceOf({ adminUsers: snapshot.adminUsers, adminUsersWithMfa: snapshot.adminUsersWithMfa });
  if (snapshot.adminUsers === 0) {
    return unknown(base, 'no_admin_users', `the snapshot of ${snapshot.asOf} lists no admin users`, evidence);
  }
  return ratioCheck(base, snapshot.adminUsersWithMfa, snapshot.adminUsers, policy.security.minMfaCoverage, evidence);
}

function alertCheck(snapshot: SecuritySnapshot, policy: Policy, base: CheckBase, evidenceOf: EvidenceOf): Check {
  const evidence = evidenceOf({ alertsTotal: snapshot.alertsTotal, alertsRespondedInTime: snapshot.alertsRespondedInTime });
  if (snapshot.alertsTotal === 0) return { ...base, result: 'pass', observed: 'no alerts', evidence };
  return ratioCheck(base, snapshot.alertsRespondedInTime, snapshot.alertsTotal, policy.security.minAlertResponseRate, evidence);
}

function ratioCheck(base: CheckBase, part: number, whole: number, minimum: string, evidence: Record<string, unknown>): Check {
  const ratio = rational(part, whole);
  return {
    ...base,
    result: compare(ratio, parseDecimal(minimum)) >= 0 ? 'pass' : 'fail',
    observed: trimZeros(toFixed(ratio, 4, 'truncate')),
    evidence,
  };
}

function contactCheck(snapshot: SecuritySnapshot, policy: Policy, base: CheckBase, evidenceOf: EvidenceOf): Check {
  const contact = snapshot.securityContact?.trim() || null;
  const evidence = evidenceOf({ securityContact: contact });
  const wellFormed = contact !== null && isEmail(contact);
  return {
    ...base,
    result: wellFormed || !policy.security.requireContact ? 'pass' : 'fail',
    observed: contact ?? 'none',
    evidence: wellFormed || contact === null ? evidence : { ...evidence, problem: 'not a well-formed email address' },
  };
}

/** The requirement items of one type, from every tenant, as evidence. */
function requirementsOf(snapshot: GraphSecuritySnapshot, type: string): Array<Record<string, unknown>> {
  return snapshot.tenants.flatMap(({ tenantId, requirements }) => requirements.filter((item) => item.requirementType === type).map((item) => ({ tenantId, ...item })));
}

/** The customers' requirements: kept beside every check as evidence, deciding nothing. */
function customerSide(snapshot: GraphSecuritySnapshot): Array<Record<string, unknown>> {
  return [...requirementsOf(snapshot, 'mfaEnforcedForAdminsOfCustomers'), ...requirementsOf(snapshot, 'spendingBudgetSetForCustomerAzureSubscriptions')];
}

function graphMfaCheck(snapshot: GraphSecuritySnapshot, policy: Policy, base: CheckBase, evidenceOf: EvidenceOf): Check {
  const evidence = evidenceOf({
    adminUsers: snapshot.adminUsers,
    adminUsersWithMfa: snapshot.adminUsersWithMfa,
    requirements: requirementsOf(snapshot, 'mfaEnforcedForAdmins'),
    customerRequirements: customerSide(snapshot),
  });
  if (snapshot.unknown.mfa_admins !== undefined || snapshot.adminUsers === null || snapshot.adminUsersWithMfa === null) {
    return unknown(base, 'requirement_unknown', snapshot.unknown.mfa_admins ?? 'the security score does not count the admins', evidence);
  }
  if (snapshot.adminUsers === 0) return unknown(base, 'no_admin_users', `the security score of ${snapshot.asOf} counts no admin users`, evidence);
  return ratioCheck(base, snapshot.adminUsersWithMfa, snapshot.adminUsers, policy.security.minMfaCoverage, evidence);
}

/** Graph exposes no address, only whether the requirement is met: `provided` or `none`. */
function graphContactCheck(snapshot: GraphSecuritySnapshot, policy: Policy, base: CheckBase, evidenceOf: EvidenceOf): Check {
  const evidence = evidenceOf({ contactStatus: snapshot.contactStatus, requirements: requirementsOf(snapshot, 'securityContactProvided') });
  if (snapshot.contactStatus === null) {
    return unknown(base, 'requirement_unknown', snapshot.unknown.security_contact ?? 'the security score does not say whether a security contact is provided', evidence);
  }
  const provided = snapshot.contactStatus === 'compliant';
  return { ...base, result: provided || !policy.security.requireContact ? 'pass' : 'fail', observed: provided ? 'provided' : 'none', evidence };
}

/** The slowest tenant decides: one known average over the limit fails, whatever the others. */
function graphAlertCheck(snapshot: GraphSecuritySnapshot, policy: Policy, base: CheckBase, evidenceOf: EvidenceOf): Check {
  const evidence = evidenceOf({ averageResponseHours: snapshot.averageResponseHours, requirements: requirementsOf(snapshot, 'securityAlertsPromptlyResolved') });
  const average = snapshot.averageResponseHours;
  const within = average === null ? null : compare(parseDecimal(average), parseDecimal(policy.security.maxAverageAlertResponseHours)) <= 0;
  if (within === false) return { ...base, result: 'fail', observed: average!, evidence };
  if (snapshot.unknown.alert_response !== undefined || average === null) {
    return unknown(base, 'requirement_unknown', snapshot.unknown.alert_response ?? 'the security score gives no average response time', evidence);
  }
  return { ...base, result: 'pass', observed: average, evidence };
}
