import type { Kysely } from 'kysely';
import type { Database, RunRow } from '../db/schema.js';
import type { IsoDate, Outcome } from '../domain/types.js';

export type RunStatus = 'running' | 'completed' | 'completed_with_failures' | 'stopped' | 'failed' | 'interrupted';

/** Records a run as `running`; resolves to its id. */
export async function startRun(
  db: Kysely<Database>,
  run: { asOf: IsoDate; origin: 'manual' | 'scheduled'; holder: string; startedAt: string },
): Promise<number> {
  const row = await db
    .insertInto('runs')
    .values({
      as_of: run.asOf,
      origin: run.origin,
      dry_run: 0,
      status: 'running',
      started_at: run.startedAt,
      heartbeat_at: run.startedAt,
      holder: run.holder,
      counts: '{}',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function finishRun(
  db: Kysely<Database>,
  runId: number,
  now: () => Date,
  status: RunStatus,
  counts: Record<Outcome, number>,
  error?: string,
): Promise<void> {
  const stamp = now().toISOString();
  await db
    .updateTable('runs')
    .set({ status, finished_at: stamp, heartbeat_at: stamp, counts: JSON.stringify(counts), error: error ?? null })
    .where('id', '=', runId)
    .execute();
}

/** The latest runs, newest first. */
export function latestRuns(db: Kysely<Database>, limit: number): Promise<RunRow[]> {
  return db.selectFrom('runs').selectAll().orderBy('id', 'desc').limit(limit).execute();
}

export async function lastCompletedRun(db: Kysely<Database>): Promise<RunRow | undefined> {
  return db
    .selectFrom('runs')
    .selectAll()
    .where('status', 'in', ['completed', 'completed_with_failures'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Marks every run still `running` as interrupted with `error`; resolves to their ids. */
export async function interruptRunningRuns(db: Kysely<Database>, error: string): Promise<number[]> {
  const running = await db.selectFrom('runs').select('id').where('status', '=', 'running').execute();
  if (running.length > 0) await db.updateTable('runs').set({ status: 'interrupted', error }).where('status', '=', 'running').execute();
  return running.map((run) => Number(run.id));
}
