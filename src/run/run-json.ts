import type { Decision, IsoDate, Outcome } from '../domain/types.js';
import { checkText } from '../rules/check-text.js';
import type { WarningJson } from './warnings.js';

/** What `run --json` and `report` add to a decision a person made: who, why, and the outcome it replaced. */
export interface OverrideFields {
  overriddenBy: string;
  reason: string;
  replacedOutcome: Outcome | null;
}

/** What `run --json` prints (SPEC): every decision with its checks, every notice and its fate. */
export interface RunJson {
  asOf: IsoDate;
  dryRun: boolean;
  policyVersion: string;
  runId: number | null;
  decisions: Array<{
    partnerId: string;
    trigger: string;
    cycle: string;
    outcome: Outcome;
    checks: Array<{ id: string; result: string; observed: string; required: string }>;
    reapplyEligibleOn?: IsoDate;
    deadline?: IsoDate;
  } & Partial<OverrideFields>>;
  notices: Array<{ partnerId: string; to: string[]; kinds: string[]; status: 'sent' | 'failed' | 'dry_run' }>;
  /** Early warnings told in this run (SPEC §4a). */
  warnings: WarningJson[];
  missingSupportPlan: string[];
  stopped: boolean;
}

export function newRunJson(asOf: IsoDate, dryRun: boolean, policyVersion: string): RunJson {
  return { asOf, dryRun, policyVersion, runId: null, decisions: [], notices: [], warnings: [], missingSupportPlan: [], stopped: false };
}

/** A decision as `run --json` shows it: the checks reduced to their id, result, observed and required text. */
export function toJsonDecision(decision: Decision): RunJson['decisions'][number] {
  return {
    partnerId: decision.partnerId,
    trigger: decision.trigger,
    cycle: decision.cycle,
    outcome: decision.outcome,
    checks: decision.checks.map((check) => ({ id: check.id, result: check.result, ...checkText(check) })),
    ...(decision.reapplyEligibleOn ? { reapplyEligibleOn: decision.reapplyEligibleOn } : {}),
    ...(decision.deadline ? { deadline: decision.deadline } : {}),
  };
}
