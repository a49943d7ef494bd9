import { createHash } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, OverrideRow } from '../db/schema.js';
import type { CheckRecord, CycleRef, DecisionRecord, Outcome } from '../domain/types.js';
import type { CycleToOverride } from '../rules/override.js';
import { insertDecisionRow } from './cycles.js';
import { insertNotice, type NewNotice } from './notices.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The recorded cycle and its latest decision, or null when nothing is recorded for it. */
export async function findRecordedCycle(db: Db, ref: Pick<CycleRef, 'partnerId' | 'trigger' | 'cycle'>): Promise<CycleToOverride | null> {
  const row = await db
    .selectFrom('cycles')
    .leftJoin('decisions', 'decisions.id', 'cycles.last_decision_id')
    .select(['cycles.id', 'cycles.term_end', 'cycles.last_decision_id', 'decisions.outcome', 'decisions.checks'])
    .where('cycles.partner_id', '=', ref.partnerId)
    .where('cycles.trigger', '=', ref.trigger)
    .where('cycles.cycle', '=', ref.cycle)
    .executeTakeFirst();
  if (!row || row.last_decision_id === null || row.outcome === null) return null;
  return {
    kind: 'recorded',
    cycleId: Number(row.id),
    termEnd: row.term_end,
    latest: { decisionId: Number(row.last_decision_id), outcome: row.outcome as Outcome, checks: JSON.parse(row.checks ?? '[]') as CheckRecord[] },
  };
}

/** A partner notice about this cycle that has not gone out yet and tells of no other cycle: the override replaces it. */
const unsentAndOnlyAbout = (cycleId: number) =>
  sql<boolean>`notices.status in ('pending', 'failed') and not exists (
    select 1 from notice_decisions other join decisions d on d.id = other.decision_id
    where other.notice_id = notices.id and d.cycle_id <> ${cycleId})`;

/**
 * The notice a correction corrects: the latest one to the partner about this cycle that was sent,
 * or that will still be sent because it tells of other cycles too; null when there is none.
 */
export async function latestPartnerNoticeOfCycle(db: Db, cycleId: number): Promise<{ createdAt: string; sentAt: string | null } | null> {
  const row = await db
    .selectFrom('notices')
    .innerJoin('notice_decisions', 'notice_decisions.notice_id', 'notices.id')
    .innerJoin('decisions', 'decisions.id', 'notice_decisions.decision_id')
    .select(['notices.created_at', 'notices.sent_at'])
    .where('decisions.cycle_id', '=', cycleId)
    .where('notices.audience', '=', 'partner')
    .where('notices.status', 'in', ['sent', 'pending', 'failed'])
    .where(({ not }) => not(unsentAndOnlyAbout(cycleId)))
    .orderBy('notices.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { createdAt: row.created_at, sentAt: row.sent_at } : null;
}

/** Keeps a partner from hearing the replaced outcome after its correction: such a notice is never sent. */
async function supersedeUnsentNotices(trx: Transaction<Database>, cycleId: number): Promise<void> {
  await trx
    .updateTable('notices')
    .set({ status: 'superseded', next_attempt_at: null })
    .where('audience', '=', 'partner')
    .where('id', 'in', (eb) =>
      eb.selectFrom('notice_decisions').innerJoin('decisions', 'decisions.id', 'notice_decisions.decision_id').select('notice_decisions.notice_id').where('decisions.cycle_id', '=', cycleId),
    )
    .where(unsentAndOnlyAbout(cycleId))
    .execute();
}

export interface NewOverride {
  target: CycleToOverride;
  decision: DecisionRecord;
  replacedOutcome: Outcome | null;
  reason: string;
  by: string;
  overriddenAt: string;
  /** The correction notice for the outbox; null when the partner is not to be told. */
  notice: Omit<NewNotice, 'runId'> | null;
}

export type RecordedOverride = { overrideId: number; decisionId: number; noticeId: number | null } | { conflict: true };

/** Override decisions and notices belong to no run. */
const NO_RUN = 0;

class Superseded extends Error {}

/**
 * Records the manual decision, the override and its notice in one transaction, or nothing. The
 * cycle must still be as it was read: another override (or a run) that changed it meanwhile makes
 * this one a conflict, so two overrides made at once never both win.
 */
export async function recordOverride(db: Kysely<Database>, entry: NewOverride): Promise<RecordedOverride> {
  try {
    return await db.transaction().execute(async (trx) => {
      const { decision } = entry;
      const cycleId = await claimCycle(trx, entry);
      if (entry.target.kind === 'recorded') await supersedeUnsentNotices(trx, cycleId);
      const fingerprint = createHash('sha256').update(JSON.stringify(['override', entry.by, entry.overriddenAt, decision.outcome])).digest('hex');
      const decisionId = await insertDecisionRow(trx, cycleId, NO_RUN, decision, fingerprint, entry.overriddenAt);
      await trx.updateTable('cycles').set({ last_decision_id: decisionId }).where('id', '=', cycleId).execute();
      const noticeId = entry.notice ? await insertNotice(trx, { ...entry.notice, runId: NO_RUN }, [decisionId]) : null;
      const override = await trx
        .insertInto('overrides')
        .values({
          cycle_id: cycleId,
          decision_id: decisionId,
          replaced_decision_id: entry.target.kind === 'recorded' ? entry.target.latest.decisionId : null,
          replaced_outcome: entry.replacedOutcome,
          partner_id: decision.partnerId,
          trigger: decision.trigger,
          cycle: decision.cycle,
          outcome: decision.outcome,
          reason: entry.reason,
          overridden_by: entry.by,
          overridden_at: entry.overriddenAt,
          decided_on: decision.decidedOn,
          policy_version: decision.policyVersion,
          notice_id: noticeId,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { overrideId: Number(override.id), decisionId, noticeId };
    });
  } catch (error) {
    if (error instanceof Superseded || isUniqueViolation(error)) return { conflict: true };
    throw error;
  }
}

/**
 * Writes the cycle's new state first, on the condition that its latest decision is still the one
 * read: the first statement writes, so SQLite takes its write lock before anything is read, and
 * PostgreSQL makes a second writer wait for the first and then find the condition false.
 */
async function claimCycle(trx: Transaction<Database>, entry: NewOverride): Promise<number> {
  const { decision, target } = entry;
  const state = { outcome: decision.outcome, final: 1, decided_on: decision.decidedOn, reapply_eligible_on: decision.reapplyEligibleOn ?? null };
  if (target.kind === 'due') {
    // A cycle row made meanwhile (by a run, or by another override) fails the unique key.
    const row = await trx
      .insertInto('cycles')
      .values({ partner_id: decision.partnerId, trigger: decision.trigger, cycle: decision.cycle, term_end: decision.termEnd ?? null, ...state })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }
  const updated = await trx
    .updateTable('cycles')
    .set(state)
    .where('id', '=', target.cycleId)
    .where('last_decision_id', '=', target.latest.decisionId)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) throw new Superseded();
  return target.cycleId;
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export interface OverrideRecord {
  id: number;
  cycleId: number;
  decisionId: number;
  replacedDecisionId: number | null;
  partnerId: string;
  trigger: string;
  cycle: string;
  outcome: Outcome;
  replacedOutcome: Outcome | null;
  reason: string;
  overriddenBy: string;
  overriddenAt: string;
  decidedOn: string;
  policyVersion: string;
  noticeId: number | null;
}

function toRecord(row: OverrideRow): OverrideRecord {
  return {
    id: Number(row.id),
    cycleId: Number(row.cycle_id),
    decisionId: Number(row.decision_id),
    replacedDecisionId: row.replaced_decision_id === null ? null : Number(row.replaced_decision_id),
    partnerId: row.partner_id,
    trigger: row.trigger,
    cycle: row.cycle,
    outcome: row.outcome as Outcome,
    replacedOutcome: row.replaced_outcome as Outcome | null,
    reason: row.reason,
    overriddenBy: row.overridden_by,
    overriddenAt: row.overridden_at,
    decidedOn: row.decided_on,
    policyVersion: row.policy_version,
    noticeId: row.notice_id === null ? null : Number(row.notice_id),
  };
}

export async function overridesOfPartner(db: Db, partnerId: string): Promise<OverrideRecord[]> {
  const rows = await db.selectFrom('overrides').selectAll().where('partner_id', '=', partnerId).orderBy('id').execute();
  return rows.map(toRecord);
}

/** The overrides that recorded these decisions (a cycle's latest decision, say), by decision id. */
export async function overridesOfDecisions(db: Db, decisionIds: number[]): Promise<Map<number, OverrideRecord>> {
  const result = new Map<number, OverrideRecord>();
  // Chunks keep the parameter count well inside SQLite's and PostgreSQL's limits.
  for (let first = 0; first < decisionIds.length; first += 500) {
    const rows = await db.selectFrom('overrides').selectAll().where('decision_id', 'in', decisionIds.slice(first, first + 500)).execute();
    for (const row of rows) result.set(Number(row.decision_id), toRecord(row));
  }
  return result;
}

export async function markOverridesReported(db: Db, runId: number, overrideIds: number[]): Promise<void> {
  for (let first = 0; first < overrideIds.length; first += 500) {
    await db
      .updateTable('overrides')
      .set({ reported_run_id: runId })
      .where('id', 'in', overrideIds.slice(first, first + 500))
      .where('reported_run_id', 'is', null)
      .execute();
  }
}

/** An override with the manual decision it recorded, as a run reports it. */
export interface OverriddenDecision {
  override: OverrideRecord;
  checks: CheckRecord[];
  reapplyEligibleOn: string | null;
}

/** Overrides no run has reported yet, each with its decision's checks and re-apply date, oldest first. */
export async function overriddenDecisionsNotYetReported(db: Db, partnerId?: string): Promise<OverriddenDecision[]> {
  let query = db
    .selectFrom('overrides')
    .innerJoin('decisions', 'decisions.id', 'overrides.decision_id')
    .selectAll('overrides')
    .select(['decisions.checks', 'decisions.reapply_eligible_on'])
    .where('overrides.reported_run_id', 'is', null)
    .orderBy('overrides.id');
  if (partnerId !== undefined) query = query.where('overrides.partner_id', '=', partnerId);
  const rows = await query.execute();
  return rows.map(({ checks, reapply_eligible_on, ...row }) => ({ override: toRecord(row), checks: JSON.parse(checks) as CheckRecord[], reapplyEligibleOn: reapply_eligible_on }));
}
