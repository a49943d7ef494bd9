import type { RecordedWarning } from '../store/warnings.js';
import { projectedCheckJson } from '../rules/projection.js';
import { describeProjectedCheck } from './outlook.js';

/** A partner's early warnings, for `explain`: what it was told of each cycle ahead, and when. */
export function formatWarnings(warnings: RecordedWarning[]): string[] {
  if (warnings.length === 0) return ['', 'No early warning has been recorded for this partner.'];
  const lines = ['', 'Early warnings (not decisions):'];
  for (const warning of warnings) {
    const basis = [warning.basis.revenueThrough && `revenue through ${warning.basis.revenueThrough}`, warning.basis.assessedOn && `assessment of ${warning.basis.assessedOn}`, warning.basis.snapshotAsOf && `security snapshot of ${warning.basis.snapshotAsOf}`].filter(Boolean);
    lines.push(
      `  ${warning.cycle} ${warning.trigger}, ${warning.monthsBefore} month(s) ahead: at risk, warned in run ${warning.runId} as of ${warning.asOf}${warning.noticeId === null ? ' (no notice)' : ''}; act by ${warning.actBy}${basis.length ? `; from ${basis.join(', ')}` : ''}`,
    );
    for (const check of warning.checks.filter((c) => c.atRisk)) lines.push(`    ${describeProjectedCheck(projectedCheckJson(check))}`);
  }
  return lines;
}
