import type { Store } from '../db/database.js';
import type { CheckRecord, IsoDate } from '../domain/types.js';
import type { Report, ReportNotice, ReportRow } from './model.js';
import type { Policy } from '../policy/policy.js';
import { listCycleReportRows, listReportNoticeLinks } from '../store/report-rows.js';
import { overridesOfDecisions, type OverrideRecord } from '../store/overrides.js';
import { renderReportHtml } from './html.js';
import { warningsAhead } from './report-warnings.js';

export type ReportFormat = 'csv' | 'json' | 'html';
export type { Report, ReportNotice, ReportRow } from './model.js';

/** The latest decision of every recorded cycle, with its notice's delivery status. */
export async function buildReport(store: Store, policy: Policy, asOf: IsoDate, cycle?: string): Promise<Report> {
  const rows = await listCycleReportRows(store.db, cycle);
  const overrides = await overridesOfDecisions(store.db, rows.flatMap((row) => (row.last_decision_id === null ? [] : [Number(row.last_decision_id)])));
  // The partner is the notice's own, never a decision's: the operations summary covers every
  // partner's decisions and belongs to none of them.
  const noticeLinks = await listReportNoticeLinks(store.db, cycle);
  const noticeByCycle = new Map(noticeLinks.filter((n) => n.audience !== 'ops').map((n) => [Number(n.cycle_id), n.status]));
  const notices = new Map<number, ReportNotice>();
  for (const link of noticeLinks) {
    const ops = link.audience === 'ops';
    const notice = notices.get(Number(link.id)) ?? {
      audience: ops ? 'ops' : 'partner',
      partnerId: ops ? null : link.partner_id,
      partnerName: ops ? null : link.partner_name,
      cycles: [],
      kinds: JSON.parse(link.kinds) as string[],
      status: link.status,
      attempts: Number(link.attempts),
      sentAt: link.sent_at,
      lastError: link.last_error,
    };
    notice.cycles.push(`${link.cycle} ${link.trigger}`);
    notices.set(Number(link.id), notice);
  }

  return {
    cycle: cycle ?? null,
    policyVersion: policy.version,
    minimumTtmUsd: policy.revenue.minimumTtmUsd,
    notices: [...notices.values()],
    asOf,
    warnings: await warningsAhead(store.db, asOf, cycle),
    rows: rows.map((row) => {
      const checks = row.checks ? (JSON.parse(row.checks) as CheckRecord[]) : [];
      return {
        partnerId: row.partner_id,
        partnerName: row.partner_name,
        trigger: row.trigger,
        cycle: row.cycle,
        outcome: row.outcome ?? 'not decided',
        final: Number(row.final) === 1,
        decidedOn: row.decided_on,
        policyVersion: row.policy_version,
        reapplyEligibleOn: row.reapply_eligible_on,
        deadline: row.deadline,
        checks: checks.map(({ id, result, observed, required }) => ({ id, result, observed, required })),
        ttmRevenueUsd: knownTtm(checks),
        ttmResult: checks.find((c) => c.id === 'ttm_revenue')?.result ?? null,
        missing: checks.filter((c) => c.result === 'unknown' && c.missing).map((c) => `${c.id}: ${c.missing!.detail}`),
        noticeStatus: noticeByCycle.get(Number(row.cycle_id)) ?? null,
        ...overrideColumns(row.last_decision_id === null ? undefined : overrides.get(Number(row.last_decision_id))),
      };
    }),
  };
}

/** Who overrode the cycle's latest decision, why, and what it replaced; nulls for a decision made by a run. */
function overrideColumns(override: OverrideRecord | undefined): Pick<ReportRow, 'overriddenBy' | 'reason' | 'replacedOutcome'> {
  return { overriddenBy: override?.overriddenBy ?? null, reason: override?.reason ?? null, replacedOutcome: override?.replacedOutcome ?? null };
}

/** The TTM revenue when the check could establish it; an unknown check has no figure to show. */
function knownTtm(checks: CheckRecord[]): string | null {
  const check = checks.find((c) => c.id === 'ttm_revenue');
  return check && check.result !== 'unknown' ? check.observed : null;
}

export function formatReport(report: Report, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'html') return renderReportHtml(report);
  const header = ['partner_id', 'partner_name', 'trigger', 'cycle', 'outcome', 'final', 'decided_on', 'policy_version', 'ttm_revenue_usd', 'checks', 'missing', 'reapply_eligible_on', 'deadline', 'notice_status', 'overridden_by', 'reason', 'replaced_outcome'];
  const lines = [header.map(csvCell).join(',')];
  for (const row of report.rows) {
    lines.push(
      [
        row.partnerId,
        row.partnerName,
        row.trigger,
        row.cycle,
        row.outcome,
        row.final ? 'yes' : 'no',
        row.decidedOn ?? '',
        row.policyVersion ?? '',
        row.ttmRevenueUsd ?? '',
        row.checks.map((c) => `${c.id}=${c.result} (${c.observed} vs ${c.required})`).join('; '),
        row.missing.join('; '),
        row.reapplyEligibleOn ?? '',
        row.deadline ?? '',
        row.noticeStatus ?? '',
        row.overriddenBy ?? '',
        row.reason ?? '',
        row.replacedOutcome ?? (row.overriddenBy ? 'due, not decided' : ''),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  // Early warnings follow the decisions as rows of their own: outcome `at_risk`, never final.
  for (const warning of report.warnings ?? []) {
    const checks = warning.checks.map((c) => `${c.id}=${c.todo ? 'to-do' : c.result} (${c.observed} vs ${c.required}${c.gap ? `, ${c.gap} short` : ''})`).join('; ');
    lines.push([warning.partnerId, warning.partnerName, warning.trigger, warning.cycle, 'at_risk', 'no', warning.warnedOn, '', warning.projectedTtmUsd ?? '', checks, '', '', warning.actBy, '', '', '', ''].map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * One CSV cell, quoted when needed. A cell a spreadsheet would read as a formula (=, +, -, @, tab,
 * CR, LF, or their full-width forms) is prefixed with an apostrophe so it stays text; only a plain
 * negative number keeps its `-`, since `-1+1` is a formula too. A spreadsheet whose list separator
 * is `;` (most of Europe) starts a new cell after every `;`, whatever the quotes, so what follows a
 * `;` gets the same apostrophe when it would start a formula or a quoted field.
 */
export function csvCell(value: string): string {
  const leading = /^[=+@\t\r\n＝＋－＠]/.test(value) || (value.startsWith('-') && !/^-\d+(\.\d+)?$/.test(value)) ? `'${value}` : value;
  const neutral = leading.replace(/;(?=[ ]*[=+\-@\t\r\n"＝＋－＠])/g, ";'");
  return /[",\r\n]/.test(neutral) || neutral !== neutral.trim() ? `"${neutral.replace(/"/g, '""')}"` : neutral;
}
