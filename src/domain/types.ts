/** Domain values shared by the rules, the storage, the notices and the reports. No row types here. */
import type { Check } from './checks.js';

export type { Check } from './checks.js';

/** `YYYY-MM-DD`, a calendar day in the policy's time zone. */
export type IsoDate = string;
/** `YYYY-MM`, a calendar month in the policy's time zone. */
export type Month = string;

export type Trigger = 'renewal' | 'anniversary';
export type Outcome = 'confirmed' | 'awaiting_support_renewal' | 'transition_required' | 'needs_review';
/** What a partner notice is about: decisions, and early warnings of cycles still ahead. */
export type NoticeKind = Outcome | 'early_warning';
export const FINAL_OUTCOMES: ReadonlySet<Outcome> = new Set(['confirmed', 'transition_required']);

export type Locale = 'ja' | 'en';
export type PartnerStatus = 'direct_bill' | 'indirect_reseller';
export type AssessmentCategory = 'sell' | 'secure' | 'support';
export type SupportPlanKind = 'ASfP' | 'PSfP';

export interface Partner {
  partnerId: string;
  name: string;
  onboardedOn: IsoDate;
  noticeTo: string[];
  noticeCc: string[];
  locale: Locale;
  status: PartnerStatus;
}

export interface SupportTerm {
  plan: SupportPlanKind;
  termStart: IsoDate;
  termEnd: IsoDate;
}

export interface AssessmentLine {
  assessedOn: IsoDate;
  category: AssessmentCategory;
  capability: string;
  /** 0–100, exact decimal text. */
  score: string;
}

/** A snapshot from the security CSV. */
export interface SecuritySnapshot {
  source?: 'csv';
  /** The file it was imported from, when known. */
  sourceFile?: string | null;
  asOf: IsoDate;
  adminUsers: number;
  adminUsersWithMfa: number;
  securityContact: string | null;
  alertsTotal: number;
  alertsRespondedInTime: number;
}

/** A requirement item of Graph's security score, every number kept as its exact text. */
export type SecurityRequirementItem = Record<string, string | boolean | null>;

/** A snapshot from Microsoft Graph's partner security score: every tenant of the partner, combined. */
export interface GraphSecuritySnapshot {
  source: 'graph-security-score';
  sourceFile?: string | null;
  asOf: IsoDate;
  /** Null when a tenant's mfaEnforcedForAdmins requirement could not tell (see `unknown`). */
  adminUsers: number | null;
  adminUsersWithMfa: number | null;
  /** `compliant` when every tenant provided a security contact, `nonCompliant` when one did not; null when unknown. */
  contactStatus: 'compliant' | 'nonCompliant' | null;
  /** The slowest tenant's average alert response time in hours, exact decimal text; null when none is known. */
  averageResponseHours: string | null;
  /** Per check, why a tenant's score cannot decide it. */
  unknown: Partial<Record<'mfa_admins' | 'security_contact' | 'alert_response', string>>;
  tenants: Array<{ tenantId: string; retrievedDateTime: string; requirements: SecurityRequirementItem[] }>;
}

/** One partner's revenue in one currency and one month of the window, summed by the database. */
export interface RevenueGroup {
  month: Month;
  currency: string;
  /** Exact decimal text of the sum of amounts (credits included). */
  amount: string;
  lines: number;
}

export interface RevenueEvidence {
  /** First and last day of the TTM window, and its months in order. */
  window: { from: IsoDate; to: IsoDate; months: Month[] };
  /** Whether anyone's revenue is dated in the window's last month (the feed has caught up). */
  feedReachesWindowEnd: boolean;
  /** The latest month any revenue is dated in, for the operator's message. */
  latestRevenueMonth: Month | null;
  groups: RevenueGroup[];
  /** `usd_per_unit` by `CUR:YYYY-MM`, for every currency and month in `groups` that has a rate. */
  fxRates: Record<string, string>;
}

export type CheckId =
  | 'ttm_revenue'
  | 'assessment_score'
  | 'support_plan_renewal'
  | 'mfa_admins'
  | 'security_contact'
  | 'alert_response';

export type CheckResult = 'pass' | 'fail' | 'unknown';

/** How a check's observed and required values are to be read and formatted. */
export type CheckUnit = 'usd' | 'score' | 'ratio' | 'email' | 'date' | 'hours';

/** Why a check could not be decided; ops are told, the partner is not. */
export type MissingReason =
  | 'revenue_feed_stale'
  | 'fx_rate_missing'
  | 'assessment_missing'
  | 'assessment_stale'
  | 'assessment_incomplete'
  | 'snapshot_missing'
  | 'snapshot_stale'
  | 'no_admin_users'
  | 'requirement_unknown'
  | 'renewal_pending';

/**
 * A check as `run --json`, `explain --json` and the stored decisions hold it: its values as canonical
 * machine text (`"999999.99"`, `">= 1000000.00"`), made from a typed `Check` by `checkRecord`.
 */
export interface CheckRecord {
  id: CheckId;
  result: CheckResult;
  observed: string;
  required: string;
  unit: CheckUnit;
  /** Set when `result` is `unknown`: what is missing. */
  missing?: { reason: MissingReason; detail: string };
  /** What the check looked at, kept with the decision for `explain`. */
  evidence: Record<string, unknown>;
}

export interface CycleRef {
  partnerId: string;
  trigger: Trigger;
  cycle: Month;
  /** Renewal cycles: the `term_end` of the support-plan term whose month this is. */
  termEnd?: IsoDate;
}

/** What was recorded earlier for a cycle that is still open. */
export interface PriorState {
  outcome: Outcome | null;
  /** Set once the partner was sent (or is being sent) the "renew your support plan" notice. */
  awaiting?: {
    decidedOn: IsoDate;
    deadline: IsoDate;
    /** Day the awaiting notice actually went out; null while it is unsent. */
    toldOn: IsoDate | null;
    /** The revenue and assessment checks as they passed when the partner was told. */
    checks: Check[];
  };
}

export interface Evidence {
  supportTerms: SupportTerm[];
  revenue?: RevenueEvidence;
  /** Every line of the partner's latest assessment on or before the as-of date, of any age. */
  assessment?: AssessmentLine[];
  /** The partner's latest security snapshot on or before the as-of date, of any age. */
  security?: SecuritySnapshot | GraphSecuritySnapshot | null;
  prior: PriorState;
}

export interface Decision {
  partnerId: string;
  trigger: Trigger;
  cycle: Month;
  outcome: Outcome;
  final: boolean;
  checks: Check[];
  decidedOn: IsoDate;
  policyVersion: string;
  /** `transition_required`: the first day the partner may apply for direct billing again. */
  reapplyEligibleOn?: IsoDate;
  /** `awaiting_support_renewal`: the last day by which the support plan must be renewed. */
  deadline?: IsoDate;
  termEnd?: IsoDate;
}

/** A decision with its checks as text, as `explain --json` shows it. */
export type DecisionRecord = Omit<Decision, 'checks'> & { checks: CheckRecord[] };

/** A cycle as recorded in the database, as due-finding needs it. */
export interface RecordedCycle {
  partnerId: string;
  trigger: Trigger;
  cycle: Month;
  outcome: Outcome | null;
  final: boolean;
  decidedOn: IsoDate | null;
  reapplyEligibleOn: IsoDate | null;
  termEnd?: IsoDate;
}

/** An email as it is recorded and sent: the same message on every attempt. */
export interface MailMessage {
  /** The complete Message-ID header value, angle brackets included. */
  messageId: string;
  /** One mailbox: `address` or `Name <address>`. */
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string;
}
