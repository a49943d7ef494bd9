import { isLosslessNumber, parse } from 'lossless-json';
import { DecimalFormatError, FieldProblem, LineError } from '../errors.js';
import { compare, expandExponent, isDecimalText, parseDecimal } from '../money/decimal.js';
import { exportedDate } from './exported-dates.js';
import type { CellProblem } from './kinds.js';
import { tenantId as tenantGuid } from './kinds.js';

/**
 * Microsoft Graph's partner security score (SPEC §2.2), one JSON object per partner tenant:
 * `{"tenantId", "retrievedDateTime", "requirements": [...]}`, the requirement items as
 * `GET /beta/security/partner/securityScore/requirements` returns them. Numbers are read as their
 * exact text, never as floats. Pure: no I/O here.
 */

/** A requirement item with every value a string, a boolean or null (numbers as their exact text). */
export type RequirementItem = Record<string, string | boolean | null>;

export type Known<T> = { known: true } & T;
export interface Unknown {
  known: false;
  /** Why the check cannot be decided from this tenant's score. */
  reason: string;
}

export interface TenantScore {
  line: number;
  tenantId: string;
  retrievedDateTime: string;
  /** The UTC day of `retrievedDateTime`. */
  asOf: string;
  mfa: Known<{ admins: number; withMfa: number }> | Unknown;
  contact: Known<{ compliant: boolean }> | Unknown;
  alerts: Known<{ averageHours: string }> | Unknown;
  requirements: RequirementItem[];
}

const MFA = 'mfaEnforcedForAdmins';
const CONTACT = 'securityContactProvided';
const ALERTS = 'securityAlertsPromptlyResolved';

/** The requirement type of each item type, for items that name only their `@odata.type`. */
const TYPE_OF_ODATA: Readonly<Record<string, string>> = {
  '#microsoft.graph.partner.security.adminsMfaEnforcedSecurityRequirement': MFA,
  '#microsoft.graph.partner.security.responseTimeSecurityRequirement': ALERTS,
  '#microsoft.graph.partner.security.customersMfaEnforcedSecurityRequirement': 'mfaEnforcedForAdminsOfCustomers',
  '#microsoft.graph.partner.security.customersSpendingBudgetSecurityRequirement': 'spendingBudgetSetForCustomerAzureSubscriptions',
};

/** Reads one line of the file; throws LineError naming the field when it cannot be read. */
export function readTenantScore(text: string, line: number): TenantScore {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new LineError({ column: '', value: '', message: `is not JSON (${(error as Error).message})` });
  }
  if (!isRecord(value)) throw new LineError({ column: '', value: '', message: 'is not a JSON object' });
  const tenantText = typeof value.tenantId === 'string' ? value.tenantId.trim() : '';
  if (tenantText === '') throw new LineError({ column: 'tenantId', value: '', message: 'is missing: every line names the partner tenant it was read for' });
  const retrieved = typeof value.retrievedDateTime === 'string' ? value.retrievedDateTime.trim() : '';
  if (retrieved === '') throw new LineError({ column: 'retrievedDateTime', value: '', message: 'is missing: every line says when it was read' });
  const tenantId = field('tenantId', tenantText, tenantGuid);
  const asOf = field('retrievedDateTime', retrieved, (text) => {
    if (!/^\d{4}-\d{2}-\d{2}/.test(text)) throw new FieldProblem('is not an ISO 8601 date and time');
    return exportedDate(text);
  });
  const requirements = requirementList(value.requirements);
  const byType = new Map<string, RequirementItem>();
  requirements.forEach((item, i) => {
    const type = typeof item.requirementType === 'string' ? item.requirementType : (TYPE_OF_ODATA[String(item['@odata.type'])] ?? null);
    if (type === null) return;
    if (byType.has(type)) throw new LineError({ column: `requirements[${i}].requirementType`, value: type, message: 'appears twice in the line' });
    byType.set(type, item);
  });
  return {
    line,
    tenantId,
    retrievedDateTime: retrieved,
    asOf,
    mfa: readMfa(byType.get(MFA)),
    contact: readContact(byType.get(CONTACT)),
    alerts: readAlerts(byType.get(ALERTS)),
    requirements,
  };
}

function field<T>(column: string, value: string, parseValue: (text: string) => T): T {
  try {
    return parseValue(value);
  } catch (error) {
    if (!(error instanceof FieldProblem)) throw error;
    throw new LineError({ column, value, message: error.message });
  }
}

/** The items of `requirements`: a list, or the response object of the request itself (`{"value": [...]}`). */
function requirementList(raw: unknown): RequirementItem[] {
  if (raw === undefined || raw === null) return [];
  const list = isRecord(raw) && Array.isArray(raw.value) ? raw.value : raw;
  if (!Array.isArray(list)) throw new LineError({ column: 'requirements', value: '', message: 'is not a list of requirement objects' });
  return list.map((item, i) => {
    if (!isRecord(item)) throw new LineError({ column: `requirements[${i}]`, value: '', message: 'is not a requirement object' });
    return Object.fromEntries(Object.entries(item).map(([key, v]) => [key, scalar(v)]));
  });
}

/** A JSON value kept as evidence: numbers as their exact text, nested values as JSON text. */
function scalar(value: unknown): string | boolean | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (isLosslessNumber(value)) return value.value;
  return JSON.stringify(value, (_key, v: unknown) => (isLosslessNumber(v) ? v.value : v));
}

/**
 * Whether a requirement can decide: it is there, released (`state: active`), and Graph knows its
 * status. Otherwise why not; the check is then unknown, never failed.
 */
function undecidable(type: string, item: RequirementItem | undefined): string | null {
  if (!item) return `the score has no ${type} requirement`;
  if (item.state !== 'active') return item.state === 'preview' ? `the ${type} requirement is in preview` : `the ${type} requirement's state is ${describe(item.state)}, not active`;
  const status = complianceOf(item);
  if (status === null) return `the ${type} requirement's complianceStatus is ${describe(item.complianceStatus)}`;
  return null;
}

/** `compliant`, or not (`noncomplaint` is Graph's own spelling, `nonCompliant` its examples'); null for anything else. */
function complianceOf(item: RequirementItem): boolean | null {
  const status = typeof item.complianceStatus === 'string' ? item.complianceStatus.toLowerCase() : '';
  if (status === 'compliant') return true;
  if (status === 'noncompliant' || status === 'noncomplaint') return false;
  return null;
}

function describe(value: unknown): string {
  return value === undefined || value === null ? 'missing' : `'${String(value)}'`;
}

function readMfa(item: RequirementItem | undefined): TenantScore['mfa'] {
  const reason = undecidable(MFA, item);
  if (reason !== null) return { known: false, reason };
  const withMfa = count(item!, 'mfaEnabledAdminsCount');
  const notUsing = count(item!, 'adminsRequiredNotUsingMfaCount');
  if (withMfa === null || notUsing === null) return { known: false, reason: `the ${MFA} requirement does not count the admins` };
  return { known: true, admins: withMfa + notUsing, withMfa };
}

function readContact(item: RequirementItem | undefined): TenantScore['contact'] {
  const reason = undecidable(CONTACT, item);
  return reason !== null ? { known: false, reason } : { known: true, compliant: complianceOf(item!)! };
}

function readAlerts(item: RequirementItem | undefined): TenantScore['alerts'] {
  const reason = undecidable(ALERTS, item);
  if (reason !== null) return { known: false, reason };
  const raw = item!.averageResponseTimeInHours;
  if (raw === null || raw === undefined || raw === '') return { known: false, reason: `the ${ALERTS} requirement gives no averageResponseTimeInHours` };
  return { known: true, averageHours: hours(String(raw).trim()) };
}

/** A whole number ≥ 0 written as a JSON number or string; null when absent. */
function count(item: RequirementItem, name: string): number | null {
  const raw = item[name];
  if (raw === undefined || raw === null) return null;
  const text = String(raw).trim();
  if (!/^\d{1,9}$/.test(text)) throw new LineError({ column: name, value: text, message: 'is not a whole number of admins ≥ 0' });
  return Number(text);
}

/** Hours as exact decimal text, exponent notation written out (a Single may come as `1.2E-05`). */
function hours(text: string): string {
  let plain: string | null = null;
  try {
    plain = isDecimalText(text) ? text : expandExponent(text);
  } catch (error) {
    if (!(error instanceof DecimalFormatError)) throw error;
  }
  if (plain === null || plain.startsWith('-')) {
    throw new LineError({ column: 'averageResponseTimeInHours', value: text, message: 'is not a number of hours ≥ 0' });
  }
  return plain;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value);
}

/** What one partner's tenants add up to in one file: the row its snapshot is kept as. */
export interface CombinedScore {
  asOf: string;
  adminUsers: number | null;
  adminUsersWithMfa: number | null;
  /** `compliant`, `nonCompliant`, or null when unknown. */
  contactStatus: 'compliant' | 'nonCompliant' | null;
  /** The slowest tenant's average response time among those known; null when none is known. */
  averageResponseHours: string | null;
  details: {
    source: 'graph-security-score';
    tenants: Array<Pick<TenantScore, 'tenantId' | 'retrievedDateTime' | 'line' | 'requirements'>>;
    /** Per check, why it cannot be decided for every tenant. */
    unknown: { mfa_admins?: string; security_contact?: string; alert_response?: string };
  };
}

/**
 * A partner's tenants together (a PGA may hold several): its admins are all their admins, it has a
 * security contact when every tenant has one, and it answers alerts as fast as its slowest tenant.
 * The snapshot is as old as its oldest reading.
 */
export function combineTenants(scores: readonly TenantScore[]): CombinedScore {
  const reasons = (pick: (score: TenantScore) => Known<object> | Unknown) =>
    scores.flatMap((score) => {
      const part = pick(score);
      return part.known ? [] : [scores.length > 1 ? `tenant ${score.tenantId}: ${part.reason}` : part.reason];
    });
  const unknown: CombinedScore['details']['unknown'] = {};
  const mfaReasons = reasons((score) => score.mfa);
  const mfa = scores.map((score) => score.mfa).filter((m): m is Known<{ admins: number; withMfa: number }> => m.known);
  if (mfaReasons.length > 0) unknown.mfa_admins = mfaReasons.join('; ');
  const contacts = scores.map((score) => score.contact).filter((c): c is Known<{ compliant: boolean }> => c.known);
  const contactReasons = reasons((score) => score.contact);
  const anyMissingContact = contacts.some((contact) => !contact.compliant);
  if (!anyMissingContact && contactReasons.length > 0) unknown.security_contact = contactReasons.join('; ');
  const averages = scores.map((score) => score.alerts).filter((a): a is Known<{ averageHours: string }> => a.known);
  const alertReasons = reasons((score) => score.alerts);
  if (alertReasons.length > 0) unknown.alert_response = alertReasons.join('; ');
  const slowest = averages.reduce<string | null>((worst, a) => (worst === null || compare(parseDecimal(a.averageHours), parseDecimal(worst)) > 0 ? a.averageHours : worst), null);
  return {
    asOf: scores.map((score) => score.asOf).sort()[0]!,
    adminUsers: mfaReasons.length > 0 ? null : mfa.reduce((sum, m) => sum + m.admins, 0),
    adminUsersWithMfa: mfaReasons.length > 0 ? null : mfa.reduce((sum, m) => sum + m.withMfa, 0),
    contactStatus: anyMissingContact ? 'nonCompliant' : contactReasons.length > 0 ? null : 'compliant',
    averageResponseHours: slowest,
    details: {
      source: 'graph-security-score',
      tenants: scores.map(({ tenantId, retrievedDateTime, line, requirements }) => ({ tenantId, retrievedDateTime, line, requirements })),
      unknown,
    },
  };
}
