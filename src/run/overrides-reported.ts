import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Outcome } from '../domain/types.js';
import type { OverrideSummaryItem } from '../mail/ops-overrides.js';
import type { OverrideFields, RunJson } from './run-json.js';
import { markOverridesReported, type OverriddenDecision, overriddenDecisionsNotYetReported, overridesOfDecisions } from '../store/overrides.js';

/** A decision a person made, as `run --json` shows it. */
export type OverriddenJsonDecision = RunJson['decisions'][number] & OverrideFields;

export function overrideFields(entry: { overriddenBy: string; reason: string; replacedOutcome: Outcome | null }): OverrideFields {
  return { overriddenBy: entry.overriddenBy, reason: entry.reason, replacedOutcome: entry.replacedOutcome };
}

function toJson({ override, checks, reapplyEligibleOn }: OverriddenDecision): OverriddenJsonDecision {
  return {
    partnerId: override.partnerId,
    trigger: override.trigger,
    cycle: override.cycle,
    outcome: override.outcome,
    checks: checks.map(({ id, result, observed, required }) => ({ id, result, observed, required })),
    ...(reapplyEligibleOn ? { reapplyEligibleOn } : {}),
    ...overrideFields(override),
  };
}

/**
 * The decisions people made since the last run reported them: a run shows each once, beside the
 * decisions it made itself (a dry run shows them and marks nothing).
 */
export async function reportOverridesInRun(db: Kysely<Database>, options: { partnerId?: string; runId: number | null }): Promise<OverriddenJsonDecision[]> {
  const overridden = await overriddenDecisionsNotYetReported(db, options.partnerId);
  if (options.runId !== null && overridden.length > 0) await markOverridesReported(db, options.runId, overridden.map((entry) => entry.override.id));
  return overridden.map(toJson);
}

/** The overrides among the decisions an operations summary is about to cover, oldest first. */
export async function overridesForSummary(db: Kysely<Database>, decisionIds: number[], names: Map<string, string>): Promise<OverrideSummaryItem[]> {
  const overrides = [...(await overridesOfDecisions(db, decisionIds)).values()].sort((a, b) => a.id - b.id);
  return overrides.map((override) => ({
    partnerId: override.partnerId,
    partnerName: names.get(override.partnerId) ?? override.partnerId,
    trigger: override.trigger,
    cycle: override.cycle,
    replacedOutcome: override.replacedOutcome,
    outcome: override.outcome,
    by: override.overriddenBy,
    reason: override.reason,
    at: override.overriddenAt,
    noticeWithheld: override.noticeId === null,
  }));
}
