import { describe, expect, it } from 'vitest';
import type { RunRow } from '../../src/db/schema.js';
import { formatRunsList, formatRunTable, table } from '../../src/run/format.js';
import type { RunJson } from '../../src/run/run.js';

function run(overrides: Partial<RunJson> = {}): RunJson {
  return { asOf: '2026-10-15', dryRun: false, policyVersion: '2026.1', runId: 12, decisions: [], notices: [], warnings: [], missingSupportPlan: [], stopped: false, ...overrides };
}

describe('table', () => {
  it('pads every column to its widest cell, with a rule under the header and no trailing spaces', () => {
    expect(table(['a', 'long header'], [['wide cell', 'x'], ['b', '']])).toEqual(['  a          long header', '  ---------  -----------', '  wide cell  x', '  b']);
    expect(table(['only'], [])).toEqual(['  only', '  ----']);
  });
});

describe('formatRunTable', () => {
  it('says a run with nothing due is so', () => {
    expect(formatRunTable(run())).toBe('Run 12 as of 2026-10-15 (policy 2026.1)\n  partner  trigger  cycle  outcome  checks\n  -------  -------  -----  -------  ------\n  nothing is due\n');
  });

  it('lists each decision with its dates and checks, then the notices, the partners without a plan, and a stop', () => {
    const text = formatRunTable(
      run({
        dryRun: true,
        decisions: [
          { partnerId: 'P1', trigger: 'renewal', cycle: '2026-10', outcome: 'awaiting_support_renewal', deadline: '2026-10-31', checks: [{ id: 'ttm_revenue', result: 'pass', observed: '1', required: '1' }] },
          { partnerId: 'P2', trigger: 'anniversary', cycle: '2026-10', outcome: 'transition_required', reapplyEligibleOn: '2027-10-15', checks: [] },
        ],
        notices: [{ partnerId: 'P1', to: ['a@example.com', 'b@example.com'], kinds: ['awaiting'], status: 'dry_run' }],
        missingSupportPlan: ['P3', 'P4'],
        stopped: true,
      }),
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('Dry run as of 2026-10-15 (policy 2026.1)');
    expect(lines[3]).toMatch(/^ {2}P1 +renewal +2026-10 +awaiting_support_renewal \(renew by 2026-10-31\) +ttm_revenue=pass$/);
    expect(lines[4]).toMatch(/^ {2}P2 +anniversary +2026-10 +transition_required \(re-apply 2027-10-15\)$/);
    expect(text).toContain('\nNotices:\n  P1           dry_run  awaiting → a@example.com, b@example.com\n');
    expect(text).toContain('\nNo support-plan term on file: P3, P4\n');
    expect(text.endsWith('\nStopped before every partner was decided; the next run continues.\n')).toBe(true);
    expect(text).not.toContain('nothing is due');
  });
});

describe('formatRunsList', () => {
  it('shows each run with its counts above zero, and a dash for a run not finished', () => {
    const row = (id: number, finished: string | null, counts: Record<string, number>): RunRow =>
      ({ id, as_of: '2026-10-15', origin: 'manual', dry_run: 0, status: finished ? 'completed' : 'running', started_at: 's', finished_at: finished, heartbeat_at: 'h', holder: 'h:1', counts: JSON.stringify(counts), error: null }) as RunRow;
    const lines = formatRunsList([row(2, null, {}), row(1, 'f', { confirmed: 3, needs_review: 0, transition_required: 1 })]).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ {2}run +as-of +origin +status +started +finished +counts$/);
    expect(lines[2]).toMatch(/^ {2}2 +2026-10-15 +manual +running +s +-$/);
    expect(lines[3]).toMatch(/^ {2}1 +2026-10-15 +manual +completed +s +f +confirmed=3 transition_required=1$/);
  });
});
