import type { Transaction } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { IsoDate } from '../domain/types.js';
import type { WarningsForOps } from '../mail/summary-warnings.js';
import type { Policy } from '../policy/policy.js';
import { type ProjectedCheckJson, type Projection, projectedCheckJson } from '../rules/projection.js';
import { insertWarning, listWarnedKeys, warningKey } from '../store/warnings.js';
import { type KnownPartners, projectUpcoming } from './projections.js';

/** A warning as `run --json` lists it (SPEC §4a). */
export interface WarningJson {
  partnerId: string;
  trigger: Projection['trigger'];
  cycle: string;
  monthsBefore: number;
  checks: ProjectedCheckJson[];
  status: 'at_risk';
  actBy: IsoDate;
}

export interface RunWarnings {
  /** The at-risk projections no earlier run warned of, by partner: each is to be told once. */
  byPartner: Map<string, Projection[]>;
  /** Projections our own data cannot complete: operations are told, the partner is not. */
  needsData: WarningsForOps['needsData'];
}

/**
 * Projects every cycle `earlyWarning.monthsBefore` months ahead and keeps what is still to be
 * told: a warning recorded by an earlier run (or before a crash) is never sent again, and an
 * offset whose month passed without a run is not made up, as only the as-of month's offsets are looked at.
 */
export async function findWarnings(store: Store, policy: Policy, asOf: IsoDate, known: KnownPartners): Promise<RunWarnings> {
  const projected = await projectUpcoming(store, policy, asOf, policy.earlyWarning.monthsBefore, known);
  const warned = await listWarnedKeys(store.db, [...new Set(projected.map(({ projection }) => projection.cycle))]);
  const byPartner = new Map<string, Projection[]>();
  const needsData: RunWarnings['needsData'] = [];
  for (const { partner, projection } of projected) {
    if (projection.status === 'needs_data') {
      needsData.push({ ...cycleOf(projection, partner.name), missing: projection.checks.flatMap((check) => (check.result === 'unknown' && check.missing ? [`${check.id}: ${check.missing.detail}`] : [])) });
    }
    if (projection.status !== 'at_risk' || warned.has(warningKey(projection))) continue;
    byPartner.set(partner.partnerId, [...(byPartner.get(partner.partnerId) ?? []), projection]);
  }
  return { byPartner, needsData };
}

/** Records a partner's warnings; returns those no run recorded before, and their ids. */
export async function recordWarnings(trx: Transaction<Database>, runId: number, warnings: Projection[], recordedAt: string): Promise<{ fresh: Projection[]; ids: number[] }> {
  const fresh: Projection[] = [];
  const ids: number[] = [];
  for (const warning of warnings) {
    const id = await insertWarning(trx, runId, warning, recordedAt);
    if (id === null) continue;
    ids.push(id);
    fresh.push(warning);
  }
  return { fresh, ids };
}

export function toJsonWarning(projection: Projection): WarningJson {
  return {
    partnerId: projection.partnerId,
    trigger: projection.trigger,
    cycle: projection.cycle,
    monthsBefore: projection.monthsBefore,
    checks: projection.checks.map(projectedCheckJson),
    status: 'at_risk',
    actBy: projection.actBy,
  };
}

export function atRiskForOps(projection: Projection, partnerName: string): WarningsForOps['atRisk'][number] {
  return { ...cycleOf(projection, partnerName), atRisk: projection.checks.filter((check) => check.atRisk).map((check) => `${check.id}: ${check.todo ? 'to-do' : 'fail'}, ${check.observed} (required ${check.required}${check.gap ? `, ${check.gap} short` : ''})`) };
}

function cycleOf(projection: Projection, partnerName: string) {
  return { partnerId: projection.partnerId, partnerName, trigger: projection.trigger, cycle: projection.cycle, monthsBefore: projection.monthsBefore };
}
