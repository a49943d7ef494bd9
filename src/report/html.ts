import { compare, div, mul, parseDecimal, rational, type Rational, toFixed } from '../money/decimal.js';
import { formatUsd as formatAmountUsd } from '../mail/format.js';
import type { Report, ReportNotice, ReportRow } from './model.js';
import { AT_RISK_MONTHS, type ReportWarning } from './report-warnings.js';

const OUTCOMES = ['confirmed', 'awaiting_support_renewal', 'transition_required', 'needs_review'] as const;
const COLOURS: Record<string, string> = { pass: '#2e7d32', fail: '#c62828', unknown: '#9e9e9e' };

/**
 * The operations page: one self-contained HTML document (no script, no external resource) with a
 * section per cycle month — counts by outcome, TTM revenue against the threshold as inline SVG,
 * what the needs-review cycles are missing, and how each notice was delivered.
 */
export function renderReportHtml(report: Report): string {
  const months = [...new Set(report.rows.map((row) => row.cycle))].sort().reverse();
  const sections = months.map((month) => renderMonth(month, report)).join('\n');
  const title = report.cycle ? `CSP direct-bill re-evaluation — ${report.cycle}` : 'CSP direct-bill re-evaluation';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Noto Sans JP", sans-serif; margin: 2rem; color: #1f2933; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #d9dee3; padding-bottom: .25rem; }
.meta { color: #52606d; } table { border-collapse: collapse; margin: .75rem 0; } th, td { text-align: left; padding: .3rem .7rem; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
th { background: #f5f7fa; } .num { text-align: right; font-variant-numeric: tabular-nums; }
.counts { display: flex; gap: 1rem; flex-wrap: wrap; } .count { border: 1px solid #d9dee3; border-radius: 6px; padding: .5rem 1rem; min-width: 9rem; }
.count b { display: block; font-size: 1.6rem; } .status-failed, .status-rejected, .status-abandoned { color: #c62828; font-weight: 600; } .override { color: #52606d; font-size: .9em; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">Policy ${esc(report.policyVersion)} · TTM threshold ${esc(formatUsd(report.minimumTtmUsd))}</p>
${renderAtRisk(report.warnings ?? [], report.minimumTtmUsd)}
${sections || '<p>No cycle has been decided yet.</p>'}
</body>
</html>
`;
}

function renderMonth(month: string, report: Report): string {
  const rows = report.rows.filter((row) => row.cycle === month);
  const counts = OUTCOMES.map((outcome) => `<div class="count" data-outcome="${outcome}"><b>${rows.filter((r) => r.outcome === outcome).length}</b>${esc(outcome.replace(/_/g, ' '))}</div>`).join('');
  const review = rows.filter((row) => row.outcome === 'needs_review');
  const ofMonth = report.notices.filter((notice) => notice.cycles.some((c) => c.startsWith(month)));
  const notices = ofMonth.filter((notice) => notice.audience === 'partner');
  const summaries = ofMonth.filter((notice) => notice.audience === 'ops');
  return `<section data-cycle="${esc(month)}">
<h2>Cycle ${esc(month)}</h2>
<div class="counts">${counts}</div>
<h3>TTM revenue against the threshold</h3>
${renderChart(rows, report.minimumTtmUsd)}
<h3>Decisions</h3>
<table><thead><tr><th>Partner</th><th>Trigger</th><th>Outcome</th><th class="num">TTM USD</th><th>Checks</th><th>Next</th></tr></thead><tbody>
${rows.map(renderDecisionRow).join('\n')}
</tbody></table>
<h3>Needs review (${review.length})</h3>
${review.length === 0 ? '<p>None.</p>' : `<table class="needs-review"><thead><tr><th>Partner</th><th>Trigger</th><th>What is missing</th></tr></thead><tbody>${review.map((r) => `<tr><td>${esc(r.partnerId)} ${esc(r.partnerName)}</td><td>${esc(r.trigger)}</td><td>${r.missing.map(esc).join('<br>')}</td></tr>`).join('\n')}</tbody></table>`}
<h3>Notice delivery (${notices.length})</h3>
${notices.length === 0 ? '<p>No notice for this month.</p>' : `<table class="notices"><thead><tr><th>Partner</th><th>Kinds</th><th>Status</th><th class="num">Attempts</th><th>Sent</th><th>Last error</th></tr></thead><tbody>${notices.map((n) => `<tr><td>${esc(n.partnerId ?? '')} ${esc(n.partnerName ?? '')}</td><td>${esc(n.kinds.join(', '))}</td>${renderDelivery(n)}</tr>`).join('\n')}</tbody></table>`}
<h3>Operations summary (${summaries.length})</h3>
${summaries.length === 0 ? '<p>No operations summary covers this month.</p>' : `<table class="ops-summaries"><thead><tr><th>Notice</th><th class="num">Cycles covered</th><th>Status</th><th class="num">Attempts</th><th>Sent</th><th>Last error</th></tr></thead><tbody>${summaries.map((n) => `<tr><td>operations summary</td><td class="num">${n.cycles.length}</td>${renderDelivery(n)}</tr>`).join('\n')}</tbody></table>`}
</section>`;
}

function renderDelivery(notice: ReportNotice): string {
  return `<td class="status-${esc(notice.status)}">${esc(notice.status)}</td><td class="num">${notice.attempts}</td><td>${esc(notice.sentAt ?? '')}</td><td>${esc(notice.lastError ?? '')}</td>`;
}

function renderDecisionRow(row: ReportRow): string {
  const next = row.reapplyEligibleOn ? `may re-apply from ${row.reapplyEligibleOn}` : row.deadline ? `renew by ${row.deadline}` : '';
  const overridden = row.overriddenBy
    ? `<br><span class="override">overridden by ${esc(row.overriddenBy)} (was ${esc(row.replacedOutcome ?? 'due, not decided')}): ${esc(row.reason ?? '')}</span>`
    : '';
  return `<tr><td>${esc(row.partnerId)} ${esc(row.partnerName)}</td><td>${esc(row.trigger)}</td><td>${esc(row.outcome)}${overridden}</td><td class="num">${esc(row.ttmRevenueUsd ? formatUsd(row.ttmRevenueUsd) : '')}</td><td>${row.checks.map((c) => `${esc(c.id)}: ${esc(c.result)}`).join('<br>')}</td><td>${esc(next)}</td></tr>`;
}

/** Partners warned of a cycle ahead: the projected TTM against the threshold, and every check at risk. */
function renderAtRisk(warnings: ReportWarning[], minimum: string): string {
  const bars = warnings.map((w) => ({ partnerId: w.partnerId, partnerName: w.partnerName, ttmRevenueUsd: w.projectedTtmUsd, ttmResult: w.checks.some((c) => c.id === 'ttm_revenue') ? ('fail' as const) : ('pass' as const) }));
  const rows = warnings.map(
    (w) =>
      `<tr><td>${esc(w.partnerId)} ${esc(w.partnerName)}</td><td>${esc(w.trigger)} ${esc(w.cycle)}</td><td>${w.monthsBefore} month(s) before, on ${esc(w.warnedOn)}</td><td>${w.checks.map((c) => `${esc(c.id)}: ${c.todo ? 'to-do' : esc(c.result)}, ${esc(c.observed)} (required ${esc(c.required)}${c.gap ? `, ${esc(c.gap)} short` : ''})`).join('<br>')}</td><td>${esc(w.actBy)}</td></tr>`,
  );
  return `<section class="at-risk">
<h2>At risk in the next ${AT_RISK_MONTHS} months (${warnings.length})</h2>
<p class="meta">From each partner's latest early warning; these are projections, not decisions.</p>
${warnings.length === 0 ? '<p>No partner has been warned of a cycle in the next months.</p>' : `<h3>Projected TTM revenue against the threshold</h3>
${renderChart(bars, minimum)}
<table class="warnings"><thead><tr><th>Partner</th><th>Cycle</th><th>Warned</th><th>At risk</th><th>Act by</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`}
</section>`;
}

/** Horizontal bars, one per renewal cycle, with the threshold as a vertical line. */
function renderChart(rows: Array<Pick<ReportRow, 'partnerId' | 'partnerName' | 'ttmRevenueUsd' | 'ttmResult'>>, minimum: string): string {
  const bars = rows.filter((row) => row.ttmRevenueUsd !== null && /^-?\d+(\.\d+)?$/.test(row.ttmRevenueUsd));
  if (bars.length === 0) return '<p>No renewal cycle with revenue this month.</p>';
  const threshold = parseDecimal(minimum);
  const values = bars.map((row) => parseDecimal(row.ttmRevenueUsd!));
  let top = mul(threshold, rational(5, 4));
  for (const value of values) if (compare(value, top) > 0) top = value;
  const labelWidth = 260;
  const plotWidth = 520;
  const rowHeight = 26;
  const height = bars.length * rowHeight + 40;
  const x = (value: Rational) => labelWidth + Number(toFixed(div(mul(compare(value, rational(0)) < 0 ? rational(0) : value, rational(plotWidth)), top), 1));
  const items = bars.map((row, i) => {
    const y = 10 + i * rowHeight;
    const value = values[i]!;
    const colour = COLOURS[row.ttmResult ?? 'unknown'] ?? COLOURS.unknown;
    return `<g class="bar" data-partner="${esc(row.partnerId)}"><title>${esc(`${row.partnerId} ${row.partnerName}: ${formatUsd(row.ttmRevenueUsd!)} (${row.ttmResult ?? 'unknown'})`)}</title>
<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end" font-size="12">${esc(truncate(`${row.partnerId} ${row.partnerName}`, 34))}</text>
<rect x="${labelWidth}" y="${y + 4}" width="${(x(value) - labelWidth).toFixed(1)}" height="${rowHeight - 8}" fill="${colour}"/>
<text x="${(x(value) + 6).toFixed(1)}" y="${y + 16}" font-size="11" fill="#52606d">${esc(formatUsd(row.ttmRevenueUsd!))}</text></g>`;
  });
  const tx = x(threshold).toFixed(1);
  return `<svg class="ttm-chart" role="img" aria-label="TTM revenue by partner against the threshold" xmlns="http://www.w3.org/2000/svg" width="${labelWidth + plotWidth + 140}" height="${height}" viewBox="0 0 ${labelWidth + plotWidth + 140} ${height}">
${items.join('\n')}
<line class="threshold" x1="${tx}" x2="${tx}" y1="4" y2="${height - 24}" stroke="#1f2933" stroke-dasharray="4 3"/>
<text x="${tx}" y="${height - 8}" text-anchor="middle" font-size="11">threshold ${esc(formatUsd(minimum))}</text>
</svg>`;
}

/** The report is for operations, in English, rounded to the cent. */
function formatUsd(text: string): string {
  return formatAmountUsd(parseDecimal(text), 'en', 'round');
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
