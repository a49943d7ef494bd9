import type { CheckRecord, IsoDate } from '../domain/types.js';
import type { ReportWarning } from './report-warnings.js';

/** What `report` shows, whatever its format: built by report.ts, drawn by html.ts and the CSV. */
export interface ReportRow {
  partnerId: string;
  partnerName: string;
  trigger: string;
  cycle: string;
  outcome: string;
  final: boolean;
  decidedOn: string | null;
  policyVersion: string | null;
  reapplyEligibleOn: string | null;
  deadline: string | null;
  checks: Array<Pick<CheckRecord, 'id' | 'result' | 'observed' | 'required'>>;
  ttmRevenueUsd: string | null;
  ttmResult: CheckRecord['result'] | null;
  missing: string[];
  noticeStatus: string | null;
  /** Set when a person recorded the latest decision (`csp-reeval override`). */
  overriddenBy: string | null;
  reason: string | null;
  replacedOutcome: string | null;
}

/** A partner's notice, or the operations summary (`audience: 'ops'`), which belongs to no partner. */
export interface ReportNotice {
  audience: 'partner' | 'ops';
  partnerId: string | null;
  partnerName: string | null;
  cycles: string[];
  kinds: string[];
  status: string;
  attempts: number;
  sentAt: string | null;
  lastError: string | null;
}

export interface Report {
  cycle: string | null;
  /** The day "the next months" of `warnings` are counted from. */
  asOf?: IsoDate;
  policyVersion: string;
  minimumTtmUsd: string;
  rows: ReportRow[];
  notices: ReportNotice[];
  /** Partners at risk in the next months, from their latest early warning. */
  warnings?: ReportWarning[];
}
