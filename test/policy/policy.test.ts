import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { parsePolicy } from '../../src/policy/policy.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { runCliProcess } from '../helpers/run-as.js';
import { tempDir } from '../helpers/temp-store.js';

const SHIPPED = JSON.parse(readFileSync(path.join(REPO_ROOT, 'data', 'policy.json'), 'utf8')) as Record<string, Record<string, unknown>>;

/** The shipped policy with one value at `where` (dotted) replaced. */
function withValue(where: string, value: unknown): unknown {
  const copy = structuredClone(SHIPPED) as Record<string, unknown>;
  const keys = where.split('.');
  let node = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys.at(-1)!] = value;
  return copy;
}

/** The problems a policy is refused for, one per line, without the heading. */
function problemsOf(raw: unknown): string[] {
  try {
    parsePolicy(raw, 'p.json');
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message.split('\n').slice(1).map((line) => line.trim());
  }
  return [];
}

const PLAIN = 'must be a plain decimal number such as 70 or 0.35 (no %, exponent or thousands separator)';

describe('policy values', () => {
  it('the shipped policy is valid', () => {
    expect(problemsOf(SHIPPED)).toEqual([]);
  });

  it.each([
    ['assessment.passMark', '70%'],
    ['assessment.weights.sell', '40%'],
    ['assessment.passMark', ''],
    ['assessment.passMark', 'NaN'],
    ['security.minMfaCoverage', 'Infinity'],
    ['assessment.weights.support', 1e-7],
    ['revenue.minimumTtmUsd', '1,000,000.00'],
    ['revenue.minimumTtmUsd', ' '],
  ])('%s = %j is one listed problem, not a crash', (where, value) => {
    expect(problemsOf(withValue(where, value))).toEqual([`${where}: ${PLAIN}, got ${JSON.stringify(String(value).trim())}`]);
  });

  it('a negative minimum revenue is refused (a partner at 999,999.99 would pass)', () => {
    expect(problemsOf(withValue('revenue.minimumTtmUsd', '-1000000.00'))).toEqual(['revenue.minimumTtmUsd: must be at least 0, got -1000000.00']);
    expect(problemsOf(withValue('revenue.minimumTtmUsd', -1))).toEqual(['revenue.minimumTtmUsd: must be at least 0, got -1']);
    expect(problemsOf(withValue('revenue.minimumTtmUsd', '0.00'))).toEqual([]);
  });

  it('weights, coverage and rates outside 0–1 and a pass mark outside 0–100 are refused', () => {
    const weights = { sell: '1.40', secure: '-0.15', support: '-0.25' };
    expect(problemsOf(withValue('assessment.weights', weights))).toEqual([
      'assessment.weights.sell: must be between 0 and 1, got 1.40',
      'assessment.weights.secure: must be between 0 and 1, got -0.15',
      'assessment.weights.support: must be between 0 and 1, got -0.25',
    ]);
    expect(problemsOf(withValue('security.minAlertResponseRate', 1.01))).toEqual(['security.minAlertResponseRate: must be between 0 and 1, got 1.01']);
    expect(problemsOf(withValue('assessment.passMark', '100.5'))).toEqual(['assessment.passMark: must be between 0 and 100, got 100.5']);
    expect(problemsOf(withValue('assessment.passMark', -1))).toEqual(['assessment.passMark: must be between 0 and 100, got -1']);
  });

  it('weights that are decimals but do not add up to 1 are one problem', () => {
    expect(problemsOf(withValue('assessment.weights', { sell: 0.4, secure: 0.35, support: 0.3 }))).toEqual(['assessment.weights: weights must add up to exactly 1']);
  });
});

describe('a bad policy through the command line', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  it('lists every problem at once, exit 2, no stack trace, and nothing is opened', async () => {
    const raw = structuredClone(SHIPPED) as Record<string, Record<string, unknown>>;
    raw.revenue!.minimumTtmUsd = '-5';
    (raw.assessment!.weights as Record<string, unknown>).sell = '40%';
    (raw.assessment!.weights as Record<string, unknown>).secure = '';
    (raw.assessment!.weights as Record<string, unknown>).support = 1e-7;
    raw.assessment!.passMark = '70%';
    raw.security!.minMfaCoverage = 'NaN';
    raw.security!.minAlertResponseRate = 'Infinity';
    const file = path.join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify(raw));
    const database = path.join(dir, 'reeval.sqlite');
    const result = await runCliProcess(['run', '--as-of', '2026-10-15', '--policy', file], { DATABASE_URL: database, OUTBOX_DIR: path.join(dir, 'outbox') });
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `error: policy ${file} is not valid:`,
      '  revenue.minimumTtmUsd: must be at least 0, got -5',
      `  assessment.weights.sell: ${PLAIN}, got "40%"`,
      `  assessment.weights.secure: ${PLAIN}, got ""`,
      `  assessment.weights.support: ${PLAIN}, got "1e-7"`,
      `  assessment.passMark: ${PLAIN}, got "70%"`,
      `  security.minMfaCoverage: ${PLAIN}, got "NaN"`,
      `  security.minAlertResponseRate: ${PLAIN}, got "Infinity"`,
    ]);
    expect(readdirSync(dir)).toEqual(['policy.json']);
  });
});
