import { readFileSync } from 'node:fs';
import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { compare, isDecimalText, parseDecimal, rational, sum } from '../money/decimal.js';

/**
 * The policy as the rules read it. Every threshold is an exact decimal string so that a value
 * such as 0.35 is the decimal 0.35 and not the nearest binary float.
 */
export interface Policy {
  version: string;
  programStart: string;
  catchUpMonths: number;
  timeZone: string;
  revenue: { minimumTtmUsd: string; windowMonths: number };
  assessment: {
    weights: { sell: string; secure: string; support: string };
    passMark: string;
    maxAgeDays: number;
  };
  supportRenewal: { graceDays: number; minNoticeDays: number };
  security: {
    minMfaCoverage: string;
    requireContact: boolean;
    minAlertResponseRate: string;
    /** A Graph snapshot's average alert response time, in hours, must not exceed this. */
    maxAverageAlertResponseHours: string;
    maxAgeDays: number;
  };
  reapplyWaitMonths: number;
  /** Months before a cycle's month in which a partner on course to fail is warned; empty = off. */
  earlyWarning: { monthsBefore: readonly number[] };
}

/**
 * A JSON number or string holding a plain decimal, kept as its exact decimal text, within `range`.
 * Every malformed value ("70%", "", "NaN", 1e-7) is one problem in the list, never a crash: the
 * range is only checked on a value that is a decimal.
 */
const decimal = (range: { min: string; max?: string }) =>
  z
    .union([z.number(), z.string()])
    .transform((value) => (typeof value === 'number' ? numberToDecimalText(value) : value.trim()))
    .superRefine((text, context) => {
      if (!isDecimalText(text)) {
        context.addIssue({ code: 'custom', message: `must be a plain decimal number such as 70 or 0.35 (no %, exponent or thousands separator), got ${JSON.stringify(text)}` });
        return;
      }
      const value = parseDecimal(text);
      const below = compare(value, parseDecimal(range.min)) < 0;
      const above = range.max !== undefined && compare(value, parseDecimal(range.max)) > 0;
      if (below || above) {
        const bounds = range.max === undefined ? `at least ${range.min}` : `between ${range.min} and ${range.max}`;
        context.addIssue({ code: 'custom', message: `must be ${bounds}, got ${text}` });
      }
    });

const fraction = () => decimal({ min: '0', max: '1' });

const wholeDays = z.number().int().min(0).max(3650);

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine((text) => DateTime.fromISO(text, { zone: 'UTC' }).isValid, 'is not a real date');

const policySchema = z
  .object({
    version: z.string().trim().min(1),
    programStart: isoDate,
    catchUpMonths: z.number().int().min(0).max(24),
    timeZone: z.string().refine((zone) => IANAZone.isValidZone(zone), 'is not a known IANA time zone'),
    revenue: z
      .object({
        minimumTtmUsd: decimal({ min: '0' }),
        windowMonths: z.number().int().min(1).max(36),
      })
      .strict(),
    assessment: z
      .object({
        weights: z
          .object({
            sell: fraction(),
            secure: fraction(),
            support: fraction(),
          })
          .strict()
          .refine(
            (weights) => {
              const values = Object.values(weights);
              // A malformed weight is reported on its own; the sum is checked once they all are decimals.
              return !values.every((w) => isDecimalText(w)) || compare(sum(values.map((w) => parseDecimal(w))), rational(1)) === 0;
            },
            'weights must add up to exactly 1',
          ),
        passMark: decimal({ min: '0', max: '100' }),
        maxAgeDays: wholeDays,
      })
      .strict(),
    supportRenewal: z.object({ graceDays: wholeDays, minNoticeDays: wholeDays }).strict(),
    security: z
      .object({
        minMfaCoverage: fraction(),
        requireContact: z.boolean(),
        minAlertResponseRate: fraction(),
        maxAverageAlertResponseHours: decimal({ min: '0' }).default('24'),
        maxAgeDays: wholeDays,
      })
      .strict(),
    reapplyWaitMonths: z.number().int().min(0).max(120),
    earlyWarning: z
      .object({
        monthsBefore: z
          .array(z.number().int().min(1).max(24))
          .refine((months) => new Set(months).size === months.length, 'must not name the same month twice')
          // Largest first: the order warnings fall due in, and the order they are listed in.
          .transform((months) => [...months].sort((a, b) => b - a)),
      })
      .strict()
      .default({ monthsBefore: [3, 1] }),
  })
  .strict();

export function parsePolicy(raw: unknown, source: string): Policy {
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `  ${issue.path.join('.') || '(top level)'}: ${issue.message}`,
    );
    throw new UsageError(`policy ${source} is not valid:\n${problems.join('\n')}`);
  }
  return Object.freeze(parsed.data) as Policy;
}

export function loadPolicy(file: string): Policy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read policy ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`policy ${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parsePolicy(raw, file);
}

function numberToDecimalText(value: number): string {
  // JSON numbers such as 0.35 print back as "0.35"; exponent forms (1e-7) are refused as not plain.
  return String(value);
}
