import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { parsePolicy } from '../../src/policy/policy.js';
import { defaultPolicy } from '../builders/index.js';

function problemsOf(monthsBefore: unknown): string[] {
  try {
    defaultPolicy({ earlyWarning: { monthsBefore } });
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message.split('\n').slice(1).map((line) => line.trim());
  }
  return [];
}

describe('earlyWarning.monthsBefore', () => {
  it('defaults to 3 and 1 months when the policy does not name it', () => {
    const raw = { ...(defaultPolicy() as unknown as Record<string, unknown>) };
    delete raw.earlyWarning;
    expect(parsePolicy(raw, 'p.json').earlyWarning.monthsBefore).toEqual([3, 1]);
  });

  it('an empty list turns warnings off, and any order is kept largest first', () => {
    expect(defaultPolicy({ earlyWarning: { monthsBefore: [] } }).earlyWarning.monthsBefore).toEqual([]);
    expect(defaultPolicy({ earlyWarning: { monthsBefore: [1, 6, 2] } }).earlyWarning.monthsBefore).toEqual([6, 2, 1]);
  });

  it('zero, fractions, text, repeats and more than two years are refused, each named', () => {
    expect(problemsOf([0])).toEqual([expect.stringMatching(/^earlyWarning\.monthsBefore\.0: /)]);
    expect(problemsOf([1.5])).toEqual([expect.stringMatching(/^earlyWarning\.monthsBefore\.0: /)]);
    expect(problemsOf(['3'])).toEqual([expect.stringMatching(/^earlyWarning\.monthsBefore\.0: /)]);
    expect(problemsOf([25])).toEqual([expect.stringMatching(/^earlyWarning\.monthsBefore\.0: /)]);
    expect(problemsOf([3, 3])).toEqual(['earlyWarning.monthsBefore: must not name the same month twice']);
    expect(problemsOf(3)).toEqual([expect.stringMatching(/^earlyWarning\.monthsBefore: /)]);
  });

  it('an unknown key beside it is refused like anywhere else in the policy', () => {
    expect(() => defaultPolicy({ earlyWarning: { monthsBefore: [3], daysBefore: [1] } })).toThrow(/earlyWarning/);
  });
});
