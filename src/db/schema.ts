import type { Generated, Insertable, Selectable } from 'kysely';

/**
 * Row types, one interface per table. Dates are `YYYY-MM-DD` text, months `YYYY-MM`, timestamps
 * ISO-8601 UTC text; money is integer micro-units (`bigint`) or exact decimal text, never REAL.
 */

export interface PartnersTable {
  partner_id: string;
  partner_name: string;
  onboarded_on: string;
  notice_to: string;
  notice_cc: string;
  locale: string;
  status: string;
  tenant_ids: string;
  location_ids: string;
  regions: string;
  batch_id: number;
}

/** Partner Center tenant GUIDs and location (PLA/MPN) ids, to find a PGA from an invoice line. */
export interface PartnerAliasesTable {
  alias_kind: 'tenant' | 'location';
  alias: string;
  partner_id: string;
}

export interface RevenueLinesTable {
  id: Generated<number>;
  partner_id: string;
  charge_date: string;
  amount_micro: bigint | number | string;
  currency: string;
  transaction_id: string | null;
  tenant_id: string | null;
  invoice_number: string | null;
  product_category: string | null;
  batch_id: number;
}

/** Maintained by triggers on revenue_lines: the sum and count of lines per partner, month and currency. */
export interface RevenueTotalsTable {
  partner_id: string;
  month: string;
  currency: string;
  amount_micro: bigint | number | string;
  lines: bigint | number | string;
}

export interface FxRatesTable {
  currency: string;
  month: string;
  usd_per_unit: string;
  batch_id: number;
}

export interface AssessmentsTable {
  partner_id: string;
  assessed_on: string;
  category: string;
  capability: string;
  score: string;
  batch_id: number;
}

export interface SecuritySnapshotsTable {
  partner_id: string;
  as_of: string;
  /** Null when the source does not tell (a Graph requirement unknown or missing). */
  admin_users: number | null;
  admin_users_with_mfa: number | null;
  security_contact: string | null;
  alerts_total: number | null;
  alerts_responded_in_time: number | null;
  batch_id: number;
  /** `csv` or `graph-security-score`. */
  source: Generated<string>;
  /** Graph: `compliant` or `nonCompliant`; null when unknown (see `details`) or from the CSV. */
  contact_status: string | null;
  /** Graph: the worst tenant's average alert response time in hours, exact decimal text. */
  average_response_hours: string | null;
  /** Graph: JSON of the tenants and requirements read, and why a check is unknown. */
  details: string | null;
}

export interface SupportPlansTable {
  partner_id: string;
  plan: string;
  term_start: string;
  term_end: string;
  batch_id: number;
}

export interface ImportBatchesTable {
  id: Generated<number>;
  kind: string;
  format: string;
  file_name: string;
  sha256: string;
  encoding: string;
  row_count: number;
  inserted: number;
  replaced: number;
  skipped: number;
  imported_at: string;
}

export interface RunsTable {
  id: Generated<number>;
  as_of: string;
  origin: string;
  dry_run: number;
  status: string;
  started_at: string;
  finished_at: string | null;
  heartbeat_at: string;
  holder: string;
  counts: string;
  error: string | null;
}

/** One row per lock name; the run that holds it and when it last proved it was alive. */
export interface RunLocksTable {
  name: string;
  run_id: number;
  holder: string;
  acquired_at: string;
  heartbeat_at: string;
  /** What holds the lock: `run 42`, `import of FILE`; null in a row written before imports took it. */
  task: string | null;
}

export interface CyclesTable {
  id: Generated<number>;
  partner_id: string;
  trigger: string;
  cycle: string;
  term_end: string | null;
  outcome: string | null;
  final: number;
  decided_on: string | null;
  reapply_eligible_on: string | null;
  deadline: string | null;
  told_on: string | null;
  last_decision_id: number | null;
}

export interface DecisionsTable {
  id: Generated<number>;
  cycle_id: number;
  run_id: number;
  partner_id: string;
  trigger: string;
  cycle: string;
  outcome: string;
  final: number;
  decided_on: string;
  policy_version: string;
  reapply_eligible_on: string | null;
  deadline: string | null;
  checks: string;
  fingerprint: string;
  recorded_at: string;
}

export interface NoticesTable {
  id: Generated<number>;
  run_id: number;
  partner_id: string | null;
  audience: string;
  kinds: string;
  message_id: string;
  locale: string;
  mail_from: string;
  mail_to: string;
  mail_cc: string;
  subject: string;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface NoticeBodiesTable {
  notice_id: number;
  text_body: string;
  html_body: string;
}

export interface NoticeDecisionsTable {
  notice_id: number;
  decision_id: number;
}

/** One early warning: a partner, an upcoming cycle and how many months before it, recorded once. */
export interface EarlyWarningsTable {
  id: Generated<number>;
  run_id: number;
  partner_id: string;
  trigger: string;
  cycle: string;
  months_before: number;
  as_of: string;
  status: string;
  act_by: string;
  /** JSON of the projected checks. */
  checks: string;
  /** JSON of what the projection was made from: revenue through, assessment and snapshot dates. */
  basis: string;
  notice_id: number | null;
  recorded_at: string;
}

/** A recorded human decision: who, when and why, and the decision it superseded (kept in `decisions`). */
export interface OverridesTable {
  id: Generated<number>;
  cycle_id: number;
  /** The manual decision this override recorded. */
  decision_id: number;
  /** Null when the cycle was due but had no decision yet. */
  replaced_decision_id: number | null;
  replaced_outcome: string | null;
  partner_id: string;
  trigger: string;
  cycle: string;
  outcome: string;
  reason: string;
  overridden_by: string;
  overridden_at: string;
  decided_on: string;
  policy_version: string;
  /** The correction notice to the partner; null with --no-notice. */
  notice_id: number | null;
  /** The first run that reported the override in its result; null until one has. */
  reported_run_id: number | null;
}

export interface Database {
  partners: PartnersTable;
  partner_aliases: PartnerAliasesTable;
  revenue_lines: RevenueLinesTable;
  revenue_totals: RevenueTotalsTable;
  fx_rates: FxRatesTable;
  assessments: AssessmentsTable;
  security_snapshots: SecuritySnapshotsTable;
  support_plans: SupportPlansTable;
  import_batches: ImportBatchesTable;
  runs: RunsTable;
  run_locks: RunLocksTable;
  cycles: CyclesTable;
  decisions: DecisionsTable;
  notices: NoticesTable;
  notice_bodies: NoticeBodiesTable;
  notice_decisions: NoticeDecisionsTable;
  early_warnings: EarlyWarningsTable;
  overrides: OverridesTable;
}

export type PartnerRow = Selectable<PartnersTable>;
export type NewRevenueLine = Insertable<RevenueLinesTable>;
export type CycleRow = Selectable<CyclesTable>;
export type DecisionRow = Selectable<DecisionsTable>;
export type NoticeRow = Selectable<NoticesTable>;
/** A notice with its bodies, ready to send. */
export type SendableNotice = NoticeRow & Selectable<Omit<NoticeBodiesTable, 'notice_id'>>;
export type RunRow = Selectable<RunsTable>;
export type EarlyWarningRow = Selectable<EarlyWarningsTable>;
export type OverrideRow = Selectable<OverridesTable>;
