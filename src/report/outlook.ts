import type { IsoDate, Month } from '../domain/types.js';
import { compareProjections, type ProjectedCheckJson, projectedCheckJson, type ProjectedPartner, type Projection, type ProjectionStatus } from '../rules/projection.js';
import { addMonthsToMonth, monthOf } from '../rules/months.js';

export interface OutlookEntryJson {
  partnerId: string;
  partnerName: string;
  trigger: Projection['trigger'];
  cycle: Month;
  monthsBefore: number;
  status: ProjectionStatus;
  actBy: IsoDate;
  basis: Projection['basis'];
  checks: ProjectedCheckJson[];
}

export interface OutlookJson {
  asOf: IsoDate;
  months: number;
  from: Month;
  to: Month;
  policyVersion: string;
  counts: Record<ProjectionStatus, number>;
  cycles: OutlookEntryJson[];
}

export function buildOutlook(projected: ProjectedPartner[], input: { asOf: IsoDate; months: number; policyVersion: string }): OutlookJson {
  const sorted = [...projected].sort((a, b) => compareProjections(a.projection, b.projection));
  const counts: Record<ProjectionStatus, number> = { at_risk: 0, needs_data: 0, on_track: 0 };
  for (const { projection } of sorted) counts[projection.status] += 1;
  const asOfMonth = monthOf(input.asOf);
  return {
    asOf: input.asOf,
    months: input.months,
    from: addMonthsToMonth(asOfMonth, 1),
    to: addMonthsToMonth(asOfMonth, input.months),
    policyVersion: input.policyVersion,
    counts,
    cycles: sorted.map(({ partner, projection }) => ({
      partnerId: projection.partnerId,
      partnerName: partner.name,
      trigger: projection.trigger,
      cycle: projection.cycle,
      monthsBefore: projection.monthsBefore,
      status: projection.status,
      actBy: projection.actBy,
      basis: projection.basis,
      checks: projection.checks.map(projectedCheckJson),
    })),
  };
}

const HEADINGS: Record<ProjectionStatus, string> = {
  at_risk: 'At risk: the partner is on course to fail, or has a to-do',
  needs_data: 'Needs data: our own data cannot tell yet (the partner is not told)',
  on_track: 'On track',
};

/** One line per check of a cycle: what it projects, against what is required. */
export function describeProjectedCheck(check: ProjectedCheckJson): string {
  const verdict = check.todo ? 'to-do' : check.result;
  const gap = check.gap !== undefined ? `, ${check.gap} short` : '';
  const missing = check.missing ? ` — ${check.missing}` : '';
  return `${check.id.padEnd(17)} ${verdict.padEnd(7)} ${check.observed} (required ${check.required}${gap})${missing}`;
}

export function formatOutlook(outlook: OutlookJson): string {
  const lines = [`Outlook as of ${outlook.asOf}: cycles from ${outlook.from} to ${outlook.to} (policy ${outlook.policyVersion}); nothing was recorded or sent`];
  if (outlook.cycles.length === 0) lines.push('', 'No cycle falls in these months.');
  for (const status of ['at_risk', 'needs_data', 'on_track'] as const) {
    const entries = outlook.cycles.filter((entry) => entry.status === status);
    if (entries.length === 0) continue;
    lines.push('', `${HEADINGS[status]} (${entries.length})`);
    for (const entry of entries) {
      const basis = [
        entry.basis.revenueThrough ? `revenue through ${entry.basis.revenueThrough}` : null,
        entry.basis.assessedOn ? `assessment of ${entry.basis.assessedOn}` : null,
        entry.basis.snapshotAsOf ? `security snapshot of ${entry.basis.snapshotAsOf}` : null,
      ].filter((part) => part !== null);
      lines.push(`  ${entry.partnerId} ${entry.partnerName}: ${entry.trigger} ${entry.cycle} (in ${entry.monthsBefore} month${entry.monthsBefore === 1 ? '' : 's'}; act by ${entry.actBy})${basis.length > 0 ? ` from ${basis.join(', ')}` : ''}`);
      for (const check of entry.checks) lines.push(`      ${describeProjectedCheck(check)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
