import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Database, RunRow } from '../db/schema.js';
import type { IsoDate, Outcome } from '../domain/types.js';

export type RunStatus = 'running' | 'completed' | 'completed_with_failures' | 'stopped' | 'failed' | 'interrupted';

export async function startRun(
  db: Kysely<Database>,
  asOf: IsoDate,
  origin: 'manual' | 'scheduled',
  now: () => Date,
): Promise<number> {
  const stamp = now().toISOString();
  const row = await db
    .insertInto('runs')
    .values({
      as_of: asOf,
      origin,
      dry_run: 0,
      status: 'running',
      started_at: stamp,
      heartbeat_at: stamp,
      holder: `${hostname()}:${process.pid}`,
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

/** A run whose process died holding the lock: visible as such, never left "running". */
export async function markRunInterrupted(db: Kysely<Database>, runId: number): Promise<void> {
  await db
    .updateTable('runs')
    .set({ status: 'interrupted', error: 'the process stopped before the run finished' })
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .execute();
}

export async function listRuns(db: Kysely<Database>, limit = 20): Promise<RunRow[]> {
  const runs = await db.selectFrom('runs').selectAll().orderBy('id', 'desc').limit(limit).execute();
  // PostgreSQL returns a bigserial id as text; `runs --json` prints the same number on both engines.
  return runs.map((run) => ({ ...run, id: Number(run.id) }));
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
