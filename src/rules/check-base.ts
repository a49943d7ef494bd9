import type { Check } from '../domain/checks.js';
import type { MissingReason } from '../domain/types.js';

/** A check before it is decided: which, what it requires, and its observed values still null. */
export type Undecided<C extends Check> = C extends Check ? Omit<C, 'result' | 'missing' | 'evidence'> : never;

/** A check that cannot be decided: the partner is never failed for it, operations are told why. */
export function unknown<C extends Check>(base: Undecided<C>, reason: MissingReason, detail: string, evidence: Record<string, unknown>): C {
  return { ...base, result: 'unknown', missing: { reason, detail }, evidence } as unknown as C;
}
