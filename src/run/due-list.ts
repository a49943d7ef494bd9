import type { Store } from '../db/database.js';
import type { CycleRef, IsoDate, Partner, RecordedCycle } from '../domain/types.js';
import type { Policy } from '../policy/policy.js';
import { listRecordedCycles } from '../store/cycles.js';
import { findDue } from './decide.js';

export interface DueListing {
  json: {
    asOf: IsoDate;
    due: Array<{ partnerId: string; partnerName: string; trigger: string; cycle: string; reason: string }>;
    missingSupportPlan: string[];
    blocked: Array<{ partnerId: string; reapplyEligibleOn: IsoDate }>;
  };
  text: string;
}

/** `csp-reeval due`: the same due-finding as `run`, explained, deciding and writing nothing. */
export async function describeDue(store: Store, policy: Policy, asOf: IsoDate): Promise<DueListing> {
  const [{ due, groups }, recorded] = await Promise.all([findDue(store, policy, { asOf }), listRecordedCycles(store.db)]);
  const recordedByKey = new Map(recorded.map((cycle) => [keyOf(cycle), cycle]));
  const rows = groups.flatMap((group) =>
    group.cycles.map((cycle) => ({
      partnerId: cycle.partnerId,
      partnerName: group.partner.name,
      trigger: cycle.trigger,
      cycle: cycle.cycle,
      reason: reasonFor(cycle, group.partner, recordedByKey.get(keyOf(cycle)), asOf),
    })),
  );
  const json = { asOf, due: rows, missingSupportPlan: due.missingSupportPlan, blocked: due.blocked };
  const lines = [`Due as of ${asOf} (policy ${policy.version}): ${rows.length} cycle(s)`];
  for (const row of rows) {
    lines.push(`  ${row.partnerId.padEnd(12)} ${row.trigger.padEnd(12)} ${row.cycle}  ${row.partnerName} — ${row.reason}`);
  }
  if (due.missingSupportPlan.length > 0) {
    lines.push(`Direct-bill partners with no support-plan term (no cycle recorded): ${due.missingSupportPlan.join(', ')}`);
  }
  for (const blocked of due.blocked) {
    lines.push(`Told to move, not due until it may re-apply on ${blocked.reapplyEligibleOn}: ${blocked.partnerId}`);
  }
  return { json, text: `${lines.join('\n')}\n` };
}

function reasonFor(cycle: CycleRef, partner: Partner, recorded: RecordedCycle | undefined, asOf: IsoDate): string {
  const base =
    cycle.trigger === 'renewal'
      ? `support-plan term ends ${cycle.termEnd ?? cycle.cycle}`
      : `onboarding anniversary (onboarded ${partner.onboardedOn})`;
  if (recorded?.outcome) return `${base}; still ${recorded.outcome} since ${recorded.decidedOn ?? '?'}`;
  if (cycle.cycle < asOf.slice(0, 7)) return `${base}; made up (cycle month has passed)`;
  return base;
}

function keyOf(cycle: Pick<CycleRef, 'partnerId' | 'trigger' | 'cycle'>): string {
  return `${cycle.partnerId}\u0000${cycle.trigger}\u0000${cycle.cycle}`;
}
