import type { CheckRecord, CycleRef, DecisionRecord, IsoDate, Month, Outcome, Trigger } from '../domain/types.js';
import type { Policy } from '../policy/policy.js';
import { addMonthsToDate, parseMonth } from './months.js';

/** The outcomes a person may record: the two final ones. */
export type OverrideOutcome = 'confirmed' | 'transition_required';
export const OVERRIDE_OUTCOMES: readonly OverrideOutcome[] = ['confirmed', 'transition_required'];
const TRIGGERS: readonly Trigger[] = ['renewal', 'anniversary'];

export interface OverrideRequest {
  partnerId: string;
  trigger: Trigger;
  cycle: Month;
  outcome: OverrideOutcome;
  reason: string;
  by: string;
  notify: boolean;
}

export interface RawOverrideOptions {
  cycle?: string;
  trigger?: string;
  outcome?: string;
  reason?: string;
  by?: string;
  notify: boolean;
}

const MAX_REASON = 2000;
const MAX_BY = 200;
/** Control characters would break the one-line records and summaries; a reason may still span lines. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/** Checks every option at once and names each problem, so that one correction fixes the command line. */
export function parseOverrideRequest(partnerId: string, raw: RawOverrideOptions): { request: OverrideRequest } | { problems: string[] } {
  const problems: string[] = [];
  const id = partnerId.trim();
  if (id === '') problems.push('PARTNER_ID is empty');
  const cycle = raw.cycle === undefined ? null : parseMonth(raw.cycle.trim());
  if (raw.cycle === undefined) problems.push('--cycle YYYY-MM is required');
  else if (!cycle) problems.push(`--cycle must be a month as YYYY-MM, got '${raw.cycle}'`);
  const trigger = oneOf(raw.trigger, TRIGGERS, '--trigger', problems);
  const outcome = oneOf(raw.outcome, OVERRIDE_OUTCOMES, '--outcome', problems);
  const reason = requiredText(raw.reason, '--reason TEXT', 'why the decision is corrected', MAX_REASON, problems);
  const by = requiredText(raw.by, '--by NAME_OR_EMAIL', 'who corrects it', MAX_BY, problems);
  if (by !== null && /[\r\n\t]/.test(by)) problems.push('--by must be one line');
  if (problems.length > 0 || !cycle || !trigger || !outcome || reason === null || by === null) return { problems };
  return { request: { partnerId: id, trigger, cycle, outcome, reason, by, notify: raw.notify } };
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], option: string, problems: string[]): T | null {
  if (value === undefined) {
    problems.push(`${option} ${allowed.join('|')} is required`);
    return null;
  }
  if ((allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`${option} must be one of ${allowed.join(', ')}, got '${value}'`);
  return null;
}

function requiredText(value: string | undefined, option: string, what: string, max: number, problems: string[]): string | null {
  const text = value?.trim() ?? '';
  if (text === '') {
    problems.push(`${option} is required and may not be empty: say ${what}`);
    return null;
  }
  if (text.length > max) problems.push(`${option.split(' ')[0]} is ${text.length} characters long; at most ${max}`);
  if (CONTROL.test(text)) problems.push(`${option.split(' ')[0]} contains a control character`);
  return text;
}

/** A cycle as an override finds it: recorded (with its latest decision), or due on the day and not recorded yet. */
export type CycleToOverride =
  | { kind: 'recorded'; cycleId: number; termEnd: IsoDate | null; latest: { decisionId: number; outcome: Outcome; checks: CheckRecord[] } }
  | { kind: 'due'; cycle: CycleRef };

/**
 * The manual decision an override records, or why it is refused. The checks stay those of the
 * decision it replaces (the facts as last read); the date is the day of the override, from which a
 * partner now told to move waits `reapplyWaitMonths` before it may re-apply.
 */
export function planOverride(
  request: OverrideRequest,
  target: CycleToOverride | null,
  policy: Pick<Policy, 'version' | 'reapplyWaitMonths'>,
  today: IsoDate,
): { decision: DecisionRecord; replacedOutcome: Outcome | null } | { refused: string } {
  const name = `the ${request.trigger} cycle ${request.cycle} of partner ${request.partnerId}`;
  if (!target) return { refused: `${name} does not exist: it has no decision and is not due on ${today}; see csp-reeval explain ${request.partnerId}` };
  const replacedOutcome = target.kind === 'recorded' ? target.latest.outcome : null;
  if (replacedOutcome === request.outcome) return { refused: `${name} is already ${request.outcome}: an override must change the outcome` };
  const termEnd = target.kind === 'recorded' ? target.termEnd : (target.cycle.termEnd ?? null);
  const decision: DecisionRecord = {
    partnerId: request.partnerId,
    trigger: request.trigger,
    cycle: request.cycle,
    outcome: request.outcome,
    final: true,
    checks: target.kind === 'recorded' ? target.latest.checks : [],
    decidedOn: today,
    policyVersion: policy.version,
    ...(request.outcome === 'transition_required' ? { reapplyEligibleOn: addMonthsToDate(today, policy.reapplyWaitMonths) } : {}),
    ...(termEnd ? { termEnd } : {}),
  };
  return { decision, replacedOutcome };
}
