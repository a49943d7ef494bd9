import type { Store } from '../db/database.js';
import type { CheckRecord, DecisionRecord, IsoDate, Partner, SupportTerm } from '../domain/types.js';
import { UsageError } from '../errors.js';
import type { Policy } from '../policy/policy.js';
import { decisionRecord } from '../rules/check-text.js';
import { evaluate } from '../rules/evaluate.js';
import { findDue } from '../run/decide.js';
import { EvidenceReader } from '../store/evidence.js';
import { cyclesOfPartner, decisionsOfPartner } from '../store/cycles.js';
import { noticeDecisionsOfPartner, noticesOfPartner, recipientsOf } from '../store/notices.js';
import { type OverrideRecord, overridesOfPartner } from '../store/overrides.js';
import { listPartnersWithTerms } from '../store/partners.js';
import { listWarnings, type RecordedWarning } from '../store/warnings.js';
import { formatWarnings } from './explain-warnings.js';

export interface Explanation {
  partner: Partner;
  supportTerms: SupportTerm[];
  asOf: IsoDate;
  policyVersion: string;
  cycles: Array<{
    trigger: string;
    cycle: string;
    termEnd: string | null;
    outcome: string | null;
    final: boolean;
    decidedOn: string | null;
    reapplyEligibleOn: string | null;
    deadline: string | null;
    toldOn: string | null;
    /** Every decision in order, runs' and people's: an override carries who, why and the outcome it replaced. */
    decisions: Array<{ id: number; runId: number; decidedOn: string; outcome: string; policyVersion: string; recordedAt: string; checks: CheckRecord[] } & Partial<ExplainedOverride>>;
  }>;
  /** Early warnings the partner was sent of cycles ahead (SPEC §4a). */
  warnings: RecordedWarning[];
  notices: Array<{ messageId: string; kinds: string[]; status: string; attempts: number; to: string[]; cc: string[]; createdAt: string; sentAt: string | null; lastError: string | null; decisionIds: number[] }>;
  /** What a run on the as-of date would decide now, recorded nowhere. */
  dueNow: DecisionRecord[];
  missingSupportPlan: boolean;
  blockedUntil: IsoDate | null;
}

interface ExplainedOverride {
  overriddenBy: string;
  reason: string;
  replacedOutcome: string | null;
  overriddenAt: string;
  partnerTold: boolean;
}

export async function buildExplanation(store: Store, policy: Policy, partnerId: string, asOf: IsoDate): Promise<Explanation> {
  const [entry] = await listPartnersWithTerms(store.db, partnerId);
  if (!entry) throw new UsageError(`no partner with id '${partnerId}' has been imported`);
  const db = store.db;
  const [cycleRows, decisionRows, noticeRows, links, { due, groups }, warnings, overrides] = await Promise.all([
    cyclesOfPartner(db, partnerId),
    decisionsOfPartner(db, partnerId),
    noticesOfPartner(db, partnerId),
    noticeDecisionsOfPartner(db, partnerId),
    findDue(store, policy, { asOf, partnerId }),
    listWarnings(db, { partnerId }),
    overridesOfPartner(db, partnerId),
  ]);
  const overrideOf = new Map(overrides.map((o) => [o.decisionId, o]));

  const reader = new EvidenceReader(db, policy, asOf);
  const dueNow: DecisionRecord[] = [];
  for (const group of groups) {
    for (const cycle of group.cycles) {
      dueNow.push(decisionRecord(evaluate(cycle, group.partner, await reader.read(cycle, group.supportTerms), policy, asOf)));
    }
  }

  return {
    partner: entry.partner,
    supportTerms: entry.supportTerms,
    asOf,
    policyVersion: policy.version,
    cycles: cycleRows.map((row) => ({
      trigger: row.trigger,
      cycle: row.cycle,
      termEnd: row.term_end,
      outcome: row.outcome,
      final: Number(row.final) === 1,
      decidedOn: row.decided_on,
      reapplyEligibleOn: row.reapply_eligible_on,
      deadline: row.deadline,
      toldOn: row.told_on,
      decisions: decisionRows
        .filter((d) => Number(d.cycle_id) === Number(row.id))
        .map((d) => ({
          id: Number(d.id),
          runId: Number(d.run_id),
          decidedOn: d.decided_on,
          outcome: d.outcome,
          policyVersion: d.policy_version,
          recordedAt: d.recorded_at,
          checks: JSON.parse(d.checks) as CheckRecord[],
          ...explainOverride(overrideOf.get(Number(d.id))),
        })),
    })),
    warnings,
    notices: noticeRows.map((n) => ({
      messageId: n.message_id,
      kinds: JSON.parse(n.kinds) as string[],
      status: n.status,
      attempts: Number(n.attempts),
      ...recipientsOf(n),
      createdAt: n.created_at,
      sentAt: n.sent_at,
      lastError: n.last_error,
      decisionIds: links.filter((l) => l.noticeId === Number(n.id)).map((l) => l.decisionId),
    })),
    dueNow,
    missingSupportPlan: due.missingSupportPlan.includes(partnerId),
    blockedUntil: due.blocked.find((b) => b.partnerId === partnerId)?.reapplyEligibleOn ?? null,
  };
}

function explainOverride(override: OverrideRecord | undefined): Partial<ExplainedOverride> {
  if (!override) return {};
  return { overriddenBy: override.overriddenBy, reason: override.reason, replacedOutcome: override.replacedOutcome, overriddenAt: override.overriddenAt, partnerTold: override.noticeId !== null };
}

const MARK = { pass: '✓', fail: '✗', unknown: '?' } as const;

/** The answer to "why was this partner decided so?", for a person. */
export function formatExplanation(e: Explanation): string {
  const p = e.partner;
  const out: string[] = [
    `Partner ${p.partnerId} — ${p.name}`,
    `  status ${p.status}, locale ${p.locale}, onboarded ${p.onboardedOn}`,
    `  notices to ${p.noticeTo.join(', ')}${p.noticeCc.length ? `; cc ${p.noticeCc.join(', ')}` : ''}`,
    `  support-plan terms: ${e.supportTerms.length ? e.supportTerms.map((t) => `${t.plan} ${t.termStart} → ${t.termEnd}`).join('; ') : 'none on file'}`,
  ];
  if (e.missingSupportPlan) out.push('  ! no support-plan term on file: no cycle is recorded until one is imported');
  if (e.blockedUntil) out.push(`  ! told to move to indirect reseller; due for nothing until it may re-apply on ${e.blockedUntil}`);

  if (e.cycles.length === 0) out.push('', 'No cycle has been recorded for this partner yet.');
  for (const cycle of e.cycles) {
    out.push('', `Cycle ${cycle.cycle} ${cycle.trigger}${cycle.termEnd ? ` (support-plan term ends ${cycle.termEnd})` : ''}: ${cycle.outcome ?? 'not decided'}${cycle.final ? ' (final)' : ''}`);
    if (cycle.reapplyEligibleOn) out.push(`  may re-apply for direct billing from ${cycle.reapplyEligibleOn}`);
    if (cycle.deadline) out.push(`  support plan to be renewed by ${cycle.deadline}${cycle.toldOn ? ` (partner told on ${cycle.toldOn})` : ' (the partner has not been told yet)'}`);
    for (const decision of cycle.decisions) {
      if (decision.overriddenBy !== undefined) {
        out.push(
          `  decision ${decision.id} by override of ${decision.overriddenBy} at ${decision.overriddenAt}, as of ${decision.decidedOn}, policy ${decision.policyVersion}: ${decision.replacedOutcome ?? 'due, not decided'} → ${decision.outcome}${decision.partnerTold ? '' : ' (partner not told)'}`,
          `    reason: ${decision.reason!.replace(/\s*\n\s*/g, ' / ')}`,
        );
        continue;
      }
      out.push(`  decision ${decision.id} in run ${decision.runId}, as of ${decision.decidedOn}, policy ${decision.policyVersion}: ${decision.outcome}`);
      for (const check of decision.checks) out.push(...formatCheck(check, '    '));
    }
  }

  out.push(...formatWarnings(e.warnings));
  out.push('', e.notices.length ? 'Notices:' : 'No notice has been written for this partner.');
  for (const n of e.notices) {
    out.push(
      `  ${n.messageId} ${n.kinds.join(', ')}: ${n.status}${n.sentAt ? ` at ${n.sentAt}` : ''}, ${n.attempts} attempt(s), to ${n.to.join(', ')}${n.lastError ? `; last error: ${n.lastError}` : ''}`,
    );
  }

  out.push('', e.dueNow.length ? `A run as of ${e.asOf} (policy ${e.policyVersion}) would decide:` : `Nothing is due for this partner as of ${e.asOf}.`);
  for (const decision of e.dueNow) {
    out.push(`  ${decision.cycle} ${decision.trigger}: ${decision.outcome}${decision.reapplyEligibleOn ? `, may re-apply from ${decision.reapplyEligibleOn}` : ''}${decision.deadline ? `, renew by ${decision.deadline}` : ''}`);
    for (const check of decision.checks) out.push(...formatCheck(check, '    '));
  }
  return `${out.join('\n')}\n`;
}

function formatCheck(check: CheckRecord, indent: string): string[] {
  const lines = [`${indent}${MARK[check.result]} ${check.id}: ${check.result}, observed ${check.observed}, required ${check.required}`];
  if (check.missing) lines.push(`${indent}    missing: ${check.missing.detail}`);
  for (const [key, value] of Object.entries(check.evidence)) lines.push(...formatEvidence(key, value, `${indent}    `));
  return lines;
}

function formatEvidence(key: string, value: unknown, indent: string): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}${key}: none`];
    if (value.every((v) => typeof v !== 'object' || v === null)) return [`${indent}${key}: ${value.join(', ')}`];
    return [`${indent}${key}:`, ...value.map((v) => `${indent}  ${inline(v)}`)];
  }
  return [`${indent}${key}: ${inline(value)}`];
}

function inline(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value !== 'object') return String(value);
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}
