import { readFileSync } from 'node:fs';
import path from 'node:path';
import type {
  AssessmentLine,
  CycleRef,
  Evidence,
  Partner,
  RevenueEvidence,
  RevenueGroup,
  SecuritySnapshot,
  SupportTerm,
} from '../../src/domain/types.js';
import { parsePolicy, type Policy } from '../../src/policy/policy.js';
import { ttmWindow } from '../../src/rules/months.js';

/** The reference date every rule test is written against. */
export const AS_OF = '2026-10-15';

export function defaultPolicy(overrides: Record<string, unknown> = {}): Policy {
  const raw = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '..', '..', 'data', 'policy.json'), 'utf8')) as Record<string, unknown>;
  return parsePolicy(deepMerge(raw, overrides), 'test policy');
}

export function partner(overrides: Partial<Partner> = {}): Partner {
  return {
    partnerId: 'P1',
    name: 'Contoso',
    onboardedOn: '2020-10-05',
    noticeTo: ['ops@contoso.example.com'],
    noticeCc: [],
    locale: 'en',
    status: 'direct_bill',
    ...overrides,
  };
}

export function term(termStart: string, termEnd: string, plan: SupportTerm['plan'] = 'ASfP'): SupportTerm {
  return { plan, termStart, termEnd };
}

export function renewalCycle(cycle = '2026-10', termEnd = '2026-10-31', partnerId = 'P1'): CycleRef {
  return { partnerId, trigger: 'renewal', cycle, termEnd };
}

export function anniversaryCycle(cycle = '2026-10', partnerId = 'P1'): CycleRef {
  return { partnerId, trigger: 'anniversary', cycle };
}

/** Revenue for the window before `cycle`: groups as given, the feed caught up unless told otherwise. */
export function revenue(
  groups: Array<Partial<RevenueGroup> & { amount: string }>,
  options: { cycle?: string; fx?: Record<string, string>; feedReachesWindowEnd?: boolean } = {},
): RevenueEvidence {
  const window = ttmWindow(options.cycle ?? '2026-10', 12);
  return {
    window,
    feedReachesWindowEnd: options.feedReachesWindowEnd ?? true,
    latestRevenueMonth: window.months[window.months.length - 1]!,
    groups: groups.map((group) => ({ month: window.months[0]!, currency: 'USD', lines: 1, ...group })),
    fxRates: options.fx ?? {},
  };
}

/** One assessment with the same score for every capability of a category. */
export function assessment(scores: { sell?: string[]; secure?: string[]; support?: string[] }, assessedOn = '2026-09-01'): AssessmentLine[] {
  return (['sell', 'secure', 'support'] as const).flatMap((category) =>
    (scores[category] ?? []).map((score, i) => ({ assessedOn, category, capability: `${category}-${i}`, score })),
  );
}

export const PASSING_ASSESSMENT = assessment({ sell: ['80'], secure: ['80'], support: ['80'] });

export function snapshot(overrides: Partial<SecuritySnapshot> = {}): SecuritySnapshot {
  return {
    asOf: '2026-10-01',
    adminUsers: 10,
    adminUsersWithMfa: 10,
    securityContact: 'soc@contoso.example.com',
    alertsTotal: 4,
    alertsRespondedInTime: 4,
    ...overrides,
  };
}

export function renewalEvidence(overrides: Partial<Evidence> = {}): Evidence {
  return {
    supportTerms: [term('2025-11-01', '2026-10-31')],
    revenue: revenue([{ amount: '1000000.00' }]),
    assessment: PASSING_ASSESSMENT,
    prior: { outcome: null },
    ...overrides,
  };
}

export function anniversaryEvidence(overrides: Partial<Evidence> = {}): Evidence {
  return { supportTerms: [term('2025-11-01', '2026-10-31')], security: snapshot(), prior: { outcome: null }, ...overrides };
}

function deepMerge(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = result[key];
    result[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return result;
}
