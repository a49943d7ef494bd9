import type { Kysely, Transaction } from 'kysely';
import type { Database, EarlyWarningRow } from '../db/schema.js';
import type { IsoDate, Month, Trigger } from '../domain/types.js';
import { type ProjectedCheckRecord, type Projection, projectedCheckRecord } from '../rules/projection.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A warning as recorded: the projection it told of, and the notice that carried it. */
export interface RecordedWarning {
  partnerId: string;
  partnerName: string;
  trigger: Trigger;
  cycle: Month;
  monthsBefore: number;
  asOf: IsoDate;
  status: 'at_risk';
  actBy: IsoDate;
  checks: ProjectedCheckRecord[];
  basis: Projection['basis'];
  runId: number;
  noticeId: number | null;
  recordedAt: string;
}

export const warningKey = (warning: Pick<Projection, 'partnerId' | 'trigger' | 'cycle' | 'monthsBefore'>): string =>
  `${warning.partnerId}:${warning.trigger}:${warning.cycle}:${warning.monthsBefore}`;

/** The warnings already recorded for cycles in these months, as `warningKey`s. */
export async function listWarnedKeys(db: Db, cycles: readonly Month[]): Promise<Set<string>> {
  if (cycles.length === 0) return new Set();
  const rows = await db.selectFrom('early_warnings').select(['partner_id', 'trigger', 'cycle', 'months_before']).where('cycle', 'in', [...cycles]).execute();
  return new Set(rows.map((row) => warningKey({ partnerId: row.partner_id, trigger: row.trigger as Trigger, cycle: row.cycle, monthsBefore: Number(row.months_before) })));
}

/**
 * Records one warning unless it was recorded before (by a run that crashed after its commit, or
 * one racing this one): returns its id, or null when it was already there and must not be sent.
 */
export async function insertWarning(trx: Transaction<Database>, runId: number, projection: Projection, recordedAt: string): Promise<number | null> {
  const row = await trx
    .insertInto('early_warnings')
    .values({
      run_id: runId,
      partner_id: projection.partnerId,
      trigger: projection.trigger,
      cycle: projection.cycle,
      months_before: projection.monthsBefore,
      as_of: projection.asOf,
      status: 'at_risk',
      act_by: projection.actBy,
      // The evidence behind each figure is what the decision will keep; the warning keeps what it told.
      checks: JSON.stringify(projection.checks.map(projectedCheckRecord)),
      basis: JSON.stringify(projection.basis),
      notice_id: null,
      recorded_at: recordedAt,
    })
    .onConflict((oc) => oc.columns(['partner_id', 'trigger', 'cycle', 'months_before']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row ? Number(row.id) : null;
}

export async function linkWarningsToNotice(trx: Transaction<Database>, warningIds: number[], noticeId: number): Promise<void> {
  if (warningIds.length > 0) await trx.updateTable('early_warnings').set({ notice_id: noticeId }).where('id', 'in', warningIds).execute();
}

/** Every warning recorded for one partner, oldest first; or for every partner with a cycle in `cycle`. */
export async function listWarnings(db: Db, filter: { partnerId?: string; cycle?: Month }): Promise<RecordedWarning[]> {
  let query = db
    .selectFrom('early_warnings')
    .leftJoin('partners', 'partners.partner_id', 'early_warnings.partner_id')
    .selectAll('early_warnings')
    .select('partners.partner_name')
    .orderBy('early_warnings.partner_id')
    .orderBy('early_warnings.cycle')
    .orderBy('early_warnings.trigger')
    .orderBy('early_warnings.months_before', 'desc');
  if (filter.partnerId !== undefined) query = query.where('early_warnings.partner_id', '=', filter.partnerId);
  if (filter.cycle !== undefined) query = query.where('early_warnings.cycle', '=', filter.cycle);
  return (await query.execute()).map(toWarning);
}

function toWarning(row: EarlyWarningRow & { partner_name: string | null }): RecordedWarning {
  return {
    partnerId: row.partner_id,
    partnerName: row.partner_name ?? row.partner_id,
    trigger: row.trigger as Trigger,
    cycle: row.cycle,
    monthsBefore: Number(row.months_before),
    asOf: row.as_of,
    status: 'at_risk',
    actBy: row.act_by,
    checks: JSON.parse(row.checks) as ProjectedCheckRecord[],
    basis: JSON.parse(row.basis) as Projection['basis'],
    runId: Number(row.run_id),
    noticeId: row.notice_id === null ? null : Number(row.notice_id),
    recordedAt: row.recorded_at,
  };
}
