import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { CycleRow, Database, DecisionRow } from '../db/schema.js';
import type { CheckRecord, CycleRef, Decision, DecisionRecord, Outcome, PriorState, RecordedCycle, Trigger } from '../domain/types.js';
import { checkRecord, checkText } from '../rules/check-text.js';
import { isToldToPartner } from '../rules/told.js';
import { carriedChecks } from './check-records.js';

type Db = Kysely<Database> | Transaction<Database>;

export async function listRecordedCycles(db: Db, partnerId?: string): Promise<RecordedCycle[]> {
  let query = db.selectFrom('cycles').selectAll().orderBy('partner_id').orderBy('cycle').orderBy('trigger');
  if (partnerId !== undefined) query = query.where('partner_id', '=', partnerId);
  const rows = await query.execute();
  return rows.map((row) => ({
    partnerId: row.partner_id,
    trigger: row.trigger as Trigger,
    cycle: row.cycle,
    outcome: row.outcome as Outcome | null,
    final: Number(row.final) === 1,
    decidedOn: row.decided_on,
    reapplyEligibleOn: row.reapply_eligible_on,
    ...(row.term_end ? { termEnd: row.term_end } : {}),
  }));
}

export async function loadPriorState(db: Db, cycle: CycleRef): Promise<PriorState> {
  const row = await findCycle(db, cycle);
  if (!row) return { outcome: null };
  const prior: PriorState = { outcome: row.outcome as Outcome | null };
  if (row.deadline) {
    const firstAwaiting = await db
      .selectFrom('decisions')
      .select(['decided_on', 'checks'])
      .where('cycle_id', '=', row.id)
      .where('outcome', '=', 'awaiting_support_renewal')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (firstAwaiting) {
      const checks = carriedChecks(JSON.parse(firstAwaiting.checks) as CheckRecord[]);
      prior.awaiting = { decidedOn: firstAwaiting.decided_on, deadline: row.deadline, toldOn: row.told_on, checks };
    }
  }
  return prior;
}

export interface RecordedDecision {
  decision: Decision;
  decisionId: number | null;
  /** True when the partner should be told about this decision now (first final, first awaiting). */
  notify: boolean;
}

/**
 * Records one decision, re-reading the cycle inside the transaction first: a cycle that became
 * final meanwhile is left alone, and an unchanged decision is not written again.
 */
export async function recordDecision(
  trx: Transaction<Database>,
  runId: number,
  decision: Decision,
  recordedAt: string,
): Promise<RecordedDecision> {
  const key = { partnerId: decision.partnerId, trigger: decision.trigger, cycle: decision.cycle };
  let row = await findCycle(trx, key);
  if (row && Number(row.final) === 1) return { decision, decisionId: null, notify: false };
  // A new cycle comes back from its insert: on PostgreSQL every statement is a round trip.
  row ??= await trx
    .insertInto('cycles')
    .values({
      partner_id: decision.partnerId,
      trigger: decision.trigger,
      cycle: decision.cycle,
      term_end: decision.termEnd ?? null,
      outcome: null,
      final: 0,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const fingerprint = fingerprintOf(decision);
  if (row.last_decision_id !== null) {
    const last = await trx
      .selectFrom('decisions')
      .select('fingerprint')
      .where('id', '=', row.last_decision_id)
      .executeTakeFirst();
    if (last?.fingerprint === fingerprint) return { decision, decisionId: row.last_decision_id, notify: false };
  }
  const decisionId = await insertDecisionRow(trx, row.id, runId, { ...decision, checks: decision.checks.map(checkRecord) }, fingerprint, recordedAt);
  await trx
    .updateTable('cycles')
    .set({
      outcome: decision.outcome,
      final: decision.final ? 1 : 0,
      decided_on: decision.decidedOn,
      reapply_eligible_on: decision.reapplyEligibleOn ?? null,
      deadline: decision.deadline ?? row.deadline,
      last_decision_id: decisionId,
    })
    .where('id', '=', row.id)
    .execute();
  return { decision, decisionId, notify: isToldToPartner(decision, { askedToRenewBefore: Boolean(row.deadline) }) };
}

/** Writes one decision of a cycle as it is recorded (a run's, or a person's override); resolves to its id. */
export async function insertDecisionRow(
  trx: Transaction<Database>,
  cycleId: number,
  runId: number,
  decision: DecisionRecord,
  fingerprint: string,
  recordedAt: string,
): Promise<number> {
  const inserted = await trx
    .insertInto('decisions')
    .values({
      cycle_id: cycleId,
      run_id: runId,
      partner_id: decision.partnerId,
      trigger: decision.trigger,
      cycle: decision.cycle,
      outcome: decision.outcome,
      final: decision.final ? 1 : 0,
      decided_on: decision.decidedOn,
      policy_version: decision.policyVersion,
      reapply_eligible_on: decision.reapplyEligibleOn ?? null,
      deadline: decision.deadline ?? null,
      checks: JSON.stringify(decision.checks),
      fingerprint,
      recorded_at: recordedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(inserted.id);
}

export async function cyclesOfPartner(db: Db, partnerId: string): Promise<CycleRow[]> {
  return db.selectFrom('cycles').selectAll().where('partner_id', '=', partnerId).orderBy('cycle').orderBy('trigger').execute();
}

export async function decisionsOfPartner(db: Db, partnerId: string): Promise<DecisionRow[]> {
  return db.selectFrom('decisions').selectAll().where('partner_id', '=', partnerId).orderBy('id').execute();
}

function findCycle(db: Db, cycle: Pick<CycleRef, 'partnerId' | 'trigger' | 'cycle'>) {
  return db
    .selectFrom('cycles')
    .selectAll()
    .where('partner_id', '=', cycle.partnerId)
    .where('trigger', '=', cycle.trigger)
    .where('cycle', '=', cycle.cycle)
    .executeTakeFirst();
}

/** What makes two decisions "the same": outcome, dates and every check's result and values. */
function fingerprintOf(decision: Decision): string {
  const material = {
    outcome: decision.outcome,
    deadline: decision.deadline ?? null,
    reapplyEligibleOn: decision.reapplyEligibleOn ?? null,
    policyVersion: decision.policyVersion,
    checks: decision.checks.map((c) => ({ c, text: checkText(c) })).map(({ c, text }) => [c.id, c.result, text.observed, text.required]),
  };
  return createHash('sha256').update(JSON.stringify(material)).digest('hex');
}
