import type { Check, MissingReason } from '../domain/types.js';

/** What a check is before it is decided: which, what is required, in what unit. */
export type CheckBase = Pick<Check, 'id' | 'required' | 'unit'>;

/** A check that cannot be decided: the partner is never failed for it, operations are told why. */
export function unknown(base: CheckBase, reason: MissingReason, detail: string, evidence: Record<string, unknown>): Check {
  return { ...base, result: 'unknown', observed: 'unknown', missing: { reason, detail }, evidence };
}

export function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
