import type { RunRow } from '../db/schema.js';
import type { RunJson } from './run-json.js';

/** The human summary of a run, for a person at a terminal (the JSON is for machines). */
export function formatRunTable(run: RunJson): string {
  const title = `${run.dryRun ? 'Dry run' : `Run ${run.runId}`} as of ${run.asOf} (policy ${run.policyVersion})`;
  const header = ['partner', 'trigger', 'cycle', 'outcome', 'checks'];
  const rows = run.decisions.map((d) => [
    d.partnerId,
    d.trigger,
    d.cycle,
    d.outcome + (d.reapplyEligibleOn ? ` (re-apply ${d.reapplyEligibleOn})` : d.deadline ? ` (renew by ${d.deadline})` : ''),
    d.checks.map((c) => `${c.id}=${c.result}`).join(' '),
  ]);
  const lines = [title, ...table(header, rows)];
  if (run.decisions.length === 0) lines.push('  nothing is due');
  if (run.warnings.length > 0) {
    lines.push('', 'Early warnings (not decisions):');
    for (const w of run.warnings) lines.push(`  ${w.partnerId.padEnd(8)} ${w.trigger} ${w.cycle}, ${w.monthsBefore} month(s) ahead: at risk — ${w.checks.filter((c) => c.atRisk).map((c) => `${c.id}=${c.todo ? 'to-do' : c.result}`).join(' ')}`);
  }
  if (run.notices.length > 0) {
    lines.push('', 'Notices:');
    for (const n of run.notices) lines.push(`  ${n.partnerId.padEnd(12)} ${n.status.padEnd(8)} ${n.kinds.join(',')} → ${n.to.join(', ')}`);
  }
  if (run.missingSupportPlan.length > 0) lines.push('', `No support-plan term on file: ${run.missingSupportPlan.join(', ')}`);
  if (run.stopped) lines.push('', 'Stopped before every partner was decided; the next run continues.');
  return `${lines.join('\n')}\n`;
}

export function formatRunsList(runs: RunRow[]): string {
  const rows = runs.map((r) => [
    String(r.id),
    r.as_of,
    r.origin,
    r.status,
    r.started_at,
    r.finished_at ?? '-',
    Object.entries(JSON.parse(r.counts) as Record<string, number>)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k}=${n}`)
      .join(' '),
  ]);
  return `${table(['run', 'as-of', 'origin', 'status', 'started', 'finished', 'counts'], rows).join('\n')}\n`;
}

export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}
