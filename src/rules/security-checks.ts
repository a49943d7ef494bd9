import { isEmail } from '../domain/email.js';
import type { AlertHoursCheck, AlertRateCheck, Check, ContactCheck, Counted, MfaCheck } from '../domain/checks.js';
import type { CheckId, Evidence, GraphSecuritySnapshot, IsoDate, SecuritySnapshot } from '../domain/types.js';
import { compare, type Rational, rational, writtenDecimal } from '../money/decimal.js';
import type { Policy } from '../policy/policy.js';
import { type Undecided, unknown } from './check-base.js';
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
  const snapshotAsOf = snapshot?.asOf ?? null;
  const security = policy.security;
  const bases: Undecided<Check>[] = [
    { id: 'mfa_admins', unit: 'ratio', minimum: writtenDecimal(security.minMfaCoverage), admins: null, snapshotAsOf },
    { id: 'security_contact', unit: 'email', contactRequired: security.requireContact, contact: null, snapshotAsOf },
    snapshot?.source === 'graph-security-score'
      ? { id: 'alert_response', unit: 'hours', maxHours: writtenDecimal(security.maxAverageAlertResponseHours), averageHours: null, snapshotAsOf }
      : { id: 'alert_response', unit: 'ratio', minimum: writtenDecimal(security.minAlertResponseRate), alerts: null, snapshotAsOf },
  ];
  const [mfa, contact, alerts] = bases as [Undecided<MfaCheck>, Undecided<ContactCheck>, Undecided<AlertRateCheck | AlertHoursCheck>];

  if (!snapshot) {
    return bases.map((base) => unknown(base, 'snapshot_missing', `no security snapshot on or before ${asOf}`, {}));
  }
  const ageDays = daysBetween(snapshot.asOf, asOf);
  const source = snapshot.source === 'graph-security-score' ? sourceOfGraph(snapshot) : { source: 'csv', sourceFile: snapshot.sourceFile ?? null };
  const evidenceOf: EvidenceOf = (extra) => ({ ...source, snapshotAsOf: snapshot.asOf, ageDays, ...extra });
  if (ageDays > policy.security.maxAgeDays) {
    const detail = `the latest security snapshot (${snapshot.asOf}) is ${ageDays} days old; at most ${policy.security.maxAgeDays} allowed`;
    return bases.map((base) => unknown(base, 'snapshot_stale', detail, evidenceOf({})));
  }
  if (snapshot.source === 'graph-security-score') {
    return [
      graphMfaCheck(snapshot, mfa, evidenceOf),
      graphContactCheck(snapshot, contact, evidenceOf),
      graphAlertCheck(snapshot, alerts as Undecided<AlertHoursCheck>, evidenceOf),
    ];
  }
  return [mfaCheck(snapshot, mfa, evidenceOf), contactCheck(snapshot, contact, evidenceOf), alertCheck(snapshot, alerts as Undecided<AlertRateCheck>, evidenceOf)];
}

function sourceOfGraph(snapshot: GraphSecuritySnapshot): Record<string, unknown> {
  return {
    source: 'graph-security-score',
    sourceFile: snapshot.sourceFile ?? null,
    tenants: snapshot.tenants.map(({ tenantId, retrievedDateTime }) => ({ tenantId, retrievedDateTime })),
  };
}

function mfaCheck(snapshot: SecuritySnapshot, base: Undecided<MfaCheck>, evidenceOf: EvidenceOf): MfaCheck {
  const evidence = evidenceOf({ adminUsers: snapshot.adminUsers, adminUsersWithMfa: snapshot.adminUsersWithMfa });
  if (snapshot.adminUsers === 0) {
    return unknown(base, 'no_admin_users', `the snapshot of ${snapshot.asOf} lists no admin users`, evidence);
  }
  const admins = { part: snapshot.adminUsersWithMfa, whole: snapshot.adminUsers };
  return { ...base, result: meets(admins, base.minimum.value), admins, evidence };
}

function alertCheck(snapshot: SecuritySnapshot, base: Undecided<AlertRateCheck>, evidenceOf: EvidenceOf): AlertRateCheck {
  const evidence = evidenceOf({ alertsTotal: snapshot.alertsTotal, alertsRespondedInTime: snapshot.alertsRespondedInTime });
  const alerts = { part: snapshot.alertsRespondedInTime, whole: snapshot.alertsTotal };
  return { ...base, result: alerts.whole === 0 ? 'pass' : meets(alerts, base.minimum.value), alerts, evidence };
}

function meets({ part, whole }: Counted, minimum: Rational): 'pass' | 'fail' {
  return compare(rational(part, whole), minimum) >= 0 ? 'pass' : 'fail';
}

function contactCheck(snapshot: SecuritySnapshot, base: Undecided<ContactCheck>, evidenceOf: EvidenceOf): ContactCheck {
  const address = snapshot.securityContact?.trim() || null;
  const evidence = evidenceOf({ securityContact: address });
  const wellFormed = address !== null && isEmail(address);
  return {
    ...base,
    result: wellFormed || !base.contactRequired ? 'pass' : 'fail',
    contact: address === null ? { kind: 'none' } : { kind: 'address', address, wellFormed },
    evidence: wellFormed || address === null ? evidence : { ...evidence, problem: 'not a well-formed email address' },
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

function graphMfaCheck(snapshot: GraphSecuritySnapshot, base: Undecided<MfaCheck>, evidenceOf: EvidenceOf): MfaCheck {
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
  const admins = { part: snapshot.adminUsersWithMfa, whole: snapshot.adminUsers };
  return { ...base, result: meets(admins, base.minimum.value), admins, evidence };
}

/** Graph exposes no address, only whether the requirement is met: `provided` or `none`. */
function graphContactCheck(snapshot: GraphSecuritySnapshot, base: Undecided<ContactCheck>, evidenceOf: EvidenceOf): ContactCheck {
  const evidence = evidenceOf({ contactStatus: snapshot.contactStatus, requirements: requirementsOf(snapshot, 'securityContactProvided') });
  if (snapshot.contactStatus === null) {
    return unknown(base, 'requirement_unknown', snapshot.unknown.security_contact ?? 'the security score does not say whether a security contact is provided', evidence);
  }
  const provided = snapshot.contactStatus === 'compliant';
  return { ...base, result: provided || !base.contactRequired ? 'pass' : 'fail', contact: { kind: provided ? 'provided' : 'none' }, evidence };
}

/** The slowest tenant decides: one known average over the limit fails, whatever the others. */
function graphAlertCheck(snapshot: GraphSecuritySnapshot, base: Undecided<AlertHoursCheck>, evidenceOf: EvidenceOf): AlertHoursCheck {
  const evidence = evidenceOf({ averageResponseHours: snapshot.averageResponseHours, requirements: requirementsOf(snapshot, 'securityAlertsPromptlyResolved') });
  const average = snapshot.averageResponseHours === null ? null : writtenDecimal(snapshot.averageResponseHours);
  const within = average === null ? null : compare(average.value, base.maxHours.value) <= 0;
  if (within === false) return { ...base, result: 'fail', averageHours: average, evidence };
  if (snapshot.unknown.alert_response !== undefined || average === null) {
    return unknown(base, 'requirement_unknown', snapshot.unknown.alert_response ?? 'the security score gives no average response time', evidence);
  }
  return { ...base, result: 'pass', averageHours: average, evidence };
}
